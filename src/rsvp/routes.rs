//! RSVP pages: answering on an event page (or a date's page), the organisers' attendee list,
//! sign-in sheet, CSV and places, "My events" and its personal calendar feed, and erasing
//! one's history from the profile.

use crate::web::flash::done;
use chrono::NaiveDate;
use entity::event;
use entity::rsvp::Response as Answered;
use poem::http::{Method, StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Request, Response, handler};
use serde::Deserialize;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::queries::{self as event_queries, Lookup};
use crate::rsvp::forms::{AnswerForm, FieldErrors, GuestForm, SettingsForm};
use crate::rsvp::slots::{self, Slot};
use crate::rsvp::views::*;
use crate::rsvp::workflow::{self, SettingsOutcome};
use crate::rsvp::{policy, queries};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::confirm::{self, Confirm};

use crate::web::user::CurrentUser;

/// The event at `slug`, if this person may see it.
async fn find(state: &AppState, actor: Option<&Actor>, slug: &str) -> AppResult<event::Model> {
    match event_queries::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) if crate::events::policy::can_view(actor, &e) => Ok(*e),
        _ => Err(AppError::NotFound),
    }
}

fn parse_date(text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| AppError::NotFound)
}

/// The event and the slot (the event, or one of its dates) an address names (the API's
/// answers find theirs the same way).
pub(crate) async fn find_slot(
    state: &AppState,
    actor: Option<&Actor>,
    slug: &str,
    date: Option<&str>,
) -> AppResult<(event::Model, Slot)> {
    let e = find(state, actor, slug).await?;
    let date = date.map(parse_date).transpose()?;
    let exceptions = event_queries::exceptions_of(&state.db, &e).await?;
    let slot = slots::resolve(&e, &exceptions, date).ok_or(AppError::NotFound)?;
    Ok((e, slot))
}

// ---------------------------------------------------------------------------------------
// Answering
// ---------------------------------------------------------------------------------------

#[derive(serde::Serialize)]
struct AnswerPage {
    title: String,
    when: String,
    event_href: String,
    action: String,
    form: AnswerForm,
    invalid: bool,
    errors: serde_json::Value,
    extra_label: Option<String>,
    answered: bool,
    mine: MyAnswer,
    full: bool,
}

async fn answer_page(
    ctx: PageCtx,
    actor: Actor,
    slug: &str,
    date: Option<&str>,
    form: Option<AnswerForm>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (e, slot) = find_slot(&state, Some(&actor), slug, date).await?;
    policy::ensure_can_answer(&actor, &e)?;
    let mine = queries::answer_of(&state.db, e.id, &slot.key, actor.id).await?;
    let counts = queries::counts(&state.db, e.id, &slot.key).await?;
    let position = match &mine {
        Some(r) if r.response == Answered::Waiting => Some(queries::position(&state.db, r).await?),
        _ => None,
    };
    let form = form.unwrap_or_else(|| AnswerForm {
        answer: match mine.as_ref().map(|r| r.response) {
            Some(Answered::Apologies) => "cant".into(),
            _ => "going".into(),
        },
        extra: mine.as_ref().filter(|r| r.extra).map(|_| "on".into()),
        note: mine
            .as_ref()
            .and_then(|r| r.note.clone())
            .unwrap_or_default(),
    });
    let invalid = !errors.is_empty();
    let href = slot.href(&e);
    let view = AnswerPage {
        title: e.title.clone(),
        when: when_of(&e, &slot, state.config.time_zone),
        event_href: href.clone(),
        action: format!("{href}/rsvp"),
        form,
        invalid,
        errors: errors_for(&errors, &["answer", "note"]),
        extra_label: extra_label(&e),
        answered: mine.is_some(),
        mine: mine
            .as_ref()
            .map(|r| my_answer(r, position))
            .unwrap_or_default(),
        full: e
            .capacity
            .is_some_and(|c| counts.going >= u64::try_from(c).unwrap_or(0)),
    };
    ctx.render_form(
        "rsvp/answer",
        &format!("Your answer: {}", e.title),
        invalid.then_some(StatusCode::BAD_REQUEST),
        &view,
    )
}

