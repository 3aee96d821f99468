//! Event pages: listings, the event page, the draft form, the workflow buttons, and the
//! admins' moderation queue.

use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Html, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::auth::session::{CurrentUser, RequireAdmin, SessionUser};
use crate::error::{AppError, AppResult};
use crate::events::forms::{EventForm, FieldErrors, review_note};
use crate::events::recurrence;
use crate::events::service::{
    self, Decision, Filter, Intent, Lookup, OccurrenceChange, UpdateOutcome,
};
use crate::events::views::*;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::markdown;
use crate::web::page::PageMeta;

const PER_PAGE: u64 = 20;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    q: Option<String>,
    year: Option<i32>,
}

fn page_links(
    base: &str,
    q: &ListQuery,
    page: u64,
    has_next: bool,
) -> (Option<String>, Option<String>) {
    let mut params = Vec::new();
    if let Some(query) = q.q.as_deref().filter(|s| !s.trim().is_empty()) {
        params.push(format!(
            "q={}",
            url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
        ));
    }
    if let Some(year) = q.year {
        params.push(format!("year={year}"));
    }
    let link = |p: u64| {
        let mut all = params.clone();
        if p > 1 {
            all.push(format!("page={p}"));
        }
        if all.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", all.join("&"))
        }
    };
    (
        (page > 1).then(|| link(page - 1)),
        has_next.then(|| link(page + 1)),
    )
}

async fn render_listing(
    ctx: PageCtx,
    q: ListQuery,
    tag: Option<String>,
    past: bool,
) -> AppResult<Html<String>> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let now = Utc::now();
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let filter = Filter {
        tag: tag.clone(),
        query: q.q.clone().filter(|s| !s.trim().is_empty()),
    };
    let this_year = chrono::Datelike::year(&now.with_timezone(&tz));
    let year = q.year.unwrap_or(this_year).clamp(1970, this_year);
    let key = format!(
        "list:{past}:{year}:{:?}:{:?}:{page}",
        filter.tag, filter.query
    );
    let listing = state
        .reads
        .get_or_load(key, async {
            if past {
                service::past(&state.db, now, year, tz, &filter, page, PER_PAGE).await
            } else {
                service::upcoming(&state.db, now, &filter, page, PER_PAGE).await
            }
        })
        .await?;
    let base = match (&tag, past) {
        (Some(t), _) => format!("/events/tags/{t}"),
        (None, true) => "/events/past".to_string(),
        (None, false) => "/events".to_string(),
    };
    let (previous_href, next_href) = page_links(&base, &q, page, listing.has_next);
    let (heading, intro) = match (&tag, past) {
        (Some(t), _) => (
            format!("Events tagged \u{201c}{t}\u{201d}"),
            "Upcoming events with this tag.".to_string(),
        ),
        (None, true) => (
            format!("Past events in {year}"),
            "What the forum has done, newest first.".to_string(),
        ),
        (None, false) => (
            "Upcoming events".to_string(),
            "Forum meetings, hack days and workshops across the region.".to_string(),
        ),
    };
    let searching = filter.query.is_some();
    let view = ListView {
        heading: heading.clone(),
        intro,
        events: listing
            .items
            .iter()
            .map(|o| EventCard::from_occurrence(o, tz))
            .collect(),
        query: q.q.clone().unwrap_or_default(),
        tag,
        empty_heading: if searching {
            "Nothing matches that search".into()
        } else {
            "No events here yet".into()
        },
        empty_message: if searching {
            "Try other words, or look at past events.".into()
        } else if past {
            "No past events are recorded for this year.".into()
        } else {
            "Events appear here once an administrator has approved them.".into()
        },
        previous_href,
        next_href,
        archive: if past {
            service::archive_years(now, tz)
                .into_iter()
                .map(|y| ArchiveLink {
                    label: y.to_string(),
                    href: format!("/events/past?year={y}"),
                    current: y == year,
                })
                .collect()
        } else {
            Vec::new()
        },
        can_draft: ctx.user.is_some(),
    };
    ctx.render("events/list", &heading, None, &view)
}

