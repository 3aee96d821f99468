//! Slides and files: uploaded to a meeting, an agenda item, an event or one date of a
//! series, and downloaded by anyone who may see that place. Builds on meetings and events
//! (their pages list the files through their extension points; neither knows this module).
//!
//! - `kinds`: the allowed types, found in the content and checked against the extension;
//! - `store`: where contents live, named by SHA-256 ([`store::BlobStore`]; the local folder),
//!   and `s3`: the same in a bucket of S3 or an S3-compatible service;
//! - `policy`: who may upload, see and delete;
//! - `service`: streaming an upload in, storing it with its row, listing, counting, deleting;
//! - `routes`, `views`: the upload forms, downloads (ranges, conditional requests), new
//!   versions, reordering, deleting;
//! - `slides`: the `/slides` page, every presentation by meeting and event, newest first.

pub mod api;
pub mod kinds;
pub mod policy;
pub mod routes;
pub mod s3;
pub mod seed;
pub mod service;
pub mod slides;
pub mod store;
pub mod views;

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use serde_json::json;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::events::extensions::{EventPageRequest, EventsExtension, PagePart};
use crate::files::policy::Place;
use crate::files::views::{Controls, FileView};
use crate::meetings::extensions::{MeetingPageRequest, MeetingParts, MeetingsExtension};
use crate::state::AppState;
use crate::web::router::{Router, get, post};

/// The files part of the event, meeting and agenda item pages.
pub struct Files;

/// What a files part shows: the list, and where to add one (for those who may).
struct PartOf<'a> {
    heading: &'a str,
    /// What the place is called, for the upload link's full name ("“Bus open data”").
    place: String,
    upload_href: Option<String>,
    id: String,
}

fn part(
    state: &AppState,
    files: Vec<entity::stored_file::Model>,
    controls: Controls,
    of: PartOf<'_>,
) -> Option<PagePart> {
    let PartOf {
        heading,
        place,
        upload_href,
        id,
    } = of;
    if files.is_empty() && upload_href.is_none() {
        return None;
    }
    let views = FileView::list(&service::current(files), controls, state.config.time_zone);
    Some(PagePart {
        template: "files/part",
        data: json!({
            "id": id,
            "heading": heading,
            "place": place,
            "files": views,
            "upload_href": upload_href,
            // An agenda item's files sit under its heading (h3): theirs is one level down.
            "item": id.starts_with("item-"),
        }),
    })
}

async fn event_part(
    state: &AppState,
    request: EventPageRequest<'_>,
) -> AppResult<Option<PagePart>> {
    let e = request.event;
    let occurrence = match request.occurrence {
        Some(at) => {
            crate::rsvp::slots::key_of(Some(at.original.with_timezone(&e.zone()).date_naive()))
        }
        None => String::new(),
    };
    // The date's own files, then the whole series', in one query.
    let files = service::of_event(&state.db, e.id, &occurrence).await?;
    let place = Place::Event(e.clone(), occurrence.clone());
    let upload = request
        .actor
        .filter(|a| policy::can_upload(a, None, &place))
        .map(|_| match occurrence.as_str() {
            "" => format!("/events/{}/files", e.slug),
            date => format!("/events/{}/{date}/files", e.slug),
        });
    let controls = Controls {
        delete: policy::can_delete(request.actor),
        manage: upload.is_some(),
    };
    Ok(part(
        state,
        files,
        controls,
        PartOf {
            heading: "Slides and files",
            place: format!("“{}”", e.title),
            upload_href: upload,
            id: "files".into(),
        },
    ))
}