async fn take_answer(
    ctx: PageCtx,
    actor: Actor,
    jar: &CookieJar,
    slug: &str,
    date: Option<&str>,
    form: AnswerForm,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (e, slot) = find_slot(&state, Some(&actor), slug, date).await?;
    let input = match form.parse() {
        Ok(input) => input,
        Err(errors) => return answer_page(ctx, actor, slug, date, Some(form), errors).await,
    };
    let answered = workflow::answer(
        &state.db,
        &actor,
        e.id,
        slot.date,
        &input,
        state.clock.now(),
    )
    .await?;
    let message = outcome_message(answered.outcome, extra_label(&e).as_deref(), input.extra);
    Ok(done(&state, jar, message, &slot.href(&e)))
}

/// The address of an event, or of one date of a series: `/events/{slug}[/{date}]/...`.
#[derive(Deserialize)]
pub struct SlotPath {
    slug: String,
    date: Option<String>,
}

#[handler]
pub async fn answer_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(at): Path<SlotPath>,
) -> AppResult<Response> {
    answer_page(
        ctx,
        user.actor(),
        &at.slug,
        at.date.as_deref(),
        None,
        FieldErrors::new(),
    )
    .await
}

#[handler]
pub async fn answer(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(at): Path<SlotPath>,
    Form(form): Form<AnswerForm>,
) -> AppResult<Response> {
    take_answer(ctx, user.actor(), jar, &at.slug, at.date.as_deref(), form).await
}

// ---------------------------------------------------------------------------------------
// The attendee list, the sign-in sheet, the CSV
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListKind {
    List,
    Sheet,
}

#[allow(clippy::too_many_arguments)]
async fn attendees_page(
    ctx: PageCtx,
    actor: Actor,
    slug: &str,
    date: Option<&str>,
    kind: ListKind,
    guest_form: GuestForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (e, slot) = find_slot(&state, Some(&actor), slug, date).await?;
    policy::ensure_can_manage(&actor, &e)?;
    let tz = state.config.time_zone;
    let rows = queries::attendees(&state.db, e.id, &slot.key).await?;
    let all = attendee_rows(&rows, tz);
    let extra_count = all
        .iter()
        .filter(|r| r.extra && r.response == "Going")
        .count();
    let notes_count = all.iter().filter(|r| r.note.is_some()).count();
    let checked_in = all
        .iter()
        .filter(|r| r.checked_in && r.response == "Going")
        .count();
    let checked_in_waiting = all
        .iter()
        .filter(|r| r.checked_in && r.response == "Waiting list")
        .count();
    let (mut going, waiting, apologies) = split(all);
    if kind == ListKind::Sheet {
        going.sort_by_key(|r| r.name.to_lowercase());
    }
    let href = slot.href(&e);
    let invalid = !errors.is_empty();
    let organisation_names = if kind == ListKind::Sheet {
        Vec::new()
    } else {
        crate::organisations::queries::names(&state.db).await?
    };
    let view = AttendeesView {
        organisation_names,
        title: e.title.clone(),
        event_href: href.clone(),
        when: when_of(&e, &slot, tz),
        date_label: slot.date.map(|_| {
            slot.starts_at
                .with_timezone(&crate::events::views::shown_zone(&e, tz))
                .format("%A %-d %B %Y")
                .to_string()
        }),
        capacity: e.capacity,
        going,
        waiting,
        apologies,
        extra_label: extra_label(&e),
        extra_count,
        notes_count,
        checked_in,
        checked_in_waiting,
        links: ManageLinks::new(&e, &href),
        guest_action: format!("{href}/attendees/guests"),
        guest_form,
        invalid,
        errors: errors_for(
            &errors,
            &["guest_name", "guest_organisation", "guest_email"],
        ),
        row_action_prefix: format!("/events/{}/attendees", e.slug),
        sheet: kind == ListKind::Sheet,
        printed_at: crate::web::format::date_time(state.clock.now(), tz),
        notes_days: state.config.rsvp_notes.num_days(),
    };
    let (template, heading) = match kind {
        ListKind::List => ("rsvp/attendees", "Attendees"),
        ListKind::Sheet => ("rsvp/sheet", "Sign-in sheet"),
    };
    let title = format!(
        "{heading}: {}{}",
        e.title,
        view.date_label
            .as_ref()
            .map(|d| format!(" \u{2013} {d}"))
            .unwrap_or_default()
    );
    let mut resp = ctx.render_form(
        template,
        &title,
        invalid.then_some(StatusCode::BAD_REQUEST),
        &view,
    )?;
    // The list carries people's notes: never kept by a shared cache.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[handler]
pub async fn attendees(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(at): Path<SlotPath>,
) -> AppResult<Response> {
    let (actor, date) = (user.actor(), at.date.as_deref());
    let (form, errors) = (GuestForm::default(), FieldErrors::new());
    attendees_page(ctx, actor, &at.slug, date, ListKind::List, form, errors).await
}

#[handler]
pub async fn sheet(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(at): Path<SlotPath>,
) -> AppResult<Response> {
    let (actor, date) = (user.actor(), at.date.as_deref());
    let (form, errors) = (GuestForm::default(), FieldErrors::new());
    attendees_page(ctx, actor, &at.slug, date, ListKind::Sheet, form, errors).await
}

async fn csv_response(
    state: &AppState,
    actor: Actor,
    slug: &str,
    date: Option<&str>,
) -> AppResult<Response> {
    let (e, slot) = find_slot(state, Some(&actor), slug, date).await?;
    policy::ensure_can_manage(&actor, &e)?;
    let rows = queries::attendees(&state.db, e.id, &slot.key).await?;
    let rows = attendee_rows(&rows, state.config.time_zone);
    let body = csv(&rows, extra_label(&e).as_deref())
        .map_err(|err| AppError::Internal(format!("writing the attendee CSV: {err}")))?;
    let filename = match slot.date {
        Some(date) => format!("{}-{}-attendees.csv", e.slug, date.format("%Y-%m-%d")),
        None => format!("{}-attendees.csv", e.slug),
    };
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("attachment", &filename),
        )
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(body))
}

