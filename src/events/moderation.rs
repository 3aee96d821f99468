//! The admins' moderation queue: new events waiting for approval and changes proposed to
//! published ones, each approval carrying the version the admin saw.

use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Form, Path};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::events::forms::review_note;
use crate::events::listings;
use crate::events::queries::{self, version_token};
use crate::events::routes::NoteForm;
use crate::events::views::*;
use crate::events::workflow::{self, Decision, revision_input};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::user::RequireAdmin;

#[handler]
pub async fn queue(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Response> {
    render_queue(ctx, None).await
}

/// Why a decision was not taken, shown on the queue as it is now.
enum Refusal {
    /// The event changed while the admin looked (409).
    Changed(String),
    /// A reason or comment was missing or unusable: shown beside its box (422). The box is
    /// named by its id in the template (`changes-7`, `reject-7`, `revision-reject-3`).
    Field { field: String, message: String },
}

/// The moderation queue; with a refusal it is a 409 or 422 that shows the queue as it is now.
async fn render_queue(ctx: PageCtx, refusal: Option<Refusal>) -> AppResult<Response> {
    let tz = ctx.state.config.time_zone;
    let waiting = queries::moderation_queue(&ctx.state.db).await?;
    let mut author_ids: Vec<i64> = waiting.submitted.iter().map(|e| e.author_id).collect();
    author_ids.extend(waiting.revisions.iter().map(|(r, _)| r.author_id));
    let names = crate::auth::service::display_names(&ctx.state.db, &author_ids).await?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let tag_map = queries::tags_for(
        &ctx.state.db,
        &waiting
            .revisions
            .iter()
            .map(|(_, e)| e.id)
            .collect::<Vec<_>>(),
    )
    .await?;
    let field_error = |field: String| match &refusal {
        Some(Refusal::Field { field: f, message }) if *f == field => Some(message.clone()),
        _ => None,
    };
    let mut revisions = Vec::new();
    for (rev, e) in &waiting.revisions {
        let proposed = revision_input(rev)?;
        let tags = tag_map.get(&e.id).cloned().unwrap_or_default();
        revisions.push(QueueRevision {
            id: rev.id,
            version: version_token(e, Some(rev.id)),
            title: e.title.clone(),
            href: format!("/events/{}", e.slug),
            author: name(rev.author_id),
            note: proposed.note_to_admins.clone(),
            changes: diff(e, &tags, &proposed, tz),
            reject_error: field_error(format!("revision-reject-{}", rev.id)),
        });
    }
    // What each new event would clash with: other public dates on the same days.
    let mut clashes = Vec::new();
    for e in &waiting.submitted {
        let first_day = e.starts_at.with_timezone(&tz).date_naive();
        let last_day = e.ends_at.with_timezone(&tz).date_naive();
        let day_start = |d: chrono::NaiveDate| {
            crate::events::forms::local_to_utc(tz, d, chrono::NaiveTime::MIN)
                .unwrap_or_else(|_| d.and_time(chrono::NaiveTime::MIN).and_utc())
        };
        let from = day_start(first_day);
        let to = day_start(last_day + chrono::Duration::days(1));
        let on_those_days = listings::between(&ctx.state.db, from, to).await?;
        clashes.push(
            on_those_days
                .iter()
                .filter(|o| o.event.id != e.id && !o.cancelled && o.starts_at < to)
                .map(|o| ClashLink {
                    title: o.event.title.clone(),
                    href: match o.occurrence_start {
                        Some(original) => occurrence_href(&o.event, original),
                        None => format!("/events/{}", o.event.slug),
                    },
                    when: when_text(o.starts_at, o.ends_at, o.event.all_day, tz),
                })
                .collect::<Vec<_>>(),
        );
    }
    let view = QueueView {
        events: waiting
            .submitted
            .iter()
            .zip(clashes)
            .map(|(e, clashes)| QueueEvent {
                id: e.id,
                version: version_token(e, None),
                title: e.title.clone(),
                href: format!("/events/{}", e.slug),
                when: when_text(e.starts_at, e.ends_at, e.all_day, shown_zone(e, tz)),
                place: e
                    .place_name
                    .clone()
                    .or_else(|| e.online_url.as_ref().map(|_| "Online".to_string())),
                summary: e.summary.clone(),
                clashes,
                author: name(e.author_id),
                note_to_admins: e.note_to_admins.clone(),
                repeats: e.rrule.as_deref().map(|rule| RuleView::for_event(e, rule)),
                changes_error: field_error(format!("changes-{}", e.id)),
                reject_error: field_error(format!("reject-{}", e.id)),
            })
            .collect(),
        revisions,
        problem: match &refusal {
            Some(Refusal::Changed(message)) => Some(message.clone()),
            _ => None,
        },
        error_link: match &refusal {
            Some(Refusal::Field { field, message }) => Some(ErrorLink {
                field: field.clone(),
                message: message.clone(),
            }),
            _ => None,
        },
    };
    let (title, status) = match &refusal {
        None => ("Moderation", StatusCode::OK),
        Some(Refusal::Changed(_)) => ("Error: Moderation", StatusCode::CONFLICT),
        Some(Refusal::Field { .. }) => ("Error: Moderation", StatusCode::UNPROCESSABLE_ENTITY),
    };
    let mut resp = ctx
        .render("admin/moderation", title, None, &view)?
        .into_response();
    resp.set_status(status);
    Ok(resp)
}

/// A reason or comment from a decision form, or the queue again with the message beside the
/// box it came from.
async fn note_or_queue(
    ctx: PageCtx,
    text: &str,
    what: &str,
    field: String,
) -> Result<String, AppResult<Response>> {
    match review_note(text, what) {
        Ok(note) => Ok(note),
        Err(message) => Err(render_queue(ctx, Some(Refusal::Field { field, message })).await),
    }
}

#[derive(Deserialize, Default)]
pub struct ApprovalForm {
    /// The version of the event the admin saw (see `queries::version_token`).
    #[serde(default)]
    version: String,
}

async fn review(
    state: &AppState,
    actor: &Actor,
    id: i64,
    decision: Decision,
    note: Option<String>,
    jar: &CookieJar,
    message: &str,
) -> AppResult<Response> {
    workflow::decide(
        &state.db,
        actor,
        id,
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
    let approved = workflow::decide(
        &ctx.state.db,
        &admin.actor(),
        id,
        Decision::Approve,
        None,
        Some(&form.version),
        ctx.state.clock.now(),
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
        Err(AppError::Stale(problem)) => render_queue(ctx, Some(Refusal::Changed(problem))).await,
        Err(err) => Err(err),
    }
}

#[handler]
pub async fn reject(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let note = match note_or_queue(ctx, &form.note, "a reason", format!("reject-{id}")).await {
        Ok(note) => note,
        Err(page) => return page,
    };
    review(
        &state,
        &admin.actor(),
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
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let what = "a comment saying what to change";
    let note = match note_or_queue(ctx, &form.note, what, format!("changes-{id}")).await {
        Ok(note) => note,
        Err(page) => return page,
    };
    review(
        &state,
        &admin.actor(),
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
    let approved = workflow::review_revision(
        &ctx.state.db,
        &admin.actor(),
        id,
        true,
        None,
        Some(&form.version),
        ctx.state.clock.now(),
    )
    .await;
    approved_or_queue(ctx, jar, approved, "The change is approved and live.").await
}

#[handler]
pub async fn reject_revision(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let field = format!("revision-reject-{id}");
    let note = match note_or_queue(ctx, &form.note, "a reason", field).await {
        Ok(note) => note,
        Err(page) => return page,
    };
    workflow::review_revision(
        &state.db,
        &admin.actor(),
        id,
        false,
        Some(note),
        None,
        state.clock.now(),
    )
    .await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The change is rejected; the published version stays.",
        "/admin/moderation",
    ))
}