#[handler]
pub async fn upcoming_events(ctx: PageCtx, Query(q): Query<ListQuery>) -> AppResult<Html<String>> {
    render_listing(ctx, q, None, false).await
}

#[handler]
pub async fn past_events(ctx: PageCtx, Query(q): Query<ListQuery>) -> AppResult<Html<String>> {
    render_listing(ctx, q, None, true).await
}

#[handler]
pub async fn by_tag(
    ctx: PageCtx,
    Path(tag): Path<String>,
    Query(q): Query<ListQuery>,
) -> AppResult<Html<String>> {
    let tag = crate::events::forms::normalise_tags(&tag)
        .ok()
        .and_then(|t| t.into_iter().next())
        .ok_or(AppError::NotFound)?;
    render_listing(ctx, q, Some(tag), false).await
}

/// The event for a slug, or 404 for anyone who may not see it (no hint that a draft exists).
async fn visible_event(
    state: &AppState,
    user: Option<&SessionUser>,
    slug: &str,
) -> AppResult<Result<entity::event::Model, Response>> {
    match service::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) if service::can_view(user, &e) => Ok(Ok(*e)),
        Some(Lookup::Moved(new_slug)) => Ok(Err(Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header("location", format!("/events/{new_slug}"))
            .finish())),
        _ => Err(AppError::NotFound),
    }
}

