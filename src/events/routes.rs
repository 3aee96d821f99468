//! Event pages: listings, the event page, the draft form, the workflow buttons, and the
//! admins' moderation queue.

use chrono::{DateTime, Utc};
use entity::event;
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Html, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::forms::{EventForm, FieldErrors, review_note};
use crate::events::listings::{self, Filter};
use crate::events::notes;
use crate::events::occurrences::{self, OccurrenceChange};
use crate::events::page::{self, ShownEvent};
use crate::events::policy;
use crate::events::queries::{self, Lookup};
use crate::events::views::*;
use crate::events::workflow::{self, Decision, Intent, UpdateOutcome};
use crate::search;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::confirm::{self, Confirm, Hidden, ReasonBox};
use crate::web::flash::{self, FlashKind};
use crate::web::markdown;
use crate::web::user::CurrentUser;

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

/// "3 results for “bus”": the heading of search results.
fn results_heading(total: usize, text: &str) -> String {
    let count = crate::web::format::counted(
        total,
        total as u64 >= listings::MAX_RESULTS,
        "result",
        "results",
    );
    format!("{count} for \u{201c}{text}\u{201d}")
}

async fn render_listing(
    ctx: PageCtx,
    q: ListQuery,
    tag: Option<String>,
    past: bool,
) -> AppResult<Html<String>> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let now = ctx.state.clock.now();
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let filter = Filter {
        tag: tag.clone(),
        ids: None,
    };
    let query = search::Query::parse(q.q.as_deref().unwrap_or_default());
    // A search covers every public event, coming or past, whichever list it was asked from.
    let searching = !query.is_blank();
    let this_year = chrono::Datelike::year(&now.with_timezone(&tz));
    let year = q.year.unwrap_or(this_year);
    if !(crate::events::forms::EARLIEST_YEAR..=this_year).contains(&year) {
        return Err(AppError::BadRequest(format!(
            "There are past events to show for the years {} to {this_year}; {year} is not one \
             of them.",
            crate::events::forms::EARLIEST_YEAR
        )));
    }
    let key = if searching {
        format!("search:{:?}:{:?}:{page}", filter.tag, query.text)
    } else {
        format!("list:{past}:{year}:{:?}:{page}", filter.tag)
    };
    let found = state
        .reads
        .get_or_load(key, async {
            if searching {
                let found =
                    listings::search(&state.db, now, &filter, &query, page, PER_PAGE).await?;
                return Ok::<_, sea_orm::DbErr>((found.listing, Some(found.total)));
            }
            if past {
                let listing =
                    listings::past(&state.db, now, year, tz, &filter, page, PER_PAGE).await?;
                return Ok((listing, None));
            }
            let coming = listings::upcoming(&state.db, now, &filter, page, PER_PAGE).await?;
            if filter.tag.is_some() && coming.items.is_empty() && page == 1 {
                // Nothing coming with this tag: show what it has been used for.
                let listing = listings::all_past(&state.db, now, &filter, page, PER_PAGE).await?;
                return Ok((listing, None));
            }
            Ok((coming, None))
        })
        .await?;
    let (listing, total) = (&found.0, found.1);
    // A tag's page that fell back to the past says so.
    let tag_past = tag.is_some()
        && !past
        && !searching
        && listing.items.first().is_some_and(|o| o.ends_at <= now);
    let base = match (&tag, past) {
        (Some(t), _) => format!("/events/tags/{t}"),
        (None, true) => "/events/past".to_string(),
        (None, false) => "/events".to_string(),
    };
    let (previous_href, next_href) = page_links(&base, &q, page, listing.has_next);
    let (heading, intro) = match (&tag, past) {
        _ if searching => {
            let mut intro = Vec::new();
            if query.shortened {
                intro.push(format!(
                    "Searches can be up to {} characters long: only the first {} of yours were \
                     used.",
                    search::MAX_QUERY_CHARS,
                    search::MAX_QUERY_CHARS
                ));
            }
            if let Some(t) = &tag {
                intro.push(format!("Among events tagged \u{201c}{t}\u{201d}."));
            }
            intro.push(
                "Events with every word in their title come first; upcoming events before past \
                 ones."
                    .to_string(),
            );
            (
                results_heading(total.unwrap_or(0), &query.text),
                intro.join(" "),
            )
        }
        (Some(t), _) if tag_past => (
            format!("Events tagged \u{201c}{t}\u{201d}"),
            "Nothing with this tag is coming up; these have happened, newest first.".to_string(),
        ),
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
    let view = ListView {
        heading: heading.clone(),
        intro,
        upcoming_current: tag.is_none() && !past && !searching,
        past_current: past && !searching,
        topic_feed: tag.as_ref().map(|t| TopicFeed {
            https: state
                .config
                .absolute_url(&format!("/calendar/tags/{t}.ics")),
            webcal: crate::calendar::links::webcal(
                &state.config,
                &format!("/calendar/tags/{t}.ics"),
            ),
        }),
        months: if past || searching || tag_past {
            Vec::new()
        } else {
            let starts: Vec<_> = listing.items.iter().map(|o| o.starts_at).collect();
            by_month(
                listing
                    .items
                    .iter()
                    .map(|o| EventCard::from_occurrence(o, tz))
                    .collect(),
                &starts,
                tz,
            )
        },
        events: listing
            .items
            .iter()
            .map(|o| EventCard::from_occurrence(o, tz))
            .collect(),
        query: query.text.clone(),
        tag,
        empty_heading: if searching {
            "Nothing matches that search".into()
        } else {
            "No events here yet".into()
        },
        empty_message: if searching && !query.has_words() {
            "Search looks for words: punctuation on its own matches nothing.".into()
        } else if searching {
            "Search finds whole words in titles, summaries, descriptions and tags, upcoming or \
             past. Try fewer or other words."
                .into()
        } else if past {
            "No past events are recorded for this year.".into()
        } else {
            "Events appear here once an administrator has approved them.".into()
        },
        previous_href,
        next_href,
        archive: if past && !searching {
            listings::archive_years(now, tz)
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
        can_draft: policy::can_draft(ctx.actor().as_ref()),
        site_search_href: (searching && query.has_words()).then(|| {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            format!("/search?{}", q.append_pair("q", &query.text).finish())
        }),
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
    if !queries::tag_in_use(&ctx.state.db, &tag).await? {
        return Err(AppError::NotFound);
    }
    render_listing(ctx, q, Some(tag), false).await
}

/// The event for a slug, or 404 for anyone who may not see it (no hint that a draft exists).
async fn visible_event(
    state: &AppState,
    actor: Option<&Actor>,
    slug: &str,
) -> AppResult<Result<entity::event::Model, Response>> {
    match queries::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) if policy::can_view(actor, &e) => Ok(Ok(*e)),
        Some(Lookup::Moved(new_slug)) => Ok(Err(Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header("location", format!("/events/{new_slug}"))
            .finish())),
        _ => Err(AppError::NotFound),
    }
}