#[handler]
pub async fn attendees_csv(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(at): Path<SlotPath>,
) -> AppResult<Response> {
    csv_response(&state, user.actor(), &at.slug, at.date.as_deref()).await
}

// ---------------------------------------------------------------------------------------
// Guests, attendance, removing an answer
// ---------------------------------------------------------------------------------------

async fn take_guest(
    ctx: PageCtx,
    actor: Actor,
    jar: &CookieJar,
    slug: &str,
    date: Option<&str>,
    form: GuestForm,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (e, slot) = find_slot(&state, Some(&actor), slug, date).await?;
    policy::ensure_can_manage(&actor, &e)?;
    let guest = match form.parse() {
        Ok(guest) => guest,
        Err(errors) => {
            return attendees_page(ctx, actor, slug, date, ListKind::List, form, errors).await;
        }
    };
    let outcome = workflow::add_guest(
        &state.db,
        &actor,
        e.id,
        slot.date,
        &guest,
        state.clock.now(),
    )
    .await?;
    let message = match outcome {
        workflow::Outcome::Waiting(n) => format!(
            "{} is on the waiting list (number {n}): there are no places left.",
            guest.name
        ),
        _ => format!("{} is on the list as going.", guest.name),
    };
    Ok(done(
        &state,
        jar,
        message,
        &format!("{}/attendees", slot.href(&e)),
    ))
}

#[handler]
pub async fn add_guest(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(at): Path<SlotPath>,
    Form(form): Form<GuestForm>,
) -> AppResult<Response> {
    take_guest(ctx, user.actor(), jar, &at.slug, at.date.as_deref(), form).await
}

#[derive(Deserialize)]
pub struct CheckInForm {
    /// "yes" ticks, anything else unticks.
    #[serde(default)]
    here: String,
    /// Back to the sign-in sheet (the default) or to the list.
    #[serde(default)]
    back: String,
}