#[handler]
pub async fn show(
    ctx: PageCtx,
    req: &poem::Request,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    if let Some(slug) = slug.strip_suffix(".ics") {
        return crate::calendar::routes::event_ics(req, &ctx.state, slug).await;
    }
    let state = ctx.state.clone();
    let user = ctx.user.clone();
    let shown = state
        .reads
        .get_or_load(format!("event:{slug}"), load_event_page(&state, &slug))
        .await?;
    let (e, tags, author_name, exceptions) = match shown.as_ref() {
        Some(Lookup::Found(found)) if service::can_view(user.as_ref(), &found.event) => (
            found.event.clone(),
            found.tags.clone(),
            found.author_name.clone(),
            found.exceptions.clone(),
        ),
        Some(Lookup::Moved(new_slug)) => {
            return Ok(Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header("location", format!("/events/{new_slug}"))
                .finish());
        }
        _ => return Err(AppError::NotFound),
    };
    let tz = state.config.time_zone;
    let event_tz: chrono_tz::Tz = e.time_zone.parse().unwrap_or(tz);
    let insider = user
        .as_ref()
        .is_some_and(|u| u.is_admin() || u.id == e.author_id);

    let series = match e.rrule.as_deref() {
        Some(rule) => {
            let duration = e.ends_at - e.starts_at;
            let now = Utc::now();
            let upcoming = recurrence::starts_between(
                rule,
                e.starts_at,
                duration,
                event_tz,
                now,
                now + chrono::Duration::days(366 * 2),
                12,
            )
            .into_iter()
            .map(|start| {
                let (s, end, cancelled, moved) =
                    service::apply_exception(start, duration, &exceptions);
                OccurrenceRow {
                    when: when_text(s, end, e.all_day, tz),
                    start_iso: crate::web::format::iso(start),
                    cancelled,
                    moved,
                }
            })
            .collect();
            Some(SeriesView {
                rule: RuleView::new(rule, event_tz),
                upcoming,
            })
        }
        None => None,
    };
    let revision = if insider && e.status.is_public() {
        match service::pending_revision(&state.db, e.id).await? {
            Some(rev) => {
                let proposed = service::revision_input(&rev)?;
                Some(RevisionView {
                    id: rev.id,
                    changes: service::diff(&e, &tags, &proposed, tz),
                })
            }
            None => None,
        }
    } else {
        None
    };

    let map_href = e
        .address
        .as_deref()
        .or(e.place_name.as_deref())
        .map(|place| {
            format!(
                "https://www.openstreetmap.org/search?query={}",
                url::form_urlencoded::byte_serialize(place.as_bytes()).collect::<String>()
            )
        });
    let url = state.config.absolute_url(&format!("/events/{}", e.slug));
    let json_ld = json_ld(&e, &url, &tags);
    let can = match &user {
        Some(u) => Permissions {
            edit: service::can_edit(u, &e),
            submit: service::can_submit(u, &e),
            review: service::can_review(u, &e),
            cancel: service::can_cancel(u, &e),
            move_dates: service::can_move_occurrence(u, &e),
            delete: service::can_delete(u, &e),
        },
        None => Permissions {
            edit: false,
            submit: false,
            review: false,
            cancel: false,
            move_dates: false,
            delete: false,
        },
    };
    let add_to_calendar = (e.status == EventStatus::Published).then(|| {
        use crate::calendar::links::{self, LinkEvent};
        // For a series, the web calendars get the next date; the .ics file has them all.
        let now = Utc::now();
        let duration = e.ends_at - e.starts_at;
        let (starts_at, ends_at) = match e.rrule.as_deref() {
            Some(rule) => recurrence::starts_between(
                rule,
                e.starts_at,
                duration,
                event_tz,
                now,
                now + chrono::Duration::days(366 * 5),
                1,
            )
            .first()
            .map_or((e.starts_at, e.ends_at), |s| (*s, *s + duration)),
            None => (e.starts_at, e.ends_at),
        };
        let place = e.place_name.as_deref().or(e.online_url.as_deref());
        let details = format!(
            "{}\n\n{}",
            e.summary,
            state.config.absolute_url(&format!("/events/{}", e.slug))
        );
        let link = LinkEvent {
            title: &e.title,
            details: &details,
            location: place,
            starts_at,
            ends_at,
            all_day: e.all_day,
            tz: event_tz,
        };
        AddToCalendar {
            ics_href: format!("/events/{}.ics", e.slug),
            webcal_href: links::webcal(&state.config, "/calendar.ics"),
            google_href: links::google(&link),
            outlook_href: links::outlook(&link),
            next_date_only: e.rrule.is_some(),
        }
    });
    let view = EventPage {
        add_to_calendar,
        id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        summary: e.summary.clone(),
        description_html: markdown::to_html(&e.description),
        when: when_text(e.starts_at, e.ends_at, e.all_day, tz),
        start_iso: crate::web::format::iso(e.starts_at),
        end_iso: crate::web::format::iso(e.ends_at),
        organised_in: (event_tz != tz).then(|| {
            format!(
                "Organised in {}: {}",
                event_tz.name(),
                when_text(e.starts_at, e.ends_at, e.all_day, event_tz)
            )
        }),
        status: StatusView {
            code: e.status.as_str(),
            label: e.status.label(),
        },
        public: e.status.is_public(),
        cancelled: e.status == EventStatus::Cancelled,
        cancel_note: e.cancel_note.clone(),
        place_name: e.place_name.clone(),
        address: e.address.clone(),
        map_href,
        online_url: e.online_url.clone(),
        organiser_contact: e.organiser_contact.clone(),
        capacity: e.capacity,
        lunch_provided: e.lunch_provided,
        tags: tag_links(&tags),
        series,
        author_name,
        review_note: if insider { e.review_note.clone() } else { None },
        note_to_admins: if insider {
            e.note_to_admins.clone()
        } else {
            None
        },
        revision,
        can,
    };
    let meta = PageMeta {
        description: Some(e.summary.clone()),
        og_url: Some(url),
        og_type: Some("website"),
        json_ld: e.status.is_public().then_some(json_ld),
        noindex: !e.status.is_public(),
    };
    Ok(ctx
        .render_with_meta("events/show", &e.title, meta, &view)?
        .into_response())
}

/// What an event page reads from the database, kept briefly in the read cache.
pub struct ShownEvent {
    event: entity::event::Model,
    tags: Vec<String>,
    author_name: String,
    exceptions: Vec<entity::event_exception::Model>,
}

type ShownLookup = Option<Lookup<ShownEvent>>;