#[handler]
pub async fn show(ctx: PageCtx, Path(slug): Path<String>) -> AppResult<Response> {
    render_event(ctx, &slug, None).await
}

/// `/events/{slug}/{YYYY-MM-DD}`: one date of a series, by the day it was planned for.
#[handler]
pub async fn show_occurrence(
    ctx: PageCtx,
    Path((slug, date)): Path<(String, String)>,
) -> AppResult<Response> {
    let date =
        chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
    render_event(ctx, &slug, Some(date)).await
}

async fn render_event(
    ctx: PageCtx,
    slug: &str,
    date: Option<chrono::NaiveDate>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = ctx.actor();
    let shown = state
        .reads
        .get_or_load(format!("event:{slug}"), page::load(&state, slug))
        .await?;
    let shown: &ShownEvent = match shown.as_ref() {
        Some(Lookup::Found(found)) if policy::can_view(actor.as_ref(), &found.event) => found,
        Some(Lookup::Moved(new_slug)) => {
            let to = match date {
                Some(date) => format!("/events/{new_slug}/{}", date.format("%Y-%m-%d")),
                None => format!("/events/{new_slug}"),
            };
            return Ok(Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header("location", to)
                .finish());
        }
        _ => return Err(AppError::NotFound),
    };
    let occurrence = match date {
        Some(date) => Some(page::find_occurrence(shown, date).ok_or(AppError::NotFound)?),
        None => None,
    };
    let e = &shown.event;
    let pending = if policy::is_insider(actor.as_ref(), e) && e.status.is_public() {
        match queries::pending_revision(&state.db, e.id).await? {
            Some(rev) => {
                let proposed = workflow::revision_input(&rev)?;
                Some((rev, proposed))
            }
            None => None,
        }
    } else {
        None
    };
    let (mut view, meta) = page::assemble(
        &state.config,
        shown,
        occurrence.as_ref(),
        actor.as_ref(),
        pending.as_ref().map(|(rev, proposed)| (rev, proposed)),
        state.clock.now(),
    );
    if view.can.see_internal {
        let tz = state.config.time_zone;
        view.notes = notes::for_event(&state.db, e.id)
            .await?
            .iter()
            .map(|n| NoteView::new(n, tz))
            .collect();
    }
    view.parts = crate::events::extensions::event_page_parts(
        &state,
        e,
        occurrence.as_ref(),
        actor.as_ref(),
        state.clock.now(),
    )
    .await?;
    let title = match &view.occurrence {
        Some(o) => format!("{} \u{2013} {}", e.title, o.date_label),
        None => e.title.clone(),
    };
    Ok(ctx
        .render_with_meta("events/show", &title, meta, &view)?
        .into_response())
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
    preview: Option<Preview>,
    published: bool,
) -> FormView {
    let site = ctx.state.config.time_zone;
    let (preview_html, whole_preview) = match preview {
        Some(p) => (
            Some(p.description_html),
            p.input.map(|input| {
                page::preview(
                    &ctx.state.config,
                    &input,
                    ctx.user.as_ref().map_or("", |u| u.display_name.as_str()),
                    ctx.state.clock.now(),
                )
            }),
        ),
        None => (None, None),
    };
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
                    field: f.to_string(),
                    message: m.clone(),
                })
            })
            .collect(),
        form,
        errors: all_field_errors(&errors),
        preview_html,
        preview: whole_preview,
        can_publish: ctx
            .actor()
            .is_some_and(|a| policy::can_publish_directly(&a)),
        published,
    }
}