/// The page a row's button returns to, at that row.
fn back_to(e: &event::Model, key: &str, back: &str, id: i64) -> String {
    let base = if key.is_empty() {
        format!("/events/{}", e.slug)
    } else {
        format!("/events/{}/{key}", e.slug)
    };
    match back {
        "list" => format!("{base}/attendees#attendee-{id}"),
        _ => format!("{base}/attendees/sheet#attendee-{id}"),
    }
}

#[handler]
pub async fn check_in(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<CheckInForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = find(&state, Some(&actor), &slug).await?;
    let here = form.here == "yes";
    let row = workflow::check_in(&state.db, &actor, e.id, id, here, state.clock.now()).await?;
    // Only this one person is named: the list itself may be long.
    let person = match row.user_id {
        Some(id) => crate::auth::service::find_user(&state.db, id).await?,
        None => None,
    };
    let name = name_of(&row, person.as_ref()).0;
    let message = if here {
        format!("{name} is here.")
    } else {
        format!("{name} is no longer marked as here.")
    };
    Ok(done(
        &state,
        jar,
        message,
        &back_to(&e, &row.occurrence, &form.back, row.id),
    ))
}

#[handler]
pub async fn remove(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = find(&state, Some(&actor), &slug).await?;
    let (row, promoted) = workflow::remove(&state.db, &actor, e.id, id, state.clock.now()).await?;
    let message = match promoted.len() {
        0 => "The answer is removed.".to_string(),
        1 => "The answer is removed; the first on the waiting list has the place.".to_string(),
        n => format!("The answer is removed; {n} people moved up from the waiting list."),
    };
    let base = if row.occurrence.is_empty() {
        format!("/events/{}", e.slug)
    } else {
        format!("/events/{}/{}", e.slug, row.occurrence)
    };
    Ok(done(&state, jar, message, &format!("{base}/attendees")))
}

// ---------------------------------------------------------------------------------------
// Places and answers
// ---------------------------------------------------------------------------------------

fn settings_form_of(e: &event::Model) -> SettingsForm {
    SettingsForm {
        capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        offers_extra: e.lunch_provided.then(|| "on".into()),
        extra_label: extra_label(e).unwrap_or_else(|| crate::rsvp::forms::DEFAULT_EXTRA.into()),
        closes_hours: e
            .rsvp_closes_hours
            .map(|h| h.to_string())
            .unwrap_or_default(),
        confirm: None,
    }
}

fn render_settings(
    ctx: PageCtx,
    e: &event::Model,
    form: SettingsForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = SettingsView {
        title: e.title.clone(),
        event_href: format!("/events/{}", e.slug),
        action: format!("/events/{}/places", e.slug),
        form,
        invalid,
        errors: errors_for(&errors, &["capacity", "extra_label", "closes_hours"]),
        series: e.rrule.is_some(),
    };
    ctx.render_form(
        "rsvp/places",
        &format!("Places and answers: {}", e.title),
        invalid.then_some(StatusCode::BAD_REQUEST),
        &view,
    )
}

#[handler]
pub async fn places_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let actor = user.actor();
    let e = find(&ctx.state, Some(&actor), &slug).await?;
    policy::ensure_can_manage(&actor, &e)?;
    let form = settings_form_of(&e);
    render_settings(ctx, &e, form, FieldErrors::new())
}