async fn load_event_page(state: &AppState, slug: &str) -> AppResult<ShownLookup> {
    Ok(match service::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) => {
            let tags = service::tags_for(&state.db, &[e.id])
                .await?
                .remove(&e.id)
                .unwrap_or_default();
            let author_name = crate::auth::service::find_user(&state.db, e.author_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            let exceptions = if e.rrule.is_some() {
                service::exceptions_for(&state.db, &[e.id])
                    .await?
                    .remove(&e.id)
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            Some(Lookup::Found(Box::new(ShownEvent {
                event: *e,
                tags,
                author_name,
                exceptions,
            })))
        }
        Some(Lookup::Moved(slug)) => Some(Lookup::Moved(slug)),
        None => None,
    })
}

/// schema.org `Event` for search engines and link previews.
fn json_ld(e: &entity::event::Model, url: &str, tags: &[String]) -> String {
    let location = match (&e.place_name, &e.online_url) {
        (Some(place), _) => serde_json::json!({
            "@type": "Place",
            "name": place,
            "address": e.address.clone().unwrap_or_default(),
        }),
        (None, Some(link)) => serde_json::json!({ "@type": "VirtualLocation", "url": link }),
        (None, None) => serde_json::Value::Null,
    };
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "description": e.summary,
        "startDate": e.starts_at.to_rfc3339(),
        "endDate": e.ends_at.to_rfc3339(),
        "eventStatus": if e.status == EventStatus::Cancelled { "https://schema.org/EventCancelled" } else { "https://schema.org/EventScheduled" },
        "eventAttendanceMode": match (&e.place_name, &e.online_url) {
            (Some(_), Some(_)) => "https://schema.org/MixedEventAttendanceMode",
            (None, Some(_)) => "https://schema.org/OnlineEventAttendanceMode",
            _ => "https://schema.org/OfflineEventAttendanceMode",
        },
        "location": location,
        "url": url,
        "keywords": tags.join(", "),
    });
    crate::web::page::script_safe_json(&value)
}

// ---------------------------------------------------------------------------------------
// The draft form
// ---------------------------------------------------------------------------------------

fn form_view(
    ctx: &PageCtx,
    heading: &str,
    action: String,
    form: EventForm,
    errors: FieldErrors,
    preview_html: Option<String>,
    published: bool,
) -> FormView {
    let site = ctx.state.config.time_zone;
    FormView {
        heading: heading.to_string(),
        problem: None,
        action,
        time_zones: zone_options(&form.time_zone, site),
        repeat_options: repeat_options(&form.repeat),
        error_count: errors.len(),
        error_list: FORM_FIELDS
            .iter()
            .filter_map(|f| {
                errors.get(f).map(|m| ErrorLink {
                    field: f,
                    message: m.clone(),
                })
            })
            .collect(),
        form,
        errors: all_field_errors(&errors),
        preview_html,
        is_admin: ctx.user.as_ref().is_some_and(SessionUser::is_admin),
        published,
    }
}

/// The valid input to store, or what to show the person again: the mistakes to fix, or the
/// preview they asked for.
#[allow(clippy::result_large_err)]
fn to_store(
    form: &EventForm,
    zone: chrono_tz::Tz,
) -> Result<crate::events::forms::EventInput, (FieldErrors, Option<String>)> {
    let preview = (form.action == "preview").then(|| markdown::to_html(&form.description));
    match form.parse(zone, Utc::now()) {
        Ok(input) if preview.is_none() => Ok(input),
        Ok(_) => Err((FieldErrors::new(), preview)),
        Err(errors) => Err((errors, preview)),
    }
}

/// The form again: 422 with the mistakes beside their fields, 409 when the event changed
/// meanwhile (or a clashing save won), or 200 with a preview.
fn render_form(ctx: PageCtx, view: FormView) -> AppResult<Response> {
    let status = if view.problem.is_some() {
        StatusCode::CONFLICT
    } else if view.error_count > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if view.error_count > 0 || view.problem.is_some() {
        format!("Error: {}", view.heading)
    } else {
        view.heading.clone()
    };
    let mut resp = ctx
        .render("events/form", &title, None, &view)?
        .into_response();
    resp.set_status(status);
    Ok(resp)
}