/// The valid input to store, or what to show the person again: the mistakes to fix, or the
/// preview they asked for.
#[allow(clippy::result_large_err)]
/// `current_start` is the stored start of the event being edited: a start that has passed
/// is accepted without asking only if it is the one already stored.
fn to_store(
    form: &EventForm,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
    current_start: Option<DateTime<Utc>>,
) -> Result<crate::events::forms::EventInput, (FieldErrors, Option<Preview>)> {
    let preview = (form.action == "preview").then(|| Preview {
        description_html: markdown::to_html(&form.description),
        input: None,
    });
    match form.parse(zone, now) {
        Ok(input)
            if preview.is_none()
                && input.starts_at < now
                && current_start != Some(input.starts_at)
                && form.confirm_past.is_none() =>
        {
            let mut errors = FieldErrors::new();
            errors.insert(
                "confirm_past",
                "This date has passed: publish it as a past event? Tick \u{201c}It is a past \
                 event\u{201d} to keep the date, or choose a later one."
                    .into(),
            );
            Err((errors, preview))
        }
        Ok(input) if preview.is_none() => Ok(input),
        // Valid: the whole page and the listing card, as they will look.
        Ok(input) => Err((
            FieldErrors::new(),
            preview.map(|p| Preview {
                input: Some(input),
                ..p
            }),
        )),
        Err(errors) => Err((errors, preview)),
    }
}

/// What "Preview" shows: the description, and when everything is valid the whole event page
/// and its listing card.
struct Preview {
    description_html: String,
    input: Option<crate::events::forms::EventInput>,
}