#[handler]
pub async fn update_places(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<SettingsForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let e = find(&state, Some(&actor), &slug).await?;
    policy::ensure_can_manage(&actor, &e)?;
    let input = match form.parse() {
        Ok(input) => input,
        Err(errors) => return render_settings(ctx, &e, form, errors),
    };
    let confirmed = form.confirm.as_deref() == Some("yes");
    match workflow::update_settings(
        &state.db,
        &actor,
        e.id,
        &input,
        confirmed,
        state.clock.now(),
    )
    .await?
    {
        SettingsOutcome::Saved { promoted, moved } => {
            let mut message = "Places and answers are saved.".to_string();
            if promoted > 0 {
                message.push_str(&format!(
                    " {promoted} {} moved up from the waiting list.",
                    if promoted == 1 { "person" } else { "people" }
                ));
            }
            if moved > 0 {
                message.push_str(&format!(
                    " {moved} {} now first on the waiting list.",
                    if moved == 1 {
                        "person is"
                    } else {
                        "people are"
                    }
                ));
            }
            Ok(done(&state, jar, message, &format!("/events/{}", e.slug)))
        }
        SettingsOutcome::NeedsConfirmation(groups) => {
            let tz = state.config.time_zone;
            let total = groups.iter().map(|g| g.people.len()).sum();
            let view = ConfirmMovesView {
                title: e.title.clone(),
                event_href: format!("/events/{}", e.slug),
                action: format!("/events/{}/places", e.slug),
                form: SettingsForm {
                    confirm: Some("yes".into()),
                    ..form
                },
                groups: groups
                    .iter()
                    .map(|g| MoveGroup {
                        when: when_of(&e, &g.slot, tz),
                        names: g
                            .people
                            .iter()
                            .map(|(r, p)| name_of(r, p.as_ref()).0)
                            .collect(),
                    })
                    .collect(),
                total,
            };
            let title = format!("Fewer places than people going: {}", e.title);
            let mut resp = ctx
                .render("rsvp/confirm-places", &title, None, &view)?
                .into_response();
            resp.set_status(StatusCode::CONFLICT);
            Ok(resp)
        }
    }
}

// ---------------------------------------------------------------------------------------
// The personal feed
// ---------------------------------------------------------------------------------------

/// `/calendar/personal/{secret}.ics`: what a member is going to. An unknown (or reset)
/// secret is a 404, never an empty feed that would quietly empty a calendar.
#[handler]
pub async fn personal_feed(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let owner = queries::feed_owner(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let feed = crate::rsvp::feed::build(&state, &owner).await?;
    let mut resp = crate::calendar::feeds::respond(
        &feed,
        req.headers(),
        req.method() == Method::HEAD,
        "my-events.ics",
    );
    // Someone's own plans: no shared cache keeps them, no search engine lists them.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-cache"),
    );
    resp.headers_mut()
        .insert("x-robots-tag", header::HeaderValue::from_static("noindex"));
    Ok(resp)
}

#[handler]
pub async fn reset_feed(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    workflow::reset_calendar_token(&state.db, user.id).await?;
    Ok(done(
        &state,
        jar,
        "Your calendar has a new address. The old one no longer works: subscribe again with the new one.",
        "/events/mine#my-calendar",
    ))
}

// ---------------------------------------------------------------------------------------
// Erasing one's history
// ---------------------------------------------------------------------------------------

fn erase_confirmation() -> Confirm {
    Confirm {
        heading: "Erase your RSVP history?".into(),
        message: "Your answers to events still to come are withdrawn (your places go to the \
                  waiting list). Past answers lose your name and notes; organisers keep only \
                  the numbers. This cannot be undone."
            .into(),
        action: "/profile/rsvp-history".into(),
        hidden: Vec::new(),
        reason: None,
        button: "Erase my RSVP history".into(),
        back_href: "/profile".into(),
    }
}

#[handler]
pub async fn confirm_erase(ctx: PageCtx, CurrentUser(_): CurrentUser) -> AppResult<Response> {
    confirm::render(ctx, &erase_confirmation())
}

#[handler]
pub async fn erase(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    let erased = workflow::erase_history(&state.db, &user.actor(), state.clock.now()).await?;
    let message = if erased.withdrawn + erased.anonymised == 0 {
        "You had no RSVP history to erase.".to_string()
    } else {
        format!(
            "Your RSVP history is erased: {} {} withdrawn, {} past {} no longer name you.",
            erased.withdrawn,
            if erased.withdrawn == 1 {
                "answer"
            } else {
                "answers"
            },
            erased.anonymised,
            if erased.anonymised == 1 {
                "answer"
            } else {
                "answers"
            },
        )
    };
    Ok(done(&state, jar, message, "/profile"))
}