#[handler]
pub async fn new_form(ctx: PageCtx, CurrentUser(_): CurrentUser) -> AppResult<Response> {
    let view = form_view(
        &ctx,
        "Draft an event",
        "/events/new".into(),
        EventForm::default(),
        FieldErrors::new(),
        None,
        false,
    );
    render_form(ctx, view)
}

fn intent_of(action: &str) -> Intent {
    match action {
        "submit" => Intent::Submit,
        "publish" => Intent::Publish,
        _ => Intent::Save,
    }
}

#[handler]
pub async fn create(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let input = match to_store(&form, ctx.state.config.time_zone) {
        Ok(input) => input,
        Err((errors, preview)) => {
            let view = form_view(
                &ctx,
                "Draft an event",
                "/events/new".into(),
                form,
                errors,
                preview,
                false,
            );
            return render_form(ctx, view);
        }
    };
    let intent = intent_of(&form.action);
    let created = match service::create(&ctx.state.db, &user, &input, intent).await {
        Ok(created) => created,
        Err(AppError::Conflict(problem)) => {
            let mut view = form_view(
                &ctx,
                "Draft an event",
                "/events/new".into(),
                form,
                FieldErrors::new(),
                None,
                false,
            );
            view.problem = Some(problem);
            return render_form(ctx, view);
        }
        Err(err) => return Err(err),
    };
    let message = match intent {
        Intent::Save => "Your draft is saved. Submit it when it is ready for the admins.",
        Intent::Submit => "Your event has been sent to the admins for approval.",
        Intent::Publish => "The event is published.",
    };
    Ok(flash::redirect(
        jar,
        ctx.state.config.secure_cookies(),
        FlashKind::Success,
        message,
        &format!("/events/{}", created.slug),
    ))
}

#[handler]
pub async fn edit_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let e = match visible_event(&ctx.state, Some(&user), &slug).await? {
        Ok(e) => e,
        Err(redirect) => return Ok(redirect),
    };
    if !service::can_edit(&user, &e) {
        return Err(AppError::Forbidden("You cannot edit this event.".into()));
    }
    let tags = service::tags_for(&ctx.state.db, &[e.id])
        .await?
        .remove(&e.id)
        .unwrap_or_default();
    let pending = if e.status.is_public() {
        service::pending_revision(&ctx.state.db, e.id).await?
    } else {
        None
    };
    // An author's change that waits for review is what they go on editing.
    let mut form = match &pending {
        Some(rev) if rev.author_id == user.id && !user.is_admin() => {
            EventForm::from_input(&service::revision_input(rev)?)
        }
        _ => EventForm::from_event(&e, &tags),
    };
    form.version = service::version_token(&e, pending.as_ref().map(|r| r.id));
    let view = form_view(
        &ctx,
        &format!("Edit \u{201c}{}\u{201d}", e.title),
        format!("/events/{}/edit", e.slug),
        form,
        FieldErrors::new(),
        None,
        e.status.is_public(),
    );
    render_form(ctx, view)
}