/// The form again: 422 with the mistakes beside their fields, 409 when the event changed
/// meanwhile (or a clashing save won), or 200 with a preview.
fn render_form(ctx: PageCtx, view: FormView) -> AppResult<Response> {
    let failed = if view.problem.is_some() {
        Some(StatusCode::CONFLICT)
    } else if view.error_count > 0 {
        Some(StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        None
    };
    let heading = view.heading.clone();
    ctx.render_form("events/form", &heading, failed, &view)
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
    let input = match to_store(
        &form,
        ctx.state.config.time_zone,
        ctx.state.clock.now(),
        None,
    ) {
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
    let created = match workflow::create(
        &ctx.state.db,
        &user.actor(),
        &input,
        intent,
        ctx.state.clock.now(),
    )
    .await
    {
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
    let actor = user.actor();
    let e = match visible_event(&ctx.state, Some(&actor), &slug).await? {
        Ok(e) => e,
        Err(redirect) => return Ok(redirect),
    };
    policy::ensure_can_edit(&actor, &e)?;
    let tags = queries::tags_for(&ctx.state.db, &[e.id])
        .await?
        .remove(&e.id)
        .unwrap_or_default();
    let pending = if e.status.is_public() {
        queries::pending_revision(&ctx.state.db, e.id).await?
    } else {
        None
    };
    // An author's change that waits for review is what they go on editing.
    let mut form = match &pending {
        Some(rev) if rev.author_id == actor.id && policy::edit_needs_review(&actor, &e) => {
            EventForm::from_input(&workflow::revision_input(rev)?)
        }
        _ => {
            let mut form = EventForm::from_event(&e, &tags);
            // A change to a published event comes with a note of its own; earlier ones stay in
            // the event's history.
            if e.status.is_public() {
                form.note_to_admins.clear();
            }
            form
        }
    };
    form.version = queries::version_token(&e, pending.as_ref().map(|r| r.id));
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
    let actor = user.actor();
    let e = target(&ctx.state, &actor, &slug).await?;
    policy::ensure_can_edit(&actor, &e)?;
    let input = match to_store(
        &form,
        ctx.state.config.time_zone,
        ctx.state.clock.now(),
        Some(e.starts_at),
    ) {
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
    let outcome = match workflow::update(
        &ctx.state.db,
        &actor,
        e.id,
        &input,
        intent,
        &form.version,
        ctx.state.clock.now(),
    )
    .await
    {
        Ok(outcome) => outcome,
        Err(AppError::Stale(problem) | AppError::Conflict(problem)) => {
            // What they typed stays; the form now carries the current version, so saving
            // again is a deliberate choice to replace it.
            let fresh = queries::get(&ctx.state.db, e.id).await?;
            let pending = queries::pending_revision(&ctx.state.db, e.id).await?;
            let mut form = form;
            form.version = queries::version_token(&fresh, pending.map(|r| r.id));
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
    pub note: String,
}

async fn decide(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    decision: Decision,
    note: Option<String>,
    jar: &CookieJar,
    message: &str,
) -> AppResult<Response> {
    let e = target(state, actor, slug).await?;
    let updated = workflow::decide(
        &state.db,
        actor,
        e.id,
        decision,
        note,
        None,
        state.clock.now(),
    )
    .await?;
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
        &user.actor(),
        &slug,
        Decision::Submit,
        None,
        jar,
        "Your event has been sent to the admins for approval.",
    )
    .await
}

/// The page that asks before an event is cancelled, with the box for the reason.
fn cancel_confirmation(e: &event::Model, value: String, error: Option<String>) -> Confirm {
    Confirm {
        heading: format!("Cancel \u{201c}{}\u{201d}?", e.title),
        message: "Its page stays, marked as cancelled, and calendars that subscribed show it as \
                  cancelled. This cannot be undone by you; an admin can reinstate it."
            .into(),
        action: format!("/events/{}/cancel", e.slug),
        hidden: Vec::new(),
        reason: Some(ReasonBox {
            label: "Why is it cancelled?".into(),
            hint: "Shown on the event page and sent to calendars.".into(),
            required: true,
            value,
            error,
        }),
        button: "Cancel the event".into(),
        back_href: format!("/events/{}", e.slug),
    }
}

#[handler]
pub async fn confirm_cancel(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&ctx.state, &actor, &slug).await?;
    policy::ensure_can_cancel(&actor, &e)?;
    confirm::render(ctx, &cancel_confirmation(&e, String::new(), None))
}

#[handler]
pub async fn cancel(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    // Who may, before what was asked for.
    let e = target(&state, &actor, &slug).await?;
    policy::ensure_can_cancel(&actor, &e)?;
    let note = match review_note(&form.note, "a short reason for cancelling") {
        Ok(note) => note,
        Err(message) => {
            return confirm::render(ctx, &cancel_confirmation(&e, form.note, Some(message)));
        }
    };
    decide(
        &state,
        &actor,
        &slug,
        Decision::Cancel,
        Some(note),
        jar,
        "The event is cancelled. Its page stays, marked as cancelled.",
    )
    .await
}

/// The page that asks before an event is postponed, with a box for an optional note.
fn postpone_confirmation(e: &event::Model, value: String, error: Option<String>) -> Confirm {
    Confirm {
        heading: format!("Postpone \u{201c}{}\u{201d}?", e.title),
        message: "Its page and subscribed calendars say it is postponed and a new date will \
                  follow; it keeps its planned date until then. Give it a new date by editing \
                  it."
        .into(),
        action: format!("/events/{}/postpone", e.slug),
        hidden: Vec::new(),
        reason: Some(ReasonBox {
            label: "Why is it postponed?".into(),
            hint: "Optional. Shown on the event page and sent to calendars.".into(),
            required: false,
            value,
            error,
        }),
        button: "Postpone the event".into(),
        back_href: format!("/events/{}", e.slug),
    }
}

/// An optional note from a confirmation page's box: trimmed, checked, `None` when empty.
fn optional_note(text: &str) -> Result<Option<String>, String> {
    let note = crate::web::text::multi_line(text.trim())?;
    if note.chars().count() > 2000 {
        return Err("Use 2000 characters or fewer.".into());
    }
    Ok(Some(note).filter(|n| !n.is_empty()))
}

#[handler]
pub async fn confirm_postpone(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&ctx.state, &actor, &slug).await?;
    policy::ensure_can_postpone(&actor, &e)?;
    confirm::render(ctx, &postpone_confirmation(&e, String::new(), None))
}

#[handler]
pub async fn postpone(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    // Who may, before what was asked for.
    let e = target(&state, &actor, &slug).await?;
    policy::ensure_can_postpone(&actor, &e)?;
    let note = match optional_note(&form.note) {
        Ok(note) => note,
        Err(message) => {
            return confirm::render(ctx, &postpone_confirmation(&e, form.note, Some(message)));
        }
    };
    workflow::postpone(&state.db, &actor, e.id, note, state.clock.now()).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The event is postponed. Edit it to give it a new date.",
        &format!("/events/{}", e.slug),
    ))
}

#[handler]
pub async fn reinstate(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&state, &actor, &slug).await?;
    policy::ensure_can_reinstate(&actor, &e)?;
    let updated = workflow::reinstate(&state.db, &actor, e.id, state.clock.now()).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The event is reinstated: it is on again, on its planned date.",
        &format!("/events/{}", updated.slug),
    ))
}

