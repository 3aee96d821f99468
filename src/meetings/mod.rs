//! Meetings: the forum's meetings with their officers, agenda, members' one-page updates,
//! attendance (filled from RSVP and the door), minutes (draft, published, agreed, amended)
//! and actions carried from meeting to meeting under "Matters arising", plus the action
//! tracker and a Markdown export. Builds on events (a meeting is usually one date of the
//! forum's series, whose page links here) and RSVP (attendance).

pub mod api;
pub mod export;
pub mod extensions;
pub mod figures;
pub mod forms;
pub mod notices;
pub mod open_data;
pub mod page;
pub mod policy;
pub mod queries;
pub mod routes;
pub mod search;
pub mod seed;
pub mod views;
pub mod workflow;

use futures_util::future::BoxFuture;
use serde_json::json;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::events::extensions::{EventPageRequest, EventsExtension, PagePart};
use crate::state::AppState;
use crate::web::router::{Router, get, post};

/// The meeting's link on the page of the event (or date) it is.
pub struct Meetings;

async fn event_part(
    state: &AppState,
    request: EventPageRequest<'_>,
) -> AppResult<Option<PagePart>> {
    let e = request.event;
    let key = match request.occurrence {
        Some(at) => {
            crate::rsvp::slots::key_of(Some(at.original.with_timezone(&e.zone()).date_naive()))
        }
        None if e.rrule.is_none() => String::new(),
        None => return Ok(None),
    };
    let found = queries::for_event(&state.db, e.id, &key).await?;
    let tz = state.config.time_zone;
    Ok(match found {
        Some(m) => Some(PagePart {
            template: "meetings/event-part",
            data: json!({
                "href": views::href(&m),
                "title": m.title,
                "when": views::when(&m, tz),
                "agenda": m.agenda_published_at.is_some(),
                "minutes": policy::can_see_minutes(request.actor, &m),
                "new_href": null,
            }),
        }),
        None if policy::can_create(request.actor) => {
            let address = match request.occurrence {
                Some(_) => format!("/events/{}/{}", e.slug, key),
                None => format!("/events/{}", e.slug),
            };
            Some(PagePart {
                template: "meetings/event-part",
                data: json!({
                    "href": null,
                    "new_href": format!("/meetings/new?event={address}"),
                }),
            })
        }
        None => None,
    })
}

impl EventsExtension for Meetings {
    fn event_page<'a>(
        &'a self,
        state: &'a AppState,
        request: EventPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(event_part(state, request))
    }

    fn my_events<'a>(
        &'a self,
        state: &'a AppState,
        actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(async move {
            let open = queries::open_count_of(&state.db, actor.id).await?;
            Ok((open > 0).then(|| PagePart {
                template: "meetings/mine-part",
                data: json!({ "open": open }),
            }))
        })
    }
}

pub fn mount(router: Router) -> Router {
    const SLUG: &str = ":slug<[a-z0-9-]+>";
    let at = |tail: &str| format!("/meetings/{SLUG}{tail}");
    router
        .at("/meetings", get(routes::list))
        .at("/meetings/new", get(routes::new_form).post(routes::create))
        .at(
            "/meetings/import",
            get(routes::import_form).post(routes::import),
        )
        .at(&at(""), get(routes::show))
        .at(&at("/minutes.md"), get(routes::export_markdown))
        .at(&at("/edit"), get(routes::edit_form).post(routes::edit))
        .at(
            &at("/postpone"),
            get(routes::postpone_form).post(routes::postpone),
        )
        .at(&at("/agenda"), post(routes::add_item))
        .at(&at("/agenda/publish"), post(routes::publish_agenda))
        .at(
            &at("/agenda/:item<\\d+>"),
            get(routes::item_form).post(routes::edit_item),
        )
        .at(
            &at("/agenda/:item<\\d+>/defer"),
            get(routes::defer_form).post(routes::defer),
        )
        .at(&at("/agenda/:item<\\d+>/remove"), post(routes::remove_item))
        .at(
            &at("/update"),
            get(routes::update_form).post(routes::save_update),
        )
        .at(&at("/update/withdraw"), post(routes::withdraw_update))
        .at(&at("/attendance"), post(routes::add_attendee))
        .at(&at("/attendance/fill"), post(routes::fill_attendance))
        .at(
            &at("/attendance/:entry<\\d+>/remove"),
            post(routes::remove_attendee),
        )
        .at(
            &at("/minutes"),
            get(routes::minutes_form).post(routes::save_minutes),
        )
        .at(&at("/minutes/publish"), post(routes::publish_minutes))
        .at(&at("/minutes/agree-previous"), post(routes::agree_previous))
        .at(&at("/minutes/amendments"), post(routes::amend))
        .at(&at("/actions"), post(routes::raise_action))
        .at("/actions", get(routes::tracker))
        .at("/actions.csv", get(open_data::actions_download))
        .at(
            "/meetings/attendance.csv",
            get(open_data::attendance_download),
        )
        .at(
            "/actions/:id<\\d+>",
            get(routes::show_action).post(routes::record_progress),
        )
}