#[handler]
pub async fn update(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<EventForm>,
) -> AppResult<Response> {
    let e = target(&ctx.state, &user, &slug).await?;
    if !service::can_edit(&user, &e) {
        return Err(AppError::Forbidden("You cannot edit this event.".into()));
    }
    let input = match to_store(&form, ctx.state.config.time_zone) {
        Ok(input) => input,
        Err((errors, preview)) => {
            let view = form_view(
                &ctx,
                &format!("Edit \u{201c}{}\u{201d}", e.title),
                format!("/events/{}/edit", e.slug),
                form,
                errors,
                preview,
                e.status.is_public(),
            );
            return render_form(ctx, view);
        }
    };
    let intent = intent_of(&form.action);
    let outcome =
        match service::update(&ctx.state.db, &user, e.id, &input, intent, &form.version).await {
            Ok(outcome) => outcome,
            Err(AppError::Stale(problem) | AppError::Conflict(problem)) => {
                // What they typed stays; the form now carries the current version, so saving
                // again is a deliberate choice to replace it.
                let fresh = service::get(&ctx.state.db, e.id).await?;
                let pending = service::pending_revision(&ctx.state.db, e.id).await?;
                let mut form = form;
                form.version = service::version_token(&fresh, pending.map(|r| r.id));
                let mut view = form_view(
                    &ctx,
                    &format!("Edit \u{201c}{}\u{201d}", e.title),
                    format!("/events/{}/edit", e.slug),
                    form,
                    FieldErrors::new(),
                    None,
                    e.status.is_public(),
                );
                view.problem = Some(problem);
                return render_form(ctx, view);
            }
            Err(err) => return Err(err),
        };
    let secure = ctx.state.config.secure_cookies();
    match outcome {
        UpdateOutcome::Applied(new_slug) => Ok(flash::redirect(
            jar,
            secure,
            FlashKind::Success,
            "Your changes are saved.",
            &format!("/events/{new_slug}"),
        )),
        UpdateOutcome::RevisionPending => Ok(flash::redirect(
            jar,
            secure,
            FlashKind::Info,
            "Your changes have been sent to the admins. The published version stays as it is until they approve them.",
            &format!("/events/{}", e.slug),
        )),
    }
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
}

async fn decide(
    state: &AppState,
    user: &SessionUser,
    slug: &str,
    decision: Decision,
    note: Option<String>,
    jar: &CookieJar,
    message: &str,
) -> AppResult<Response> {
    let e = target(state, user, slug).await?;
    let updated = service::decide(&state.db, user, e.id, decision, note, None).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        message,
        &format!("/events/{}", updated.slug),
    ))
}

#[handler]
pub async fn submit(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
) -> AppResult<Response> {
    decide(
        &state,
        &user,
        &slug,
        Decision::Submit,
        None,
        jar,
        "Your event has been sent to the admins for approval.",
    )
    .await
}

#[handler]
pub async fn cancel(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let note =
        review_note(&form.note, "a short reason for cancelling").map_err(AppError::BadRequest)?;
    decide(
        &state,
        &user,
        &slug,
        Decision::Cancel,
        Some(note),
        jar,
        "The event is cancelled. Its page stays, marked as cancelled.",
    )
    .await
}

#[handler]
pub async fn delete(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
) -> AppResult<Response> {
    let e = target(&state, &user, &slug).await?;
    service::delete(&state.db, &user, e.id).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The draft is deleted.",
        "/events/mine",
    ))
}

#[derive(Deserialize)]
pub struct OccurrenceForm {
    start: String,
    #[serde(default)]
    note: String,
    /// For moving: the new local date and times, in the series' zone.
    #[serde(default)]
    new_date: String,
    #[serde(default)]
    new_start_time: String,
    #[serde(default)]
    new_end_time: String,
}

/// The event an action is aimed at: 404 unless this person may see it.
async fn target(
    state: &AppState,
    user: &SessionUser,
    slug: &str,
) -> AppResult<entity::event::Model> {
    visible_event(state, Some(user), slug)
        .await?
        .map_err(|_| AppError::NotFound)
}

/// The occurrence a form names, by its original start.
fn occurrence_start(form: &OccurrenceForm) -> AppResult<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(form.start.trim())
        .map_err(|_| AppError::BadRequest("That is not an occurrence of this series.".into()))?
        .with_timezone(&Utc))
}

/// Cancels or moves one date of a series, then back to the event page.
async fn change_one_date(
    state: &AppState,
    user: &SessionUser,
    slug: &str,
    jar: &CookieJar,
    form: &OccurrenceForm,
    change: impl FnOnce(&event::Model) -> AppResult<OccurrenceChange>,
    done: &str,
) -> AppResult<Response> {
    let e = target(state, user, slug).await?;
    let start = occurrence_start(form)?;
    let change = change(&e)?;
    let note = crate::web::text::multi_line(form.note.trim()).map_err(AppError::BadRequest)?;
    if note.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Keep the note to 2000 characters or fewer.".into(),
        ));
    }
    let note = Some(note).filter(|n| !n.is_empty());
    service::change_occurrence(&state.db, user, e.id, start, change, note).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        done,
        &format!("/events/{}", e.slug),
    ))
}