#[handler]
pub async fn confirm_delete(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&ctx.state, &actor, &slug).await?;
    policy::ensure_can_delete(&actor, &e)?;
    confirm::render(
        ctx,
        &Confirm {
            heading: format!("Delete \u{201c}{}\u{201d}?", e.title),
            message: "The draft and everything in it are deleted for good. Nobody else has seen \
                      it, so no calendar is affected."
                .into(),
            action: format!("/events/{}/delete", e.slug),
            hidden: Vec::new(),
            reason: None,
            button: "Delete the draft".into(),
            back_href: format!("/events/{}", e.slug),
        },
    )
}

#[derive(Deserialize)]
pub struct DateQuery {
    #[serde(default)]
    start: String,
}

/// Asks before one date of a series is cancelled or postponed, with a box for an optional
/// reason.
async fn confirm_one_date(
    ctx: PageCtx,
    user: &crate::web::user::SessionUser,
    slug: &str,
    q: &DateQuery,
    postponing: bool,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&ctx.state, &actor, slug).await?;
    policy::ensure_can_cancel(&actor, &e)?;
    let start = DateTime::parse_from_rfc3339(q.start.trim())
        .map_err(|_| AppError::BadRequest("That is not a date of this series.".into()))?
        .with_timezone(&Utc);
    let tz = ctx.state.config.time_zone;
    let when = when_text(
        start,
        start + (e.ends_at - e.starts_at),
        e.all_day,
        shown_zone(&e, tz),
    );
    let (verb, done, hint) = if postponing {
        (
            "Postpone",
            "postponed (a new date to follow)",
            "Shown on the date's page and sent to calendars.",
        )
    } else {
        (
            "Cancel",
            "cancelled",
            "Shown on the date's page and in calendars' description of the series.",
        )
    };
    confirm::render(
        ctx,
        &Confirm {
            heading: format!("{verb} {when}?"),
            message: format!(
                "Only this date of \u{201c}{}\u{201d} is {done}; the rest of the series goes \
                 on. Its page and calendars show it.",
                e.title
            ),
            action: format!(
                "/events/{}/occurrences/{}",
                e.slug,
                if postponing { "postpone" } else { "cancel" }
            ),
            hidden: vec![Hidden {
                name: "start".into(),
                value: crate::web::format::iso(start),
            }],
            reason: Some(ReasonBox {
                label: format!(
                    "Why is this date {}?",
                    if postponing { "postponed" } else { "cancelled" }
                ),
                hint: hint.into(),
                required: false,
                value: String::new(),
                error: None,
            }),
            button: format!("{verb} this date"),
            back_href: occurrence_href(&e, start),
        },
    )
}