async fn meeting_parts(
    state: &AppState,
    request: MeetingPageRequest<'_>,
) -> AppResult<MeetingParts> {
    let m = request.meeting;
    let place = Place::Meeting(m.clone());
    if !policy::can_see(request.actor, &place) {
        return Ok(MeetingParts::default());
    }
    let admin = policy::can_delete(request.actor);
    let officer = request
        .actor
        .is_some_and(|a| policy::can_upload(a, None, &place));
    // Presenters upload to their own items: their name is needed only if they are not
    // officers already.
    let who = match request.actor {
        Some(a) if !officer => crate::auth::service::find_user(&state.db, a.id).await?,
        _ => None,
    };
    let href = crate::meetings::views::href(m);
    let mut parts = MeetingParts {
        meeting: part(
            state,
            service::of_place(&state.db, &place).await?,
            Controls {
                delete: admin,
                manage: officer,
            },
            PartOf {
                heading: "Papers and files",
                place: "the meeting".into(),
                upload_href: officer.then(|| format!("{href}/files")),
                id: "files".into(),
            },
        ),
        items: HashMap::new(),
    };
    let ids: Vec<i64> = request.items.iter().map(|i| i.id).collect();
    let mut by_item: HashMap<i64, Vec<entity::stored_file::Model>> = HashMap::new();
    for f in service::of_items(&state.db, &ids).await? {
        if let Some(id) = f.agenda_item_id {
            by_item.entry(id).or_default().push(f);
        }
    }
    for item in request.items {
        let files = by_item.remove(&item.id).unwrap_or_default();
        let may_upload = officer
            || request.actor.is_some_and(|a| {
                policy::can_upload(a, who.as_ref(), &Place::Item(m.clone(), item.clone()))
            });
        let upload = may_upload.then(|| format!("{href}/agenda/{}/files", item.id));
        let of = PartOf {
            heading: "Slides",
            place: format!("“{}”", item.title),
            upload_href: upload,
            id: format!("item-{}-files", item.id),
        };
        let controls = Controls {
            delete: admin,
            manage: may_upload,
        };
        if let Some(p) = part(state, files, controls, of) {
            parts.items.insert(item.id, p);
        }
    }
    Ok(parts)
}

impl EventsExtension for Files {
    fn event_page<'a>(
        &'a self,
        state: &'a AppState,
        request: EventPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(event_part(state, request))
    }

    fn my_events<'a>(
        &'a self,
        _state: &'a AppState,
        _actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(async { Ok(None) })
    }
}

impl MeetingsExtension for Files {
    fn meeting_page<'a>(
        &'a self,
        state: &'a AppState,
        request: MeetingPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<MeetingParts>> {
        Box::pin(meeting_parts(state, request))
    }
}

/// Removes temporaries an earlier run left (a crash mid-upload). Uploads in progress on
/// another instance sharing the store are younger than an hour.
pub async fn sweep(state: &AppState) {
    match state
        .files
        .sweep(std::time::Duration::from_secs(60 * 60))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            removed = n,
            "removed unfinished uploads left by an earlier run"
        ),
        Err(e) => tracing::warn!(error = %e, "could not sweep unfinished uploads"),
    }
}

pub fn mount(router: Router) -> Router {
    const SLUG: &str = ":slug<[a-z0-9-]+>";
    const DATE: &str = ":date<\\d{4}-\\d{2}-\\d{2}>";
    router
        .at(
            &format!("/meetings/{SLUG}/files"),
            get(routes::meeting_form).post(routes::meeting_upload),
        )
        .at(
            &format!("/meetings/{SLUG}/agenda/:item<\\d+>/files"),
            get(routes::item_form).post(routes::item_upload),
        )
        .at(
            "/events/:slug/files",
            get(routes::event_form).post(routes::event_upload),
        )
        .at(
            &format!("/events/:slug/{DATE}/files"),
            get(routes::date_form).post(routes::date_upload),
        )
        .at("/slides", get(slides::page))
        .at("/files/:id<\\d+>", get(routes::by_id))
        .at("/files/:id<\\d+>/delete", post(routes::delete))
        .at(
            "/files/:id<\\d+>/replace",
            get(routes::replace_form).post(routes::replace),
        )
        .at("/files/:id<\\d+>/move", post(routes::move_file))
        .at(
            "/files/:id<\\d+>/:name",
            get(routes::download).head(routes::download),
        )
}