#[handler]
pub async fn cancel_occurrence(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<OccurrenceForm>,
) -> AppResult<Response> {
    change_one_date(
        &state,
        &user,
        &slug,
        jar,
        &form,
        |_| Ok(OccurrenceChange::Cancel),
        "That occurrence is cancelled; the rest of the series is unchanged.",
    )
    .await
}

#[handler]
pub async fn move_occurrence(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<OccurrenceForm>,
) -> AppResult<Response> {
    use crate::events::forms::{DateProblem, date_field, local_to_utc, parse_time};
    let site_zone = state.config.time_zone;
    let moved = |e: &event::Model| {
        // Who may, before what was asked for.
        service::ensure_can_move_occurrence(&user, e)?;
        let tz: chrono_tz::Tz = e.time_zone.parse().unwrap_or(site_zone);
        let unreadable = || {
            AppError::BadRequest(
                "Give the new date (YYYY-MM-DD) and its start and end times (HH:MM).".into(),
            )
        };
        let date = date_field(&form.new_date, Utc::now()).map_err(|problem| match problem {
            DateProblem::Unreadable => unreadable(),
            DateProblem::OutOfRange(m) => AppError::BadRequest(m),
        })?;
        let (Some(from), Some(to)) = (
            parse_time(&form.new_start_time),
            parse_time(&form.new_end_time),
        ) else {
            return Err(unreadable());
        };
        Ok(OccurrenceChange::MoveTo {
            starts_at: local_to_utc(tz, date, from).map_err(AppError::BadRequest)?,
            ends_at: local_to_utc(tz, date, to).map_err(AppError::BadRequest)?,
        })
    };
    change_one_date(
        &state,
        &user,
        &slug,
        jar,
        &form,
        moved,
        "That date has moved; the rest of the series is unchanged.",
    )
    .await
}

#[handler]
pub async fn mine(ctx: PageCtx, CurrentUser(user): CurrentUser) -> AppResult<Html<String>> {
    let tz = ctx.state.config.time_zone;
    let events = service::mine(&ctx.state.db, &user).await?;
    let view = MineView {
        events: events
            .into_iter()
            .map(|e| MyEventRow {
                title: e.title.clone(),
                href: format!("/events/{}", e.slug),
                when: when_text(e.starts_at, e.ends_at, e.all_day, tz),
                status: StatusView {
                    code: e.status.as_str(),
                    label: e.status.label(),
                },
                review_note: e.review_note.clone(),
            })
            .collect(),
    };
    ctx.render("events/mine", "My events", None, &view)
}