#[handler]
pub async fn confirm_cancel_occurrence(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    Query(q): Query<DateQuery>,
) -> AppResult<Response> {
    confirm_one_date(ctx, &user, &slug, &q, false).await
}

#[handler]
pub async fn confirm_postpone_occurrence(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    Query(q): Query<DateQuery>,
) -> AppResult<Response> {
    confirm_one_date(ctx, &user, &slug, &q, true).await
}

#[handler]
pub async fn delete(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = target(&state, &actor, &slug).await?;
    workflow::delete(&state.db, &actor, e.id, state.clock.now()).await?;
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
    #[serde(default)]
    start: String,
    #[serde(default)]
    pub note: String,
    /// For moving: the new local date and times, in the series' zone.
    #[serde(default)]
    new_date: String,
    #[serde(default)]
    new_start_time: String,
    #[serde(default)]
    new_end_time: String,
}

/// The event an action is aimed at: 404 unless this person may see it.
async fn target(state: &AppState, actor: &Actor, slug: &str) -> AppResult<entity::event::Model> {
    visible_event(state, Some(actor), slug)
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
    actor: &Actor,
    slug: &str,
    jar: &CookieJar,
    form: &OccurrenceForm,
    change: impl FnOnce(&event::Model) -> AppResult<OccurrenceChange>,
    done: &str,
) -> AppResult<Response> {
    let e = target(state, actor, slug).await?;
    // Who may, before what was asked for.
    let change = change(&e)?;
    let start = occurrence_start(form)?;
    let note = crate::web::text::multi_line(form.note.trim()).map_err(AppError::BadRequest)?;
    if note.chars().count() > 2000 {
        return Err(AppError::BadRequest(
            "Keep the note to 2000 characters or fewer.".into(),
        ));
    }
    let note = Some(note).filter(|n| !n.is_empty());
    occurrences::change_occurrence(
        &state.db,
        actor,
        e.id,
        start,
        change,
        note,
        state.clock.now(),
    )
    .await?;
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
    let actor = user.actor();
    change_one_date(
        &state,
        &actor,
        &slug,
        jar,
        &form,
        |e| {
            policy::ensure_can_cancel(&actor, e)?;
            Ok(OccurrenceChange::Cancel)
        },
        "That occurrence is cancelled; the rest of the series is unchanged.",
    )
    .await
}

#[handler]
pub async fn postpone_occurrence(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<OccurrenceForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    change_one_date(
        &state,
        &actor,
        &slug,
        jar,
        &form,
        |e| {
            policy::ensure_can_cancel(&actor, e)?;
            Ok(OccurrenceChange::Postpone)
        },
        "That date is postponed; the rest of the series is unchanged.",
    )
    .await
}

#[handler]
pub async fn reinstate_occurrence(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
    jar: &CookieJar,
    Form(form): Form<OccurrenceForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    change_one_date(
        &state,
        &actor,
        &slug,
        jar,
        &form,
        |e| {
            policy::ensure_can_reinstate(&actor, e)?;
            Ok(OccurrenceChange::Reinstate)
        },
        "That date is reinstated: it takes place as planned.",
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
        policy::ensure_can_move_occurrence(&user.actor(), e)?;
        let tz: chrono_tz::Tz = e.time_zone.parse().unwrap_or(site_zone);
        let unreadable = || {
            AppError::BadRequest(
                "Give the new date (YYYY-MM-DD) and its start and end times (HH:MM).".into(),
            )
        };
        let date =
            date_field(&form.new_date, state.clock.now()).map_err(|problem| match problem {
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
        &user.actor(),
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
    let events = queries::mine(&ctx.state.db, &user.actor()).await?;
    let view = MineView {
        events: events
            .into_iter()
            .map(|e| MyEventRow {
                title: e.title.clone(),
                href: format!("/events/{}", e.slug),
                when: when_text(e.starts_at, e.ends_at, e.all_day, shown_zone(&e, tz)),
                status: StatusView {
                    code: e.status.as_str(),
                    label: e.status.label(),
                },
                review_note: e.review_note.clone(),
            })
            .collect(),
        parts: crate::events::extensions::my_events_parts(&ctx.state, &user.actor()).await?,
    };
    ctx.render("events/mine", "My events", None, &view)
}