// ---------------------------------------------------------------------------------------
// Moderation
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn queue(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Response> {
    render_queue(ctx, None).await
}

/// The moderation queue; with a problem (a decision refused because the event changed
/// meanwhile) it is a 409 that shows the queue as it is now.
async fn render_queue(ctx: PageCtx, problem: Option<String>) -> AppResult<Response> {
    let tz = ctx.state.config.time_zone;
    let waiting = service::moderation_queue(&ctx.state.db).await?;
    let mut author_ids: Vec<i64> = waiting.submitted.iter().map(|e| e.author_id).collect();
    author_ids.extend(waiting.revisions.iter().map(|(r, _)| r.author_id));
    let names = crate::auth::service::display_names(&ctx.state.db, &author_ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let tag_map = service::tags_for(
        &ctx.state.db,
        &waiting
            .revisions
            .iter()
            .map(|(_, e)| e.id)
            .collect::<Vec<_>>(),
    )
    .await?;
    let mut revisions = Vec::new();
    for (rev, e) in &waiting.revisions {
        let proposed = service::revision_input(rev)?;
        let tags = tag_map.get(&e.id).cloned().unwrap_or_default();
        revisions.push(QueueRevision {
            id: rev.id,
            version: service::version_token(e, Some(rev.id)),
            title: e.title.clone(),
            href: format!("/events/{}", e.slug),
            author: name(rev.author_id),
            changes: service::diff(e, &tags, &proposed, tz),
        });
    }
    let view = QueueView {
        events: waiting
            .submitted
            .iter()
            .map(|e| QueueEvent {
                id: e.id,
                version: service::version_token(e, None),
                title: e.title.clone(),
                href: format!("/events/{}", e.slug),
                when: when_text(e.starts_at, e.ends_at, e.all_day, tz),
                author: name(e.author_id),
                note_to_admins: e.note_to_admins.clone(),
                repeats: e
                    .rrule
                    .as_deref()
                    .map(|rule| RuleView::new(rule, e.time_zone.parse().unwrap_or(tz))),
            })
            .collect(),
        revisions,
        problem: problem.clone(),
    };
    let title = if problem.is_some() {
        "Error: Moderation"
    } else {
        "Moderation"
    };
    let mut resp = ctx
        .render("admin/moderation", title, None, &view)?
        .into_response();
    if problem.is_some() {
        resp.set_status(StatusCode::CONFLICT);
    }
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct ApprovalForm {
    /// The version of the event the admin saw (see `service::version_token`).
    #[serde(default)]
    version: String,
}

async fn review(
    state: &AppState,
    admin: &SessionUser,
    id: i64,
    decision: Decision,
    note: Option<String>,
    jar: &CookieJar,
    message: &str,
) -> AppResult<Response> {
    service::decide(&state.db, admin, id, decision, note, None).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        message,
        "/admin/moderation",
    ))
}

#[handler]
pub async fn approve(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<ApprovalForm>,
) -> AppResult<Response> {
    let approved = service::decide(
        &ctx.state.db,
        &admin,
        id,
        Decision::Approve,
        None,
        Some(&form.version),
    )
    .await;
    approved_or_queue(ctx, jar, approved, "The event is approved and published.").await
}

/// After an approval: back to the queue with a message, or, when the event changed while the
/// admin was looking, the queue as it is now with a 409.
async fn approved_or_queue(
    ctx: PageCtx,
    jar: &CookieJar,
    outcome: AppResult<entity::event::Model>,
    message: &str,
) -> AppResult<Response> {
    match outcome {
        Ok(_) => Ok(flash::redirect(
            jar,
            ctx.state.config.secure_cookies(),
            FlashKind::Success,
            message,
            "/admin/moderation",
        )),
        Err(AppError::Stale(problem)) => render_queue(ctx, Some(problem)).await,
        Err(err) => Err(err),
    }
}

#[handler]
pub async fn reject(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let note = review_note(&form.note, "a reason").map_err(AppError::BadRequest)?;
    review(
        &state,
        &admin,
        id,
        Decision::Reject,
        Some(note),
        jar,
        "The event is rejected; its author can see your reason.",
    )
    .await
}

#[handler]
pub async fn request_changes(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let note =
        review_note(&form.note, "a comment saying what to change").map_err(AppError::BadRequest)?;
    review(
        &state,
        &admin,
        id,
        Decision::RequestChanges,
        Some(note),
        jar,
        "The event is sent back to its author with your comment.",
    )
    .await
}

#[handler]
pub async fn approve_revision(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<ApprovalForm>,
) -> AppResult<Response> {
    let approved =
        service::review_revision(&ctx.state.db, &admin, id, true, None, Some(&form.version)).await;
    approved_or_queue(ctx, jar, approved, "The change is approved and live.").await
}

#[handler]
pub async fn reject_revision(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let note = review_note(&form.note, "a reason").map_err(AppError::BadRequest)?;
    service::review_revision(&state.db, &admin, id, false, Some(note), None).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The change is rejected; the published version stays.",
        "/admin/moderation",
    ))
}
