//! Meeting pages: the list, one meeting (with the forms its officers use on it), its details,
//! postponing, agenda items, members' updates, attendance, minutes, actions, the Markdown
//! export, and the action tracker.

use crate::web::flash::done;
use crate::web::text::errors_json;
use entity::meeting;
use entity::meeting_action::ActionStatus;
use poem::http::{StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::meetings::forms::*;
use crate::meetings::page::{self, Forms};
use crate::meetings::views::{self, ActionContext, ActionView, MeetingLink, StatusOption};
use crate::meetings::{export, policy, queries, workflow};
use crate::state::AppState;
use crate::web::PageCtx;

use crate::web::user::CurrentUser;

async fn find(state: &AppState, slug: &str) -> AppResult<meeting::Model> {
    queries::find(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ListRow {
    link: MeetingLink,
    postponed: bool,
    minutes: &'static str,
    archived: bool,
}

#[derive(Serialize)]
struct ListPage {
    upcoming: Vec<ListRow>,
    past: Vec<ListRow>,
    can_create: bool,
}

#[handler]
pub async fn list(ctx: PageCtx) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let now = state.clock.now();
    let all = queries::all(&state.db).await?;
    let (mut upcoming, mut past) = (Vec::new(), Vec::new());
    for m in &all {
        let row = ListRow {
            link: views::link(m, tz),
            postponed: m.postponed_from.is_some(),
            minutes: views::minutes_label(m.minutes_status),
            archived: m.archived,
        };
        if m.ends_at.unwrap_or(m.starts_at) >= now {
            upcoming.push(row);
        } else {
            past.push(row);
        }
    }
    upcoming.reverse();
    let view = ListPage {
        upcoming,
        past,
        can_create: policy::can_create(ctx.actor().as_ref()),
    };
    Ok(ctx
        .render(
            "meetings/list",
            "Meetings",
            Some("The forum's meetings: agendas, minutes and actions."),
            &view,
        )?
        .into_response())
}

// ---------------------------------------------------------------------------------------
// One meeting
// ---------------------------------------------------------------------------------------

async fn show_page(ctx: PageCtx, slug: &str, forms: Forms) -> AppResult<Response> {
    let state = ctx.state.clone();
    let m = find(&state, slug).await?;
    let actor = ctx.actor();
    let failed = forms.failed.is_some();
    let view = page::build(&state, actor.as_ref(), m, forms, state.clock.now()).await?;
    let title = format!("{}: {}", view.title, view.when);
    let mut resp = ctx.render_form(
        "meetings/show",
        &title,
        failed.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )?;
    if actor.is_some() {
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("private, no-store"),
        );
    }
    Ok(resp)
}

#[handler]
pub async fn show(ctx: PageCtx, Path(slug): Path<String>) -> AppResult<Response> {
    show_page(ctx, &slug, Forms::default()).await
}

#[handler]
pub async fn export_markdown(ctx: PageCtx, Path(slug): Path<String>) -> AppResult<Response> {
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    let actor = ctx.actor();
    let view = page::build(
        &state,
        actor.as_ref(),
        m,
        Forms::default(),
        state.clock.now(),
    )
    .await?;
    let text = export::markdown(
        &state.config.site_name,
        state.config.base_url.as_str(),
        &view,
    );
    Ok(Response::builder()
        .content_type("text/markdown; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.md\"", view.slug),
        )
        .header(header::CACHE_CONTROL, "private, no-cache")
        .body(text))
}

// ---------------------------------------------------------------------------------------
// Creating, editing, postponing
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct MemberOption {
    id: i64,
    label: String,
    chair: bool,
    secretary: bool,
}

#[derive(Serialize)]
struct MeetingFormPage {
    heading: String,
    action: String,
    back_href: String,
    form: MeetingForm,
    invalid: bool,
    errors: serde_json::Value,
    members: Vec<MemberOption>,
    button: &'static str,
}

async fn meeting_form_page(
    ctx: PageCtx,
    existing: Option<&meeting::Model>,
    form: MeetingForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let members = queries::members(&ctx.state.db)
        .await?
        .into_iter()
        .map(|u| MemberOption {
            chair: form.chair == u.id.to_string(),
            secretary: form.secretary == u.id.to_string(),
            label: match (&u.initials, &u.organisation) {
                (Some(i), Some(o)) => format!("{} ({i}), {o}", u.display_name),
                (Some(i), None) => format!("{} ({i})", u.display_name),
                (None, Some(o)) => format!("{}, {o}", u.display_name),
                (None, None) => u.display_name.clone(),
            },
            id: u.id,
        })
        .collect();
    let invalid = !errors.is_empty();
    let (heading, action, back_href, button) = match existing {
        Some(m) => (
            format!("Edit {}", m.title),
            format!("/meetings/{}/edit", m.slug),
            views::href(m),
            "Save details",
        ),
        None => (
            "New meeting".to_string(),
            "/meetings/new".to_string(),
            "/meetings".to_string(),
            "Add the meeting",
        ),
    };
    let view = MeetingFormPage {
        heading: heading.clone(),
        action,
        back_href,
        form,
        invalid,
        errors: errors_json(&errors),
        members,
        button,
    };
    ctx.render_form(
        "meetings/form",
        &heading,
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// An event page's address: the form starts from its date, time and place.
    event: Option<String>,
}

#[handler]
pub async fn new_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let actor = user.actor();
    policy::ensure_can_create(&actor)?;
    let tz = ctx.state.config.time_zone;
    let mut form = MeetingForm {
        title: "Forum meeting".into(),
        ..Default::default()
    };
    if let Some(address) = q.event.as_deref()
        && let Some((slug, date)) = parse_event_address(address)
        && let Ok((event_id, key)) =
            workflow::resolve_event(&ctx.state.db, &actor, &slug, date).await?
    {
        let e = crate::events::queries::get(&ctx.state.db, event_id).await?;
        let exceptions = crate::events::queries::exceptions_of(&ctx.state.db, &e).await?;
        if let Some(slot) = crate::rsvp::slots::from_key(&e, &exceptions, &key) {
            let start = slot.starts_at.with_timezone(&tz);
            form.title = e.title.clone();
            form.date = start.format("%Y-%m-%d").to_string();
            form.start = start.format("%H:%M").to_string();
            form.end = slot.ends_at.with_timezone(&tz).format("%H:%M").to_string();
            form.place = [e.place_name.as_deref(), e.address.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            form.event = slot.href(&e);
        }
    }
    meeting_form_page(ctx, None, form, FieldErrors::new()).await
}

/// The form's input, with the event address resolved (a field error when it names no
/// event) and the officers checked against the active members.
async fn meeting_input(
    state: &AppState,
    actor: &Actor,
    form: &MeetingForm,
) -> AppResult<Result<workflow::NewMeeting, FieldErrors>> {
    let mut errors = FieldErrors::new();
    let input = match form.parse(state.config.time_zone) {
        Ok(i) => Some(i),
        Err(e) => {
            errors = e;
            None
        }
    };
    let members = queries::members(&state.db).await?;
    for (field, value) in [("chair", &form.chair), ("secretary", &form.secretary)] {
        if let Ok(id) = value.trim().parse::<i64>()
            && !members.iter().any(|u| u.id == id)
        {
            errors.insert(field, "Choose a member from the list.".into());
        }
    }
    let mut event = None;
    if let Some(Some((slug, date))) = input.as_ref().map(|i| i.event.clone()) {
        match workflow::resolve_event(&state.db, actor, &slug, date).await? {
            Ok(found) => event = Some(found),
            Err(message) => {
                errors.insert("event", message.into());
            }
        }
    }
    Ok(match input {
        Some(input) if errors.is_empty() => Ok(workflow::NewMeeting { input, event }),
        _ => Err(errors),
    })
}

#[handler]
pub async fn create(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    policy::ensure_can_create(&actor)?;
    let state = ctx.state.clone();
    match meeting_input(&state, &actor, &form).await? {
        Ok(new) => {
            let m = workflow::create(
                &state.db,
                &actor,
                new,
                state.config.time_zone,
                state.clock.now(),
            )
            .await?;
            Ok(done(
                &state,
                jar,
                format!(
                    "The meeting on {} has been added. Add its agenda next.",
                    views::day(m.starts_at, state.config.time_zone)
                ),
                &views::href(&m),
            ))
        }
        Err(errors) => meeting_form_page(ctx, None, form, errors).await,
    }
}

fn form_of(m: &meeting::Model, tz: chrono_tz::Tz, event_href: Option<String>) -> MeetingForm {
    let start = m.starts_at.with_timezone(&tz);
    MeetingForm {
        title: m.title.clone(),
        date: start.format("%Y-%m-%d").to_string(),
        start: start.format("%H:%M").to_string(),
        end: m
            .ends_at
            .map(|e| e.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default(),
        place: m.place.clone(),
        chair: m.chair_id.map(|i| i.to_string()).unwrap_or_default(),
        secretary: m.secretary_id.map(|i| i.to_string()).unwrap_or_default(),
        event: event_href.unwrap_or_default(),
    }
}

async fn event_href_of(state: &AppState, m: &meeting::Model) -> AppResult<Option<String>> {
    Ok(match m.event_id {
        Some(id) => {
            let e = crate::events::queries::get(&state.db, id).await?;
            Some(if m.occurrence.is_empty() {
                format!("/events/{}", e.slug)
            } else {
                format!("/events/{}/{}", e.slug, m.occurrence)
            })
        }
        None => None,
    })
}

#[handler]
pub async fn edit_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    policy::ensure_can_create(&user.actor())?;
    let m = find(&ctx.state, &slug).await?;
    let form = form_of(
        &m,
        ctx.state.config.time_zone,
        event_href_of(&ctx.state, &m).await?,
    );
    meeting_form_page(ctx, Some(&m), form, FieldErrors::new()).await
}

#[handler]
pub async fn edit(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<MeetingForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    policy::ensure_can_create(&actor)?;
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    match meeting_input(&state, &actor, &form).await? {
        Ok(new) => {
            let m = workflow::edit(&state.db, &actor, m.id, new, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                "The meeting's details have been saved.",
                &views::href(&m),
            ))
        }
        Err(errors) => meeting_form_page(ctx, Some(&m), form, errors).await,
    }
}

#[derive(Serialize)]
struct PostponePage {
    title: String,
    when: String,
    action: String,
    back_href: String,
    form: PostponeForm,
    invalid: bool,
    errors: serde_json::Value,
}

async fn postpone_page(
    ctx: PageCtx,
    m: &meeting::Model,
    form: PostponeForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = PostponePage {
        title: m.title.clone(),
        when: views::when(m, ctx.state.config.time_zone),
        action: format!("/meetings/{}/postpone", m.slug),
        back_href: views::href(m),
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "meetings/postpone",
        &format!("Postpone {}", m.title),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn postpone_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&ctx.state, &slug).await?;
    policy::ensure_can_edit(&user.actor(), &m)?;
    let tz = ctx.state.config.time_zone;
    let form = PostponeForm {
        start: m.starts_at.with_timezone(&tz).format("%H:%M").to_string(),
        end: m
            .ends_at
            .map(|e| e.with_timezone(&tz).format("%H:%M").to_string())
            .unwrap_or_default(),
        ..Default::default()
    };
    postpone_page(ctx, &m, form, FieldErrors::new()).await
}

#[handler]
pub async fn postpone(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<PostponeForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    let tz = state.config.time_zone;
    match form.parse(tz) {
        Ok(input) => {
            let m =
                workflow::postpone(&state.db, &actor, m.id, input, tz, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                format!("The meeting has been postponed to {}.", views::when(&m, tz)),
                &views::href(&m),
            ))
        }
        Err(errors) => postpone_page(ctx, &m, form, errors).await,
    }
}

// ---------------------------------------------------------------------------------------
// The agenda
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn add_item(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<ItemForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    match form.parse() {
        Ok(input) => {
            let item =
                workflow::add_item(&state.db, &actor, m.id, input, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                format!(
                    "\u{201c}{}\u{201d} has been added to the agenda.",
                    item.title
                ),
                &format!("{}#agenda", views::href(&m)),
            ))
        }
        Err(errors) => {
            let forms = Forms {
                item: form,
                errors,
                failed: Some("item"),
                ..Default::default()
            };
            show_page(ctx, &slug, forms).await
        }
    }
}

#[derive(Serialize)]
struct ItemPage {
    meeting_title: String,
    meeting_href: String,
    action: String,
    remove_action: String,
    defer_href: String,
    deferred: bool,
    form: ItemForm,
    invalid: bool,
    errors: serde_json::Value,
}

async fn item_page(
    ctx: PageCtx,
    m: &meeting::Model,
    item: &entity::agenda_item::Model,
    form: ItemForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let base = format!("/meetings/{}/agenda/{}", m.slug, item.id);
    let view = ItemPage {
        meeting_title: format!(
            "{}: {}",
            m.title,
            views::day(m.starts_at, ctx.state.config.time_zone)
        ),
        meeting_href: views::href(m),
        remove_action: format!("{base}/remove"),
        defer_href: format!("{base}/defer"),
        deferred: item.deferred_to_meeting_id.is_some(),
        action: base,
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "meetings/item",
        &format!("Agenda item: {}", item.title),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

async fn find_item(
    state: &AppState,
    m: &meeting::Model,
    item_id: i64,
) -> AppResult<entity::agenda_item::Model> {
    queries::items(&state.db, m.id)
        .await?
        .into_iter()
        .find(|i| i.id == item_id)
        .ok_or(AppError::NotFound)
}

#[handler]
pub async fn item_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((slug, item_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = find(&ctx.state, &slug).await?;
    policy::ensure_can_edit(&user.actor(), &m)?;
    let item = find_item(&ctx.state, &m, item_id).await?;
    let form = ItemForm {
        title: item.title.clone(),
        start_time: item.start_time.clone().unwrap_or_default(),
        presenters: item.presenters.clone().unwrap_or_default(),
        duration: item
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        note: item.note.clone().unwrap_or_default(),
        round_robin: item.round_robin.then(|| "on".into()),
        position: item.position.to_string(),
    };
    item_page(ctx, &m, &item, form, FieldErrors::new()).await
}

#[handler]
pub async fn edit_item(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, item_id)): Path<(String, i64)>,
    Form(form): Form<ItemForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    let item = find_item(&state, &m, item_id).await?;
    match form.parse() {
        Ok(input) => {
            workflow::edit_item(&state.db, &actor, m.id, item.id, input, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                "The agenda item has been saved.",
                &format!("{}#agenda", views::href(&m)),
            ))
        }
        Err(errors) => item_page(ctx, &m, &item, form, errors).await,
    }
}

#[handler]
pub async fn remove_item(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, item_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let item =
        workflow::remove_item(&state.db, &user.actor(), m.id, item_id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        format!(
            "\u{201c}{}\u{201d} has been taken off the agenda.",
            item.title
        ),
        &format!("{}#agenda", views::href(&m)),
    ))
}

#[derive(Serialize)]
struct DeferPage {
    title: String,
    meeting_href: String,
    action: String,
    next: Option<MeetingLink>,
    form: DeferForm,
    invalid: bool,
    errors: serde_json::Value,
}

async fn defer_page(
    ctx: PageCtx,
    m: &meeting::Model,
    item: &entity::agenda_item::Model,
    form: DeferForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let next = queries::next(&ctx.state.db, m).await?;
    let invalid = !errors.is_empty();
    let view = DeferPage {
        title: item.title.clone(),
        meeting_href: views::href(m),
        action: format!("/meetings/{}/agenda/{}/defer", m.slug, item.id),
        next: next
            .as_ref()
            .map(|n| views::link(n, ctx.state.config.time_zone)),
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "meetings/defer",
        &format!("Defer {}", item.title),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn defer_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((slug, item_id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = find(&ctx.state, &slug).await?;
    policy::ensure_can_edit(&user.actor(), &m)?;
    let item = find_item(&ctx.state, &m, item_id).await?;
    let form = DeferForm {
        note: "Postponed to allow more time for the presentations.".into(),
    };
    defer_page(ctx, &m, &item, form, FieldErrors::new()).await
}

#[handler]
pub async fn defer(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, item_id)): Path<(String, i64)>,
    Form(form): Form<DeferForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    let item = find_item(&state, &m, item_id).await?;
    match form.parse() {
        Ok(note) => {
            let next =
                workflow::defer_item(&state.db, &actor, m.id, item.id, note, state.clock.now())
                    .await?;
            Ok(done(
                &state,
                jar,
                format!(
                    "\u{201c}{}\u{201d} is now on the agenda of the meeting on {}.",
                    item.title,
                    views::day(next.starts_at, state.config.time_zone)
                ),
                &format!("{}#agenda", views::href(&m)),
            ))
        }
        Err(errors) => defer_page(ctx, &m, &item, form, errors).await,
    }
}

#[handler]
pub async fn publish_agenda(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let m = workflow::publish_agenda(&state.db, &user.actor(), m.id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "The agenda is published: everyone can now read it.",
        &format!("{}#agenda", views::href(&m)),
    ))
}

// ---------------------------------------------------------------------------------------
// Members' updates
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct UpdatePage {
    title: String,
    when: String,
    meeting_href: String,
    action: String,
    withdraw_action: String,
    existing: bool,
    form: UpdateForm,
    invalid: bool,
    errors: serde_json::Value,
    max: usize,
}

async fn update_page(
    ctx: PageCtx,
    m: &meeting::Model,
    existing: bool,
    form: UpdateForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = UpdatePage {
        title: m.title.clone(),
        when: views::when(m, ctx.state.config.time_zone),
        meeting_href: views::href(m),
        action: format!("/meetings/{}/update", m.slug),
        withdraw_action: format!("/meetings/{}/update/withdraw", m.slug),
        existing,
        form,
        invalid,
        errors: errors_json(&errors),
        max: UPDATE_MAX,
    };
    ctx.render_form(
        "meetings/update",
        &format!("Your update for {}", m.title),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn update_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let actor = user.actor();
    let m = find(&ctx.state, &slug).await?;
    policy::ensure_can_write_update(&actor, &m, ctx.state.clock.now())?;
    let mine = queries::updates(&ctx.state.db, m.id)
        .await?
        .into_iter()
        .find(|u| u.author_id == actor.id);
    let form = UpdateForm {
        body: mine.as_ref().map(|u| u.body.clone()).unwrap_or_default(),
    };
    update_page(ctx, &m, mine.is_some(), form, FieldErrors::new()).await
}

#[handler]
pub async fn save_update(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<UpdateForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    match form.parse() {
        Ok(body) => {
            workflow::save_update(&state.db, &actor, m.id, body, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                "Your update has been saved. You can change it until the meeting starts.",
                &format!("{}#updates", views::href(&m)),
            ))
        }
        Err(errors) => {
            policy::ensure_can_write_update(&actor, &m, state.clock.now())?;
            let existing = queries::updates(&state.db, m.id)
                .await?
                .iter()
                .any(|u| u.author_id == actor.id);
            update_page(ctx, &m, existing, form, errors).await
        }
    }
}

#[handler]
pub async fn withdraw_update(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    workflow::withdraw_update(&state.db, &user.actor(), m.id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "Your update has been withdrawn.",
        &views::href(&m),
    ))
}

// ---------------------------------------------------------------------------------------
// Attendance
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn fill_attendance(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let filled =
        workflow::fill_attendance(&state.db, &user.actor(), m.id, state.clock.now()).await?;
    let message = if filled == workflow::Filled::default() {
        "The attendance already matches the answers and the door.".to_string()
    } else {
        format!(
            "Attendance filled from the answers and the door: {} added, {} changed, {} taken off.",
            filled.added, filled.changed, filled.removed
        )
    };
    Ok(done(
        &state,
        jar,
        message,
        &format!("{}#attendance", views::href(&m)),
    ))
}

#[handler]
pub async fn add_attendee(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<AttendeeForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    match form.parse() {
        Ok(input) => {
            let attended = input.attended;
            let name =
                workflow::add_attendee(&state.db, &actor, m.id, input, state.clock.now()).await?;
            let said = if attended {
                "attended"
            } else {
                "sent apologies"
            };
            Ok(done(
                &state,
                jar,
                format!("{name} is recorded as having {said}."),
                &format!("{}#attendance", views::href(&m)),
            ))
        }
        Err(errors) => {
            let forms = Forms {
                attendee: form,
                errors,
                failed: Some("attendee"),
                ..Default::default()
            };
            show_page(ctx, &slug, forms).await
        }
    }
}

#[handler]
pub async fn remove_attendee(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, entry)): Path<(String, i64)>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let name = workflow::remove_attendee(&state.db, &user.actor(), m.id, entry).await?;
    Ok(done(
        &state,
        jar,
        format!("{name} has been taken off the attendance."),
        &format!("{}#attendance", views::href(&m)),
    ))
}

// ---------------------------------------------------------------------------------------
// Minutes
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct MinutesItem {
    id: i64,
    /// What was wrong with this item's text as sent.
    error: Option<String>,
    number: usize,
    title: String,
    field: String,
    text: String,
}

#[derive(Serialize)]
struct MinutesPage {
    title: String,
    when: String,
    meeting_href: String,
    action: String,
    notes: String,
    items: Vec<MinutesItem>,
    status: &'static str,
    invalid: bool,
    errors: serde_json::Value,
}

async fn minutes_page(
    ctx: PageCtx,
    m: &meeting::Model,
    sent: Option<&[(String, String)]>,
    errors: MinutesErrors,
) -> AppResult<Response> {
    let items = queries::items(&ctx.state.db, m.id).await?;
    let value =
        |name: &str| sent.and_then(|s| s.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()));
    // Only what can be shown beside a box on this page (an item deleted meanwhile is not).
    let invalid =
        !errors.fields.is_empty() || items.iter().any(|i| errors.items.contains_key(&i.id));
    let view = MinutesPage {
        title: m.title.clone(),
        when: views::when(m, ctx.state.config.time_zone),
        meeting_href: views::href(m),
        action: format!("/meetings/{}/minutes", m.slug),
        notes: value("notes").unwrap_or_else(|| m.minutes_notes.clone().unwrap_or_default()),
        items: items
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let field = format!("item-{}", i.id);
                MinutesItem {
                    id: i.id,
                    error: errors.items.get(&i.id).cloned(),
                    number: n + 1,
                    title: i.title.clone(),
                    text: value(&field).unwrap_or_else(|| i.minutes.clone().unwrap_or_default()),
                    field,
                }
            })
            .collect(),
        status: views::minutes_label(m.minutes_status),
        invalid,
        errors: errors_json(&errors.fields),
    };
    ctx.render_form(
        "meetings/minutes",
        &format!("Minutes: {}", m.title),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn minutes_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&ctx.state, &slug).await?;
    policy::ensure_can_edit(&user.actor(), &m)?;
    if m.minutes_status == entity::meeting::MinutesStatus::Agreed {
        return Err(AppError::Conflict(
            "These minutes have been agreed, so they can no longer be edited. Add an amendment on the meeting's page instead.".into(),
        ));
    }
    minutes_page(ctx, &m, None, MinutesErrors::default()).await
}

#[handler]
pub async fn save_minutes(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    match parse_minutes(&fields) {
        Ok((notes, items)) => {
            workflow::save_minutes(&state.db, &actor, m.id, notes, items, state.clock.now())
                .await?;
            Ok(done(
                &state,
                jar,
                "The minutes have been saved.",
                &format!("{}#minutes", views::href(&m)),
            ))
        }
        Err(errors) => minutes_page(ctx, &m, Some(&fields), errors).await,
    }
}

#[handler]
pub async fn publish_minutes(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let m = workflow::publish_minutes(&state.db, &user.actor(), m.id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "The minutes are published. They are agreed at the next meeting.",
        &format!("{}#minutes", views::href(&m)),
    ))
}

#[handler]
pub async fn agree_previous(
    state: poem::web::Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let m = find(&state, &slug).await?;
    let previous =
        workflow::agree_previous_minutes(&state.db, &user.actor(), m.id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        format!(
            "The minutes of the meeting on {} are agreed.",
            views::day(previous.starts_at, state.config.time_zone)
        ),
        &views::href(&m),
    ))
}

#[handler]
pub async fn amend(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<AmendmentForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    match form.parse() {
        Ok((item, text)) => {
            workflow::amend_minutes(&state.db, &actor, m.id, item, text, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                "The amendment has been added to the minutes.",
                &format!("{}#minutes", views::href(&m)),
            ))
        }
        Err(errors) => {
            let forms = Forms {
                amendment: form,
                errors,
                failed: Some("amendment"),
                ..Default::default()
            };
            show_page(ctx, &slug, forms).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn raise_action(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<ActionForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let m = find(&state, &slug).await?;
    policy::ensure_can_edit(&actor, &m)?;
    match form.parse() {
        Ok(input) => {
            let a =
                workflow::raise_action(&state.db, &actor, m.id, input, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                format!("Action A{} has been recorded.", a.id),
                &format!("{}#actions", views::href(&m)),
            ))
        }
        Err(errors) => {
            let forms = Forms {
                action: form,
                errors,
                failed: Some("action"),
                ..Default::default()
            };
            show_page(ctx, &slug, forms).await
        }
    }
}

async fn action_context(
    state: &AppState,
    actions: &[entity::meeting_action::Model],
) -> AppResult<ActionContext> {
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let owners = queries::owners_of(&state.db, &ids).await?;
    let notes = queries::notes_of(&state.db, &ids).await?;
    let people = queries::users_by_ids(&state.db, owners.iter().filter_map(|o| o.user_id)).await?;
    let meetings = queries::meetings_by_ids(
        &state.db,
        actions
            .iter()
            .map(|a| a.meeting_id)
            .chain(notes.iter().filter_map(|n| n.meeting_id)),
    )
    .await?;
    let tz = state.config.time_zone;
    Ok(ActionContext {
        owners,
        notes,
        people,
        meetings,
        items: Default::default(),
        tz,
        today: state.clock.now().with_timezone(&tz).date_naive(),
    })
}

#[derive(Deserialize, Default)]
pub struct TrackerQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    owner: Option<String>,
    #[serde(default)]
    overdue: Option<String>,
    #[serde(default)]
    meeting: Option<String>,
    #[serde(default)]
    mine: Option<String>,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct TrackerPage {
    rows: Vec<ActionView>,
    count: usize,
    statuses: Vec<Choice>,
    owners: Vec<Choice>,
    meetings: Vec<Choice>,
    overdue: bool,
    mine: bool,
    signed_in: bool,
    filtered: bool,
    limit: u64,
    truncated: bool,
}

const TRACKER_LIMIT: u64 = 500;

#[handler]
pub async fn tracker(ctx: PageCtx, Query(q): Query<TrackerQuery>) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = ctx.actor();
    let tz = state.config.time_zone;
    let status_text = q.status.clone().unwrap_or_else(|| "open".into());
    let status = match status_text.as_str() {
        "closed" => queries::StatusFilter::Closed,
        "all" => queries::StatusFilter::All,
        other => ActionStatus::parse(other)
            .map_or(queries::StatusFilter::Open, queries::StatusFilter::Only),
    };
    let mine = q.mine.is_some() && actor.is_some();
    let members = queries::members(&state.db).await?;
    let owner_id = if mine {
        actor.map(|a| a.id)
    } else {
        q.owner
            .as_deref()
            .and_then(|o| o.parse::<i64>().ok())
            .filter(|id| members.iter().any(|u| u.id == *id))
    };
    let meetings = queries::all(&state.db).await?;
    let meeting_id = q
        .meeting
        .as_deref()
        .and_then(|slug| meetings.iter().find(|m| m.slug == slug))
        .map(|m| m.id);
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let filter = queries::TrackerFilter {
        status,
        owner_id,
        overdue_on: q.overdue.is_some().then_some(today),
        meeting_id,
        public_only: actor.is_none(),
        before: None,
    };
    let rows = queries::tracker(&state.db, &filter, TRACKER_LIMIT).await?;
    let ctx_actions = action_context(&state, &rows).await?;
    let statuses = [
        ("open", "Open or in progress"),
        ("closed", "Complete or dropped"),
        ("all", "All"),
        ("in_progress", "In progress"),
        ("done", "Complete"),
        ("dropped", "Dropped"),
    ]
    .into_iter()
    .map(|(v, l)| Choice {
        value: v.into(),
        label: l.into(),
        selected: status_text == v
            || (v == "open"
                && matches!(status, queries::StatusFilter::Open)
                && status_text != "open"
                && ActionStatus::parse(&status_text).is_none()),
    })
    .collect();
    let view = TrackerPage {
        truncated: rows.len() as u64 >= TRACKER_LIMIT,
        count: rows.len(),
        rows: rows.iter().map(|a| ctx_actions.view(a)).collect(),
        statuses,
        owners: members
            .iter()
            .map(|u| Choice {
                value: u.id.to_string(),
                label: match &u.initials {
                    Some(i) => format!("{} ({i})", u.display_name),
                    None => u.display_name.clone(),
                },
                selected: owner_id == Some(u.id) && !mine,
            })
            .collect(),
        meetings: meetings
            .iter()
            .map(|m| Choice {
                value: m.slug.clone(),
                label: format!("{}: {}", views::day(m.starts_at, tz), m.title),
                selected: meeting_id == Some(m.id),
            })
            .collect(),
        overdue: q.overdue.is_some(),
        mine,
        signed_in: actor.is_some(),
        filtered: q.status.is_some()
            || q.owner.is_some()
            || q.overdue.is_some()
            || q.meeting.is_some()
            || mine,
        limit: TRACKER_LIMIT,
    };
    let title = if mine { "My actions" } else { "Actions" };
    Ok(ctx
        .render(
            "meetings/actions",
            title,
            Some("Every action from the forum's meetings, with who owns it and where it stands."),
            &view,
        )?
        .into_response())
}

#[derive(Serialize)]
struct ActionPage {
    action: ActionView,
    form_action: String,
    can_progress: bool,
    statuses: Vec<StatusOption>,
    meeting: String,
    form: ProgressForm,
    invalid: bool,
    errors: serde_json::Value,
    back_href: String,
}

#[derive(Deserialize, Default)]
pub struct ActionQuery {
    /// The meeting recording progress (its slug).
    meeting: Option<String>,
}

async fn action_page(
    ctx: PageCtx,
    id: i64,
    meeting_slug: Option<String>,
    form: Option<ProgressForm>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let action = entity::meeting_action::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let ac = action_context(&state, std::slice::from_ref(&action)).await?;
    let raised_at = ac
        .meetings
        .get(&action.meeting_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let recording = match meeting_slug.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => queries::find(&state.db, slug).await?,
        None => None,
    };
    let owner_ids: Vec<i64> = ac.owners.iter().filter_map(|o| o.user_id).collect();
    let can_progress = ctx.actor().is_some_and(|a| {
        policy::can_record_progress(&a, &owner_ids, &raised_at, recording.as_ref())
    });
    let view_action = ac.view(&action);
    let invalid = !errors.is_empty();
    let form = form.unwrap_or_else(|| ProgressForm {
        status: action.status.as_str().into(),
        note: String::new(),
        meeting: recording
            .as_ref()
            .map(|m| m.slug.clone())
            .unwrap_or_default(),
    });
    let view = ActionPage {
        form_action: format!("/actions/{}", action.id),
        can_progress,
        statuses: views::status_options(ActionStatus::parse(&form.status).unwrap_or(action.status)),
        meeting: recording
            .as_ref()
            .map(|m| {
                format!(
                    "{}: {}",
                    m.title,
                    views::day(m.starts_at, state.config.time_zone)
                )
            })
            .unwrap_or_default(),
        back_href: recording.as_ref().map_or_else(
            || views::href(&raised_at),
            |m| format!("{}#matters-arising", views::href(m)),
        ),
        form,
        invalid,
        errors: errors_json(&errors),
        action: view_action,
    };
    let title = format!("Action A{}", action.id);
    let mut resp = ctx.render_form(
        "meetings/action",
        &title,
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )?;
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-cache"),
    );
    Ok(resp)
}

#[handler]
pub async fn show_action(
    ctx: PageCtx,
    Path(id): Path<i64>,
    Query(q): Query<ActionQuery>,
) -> AppResult<Response> {
    action_page(ctx, id, q.meeting, None, FieldErrors::new()).await
}

#[handler]
pub async fn record_progress(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ProgressForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    let state = ctx.state.clone();
    let recording = match form.meeting.trim() {
        "" => None,
        slug => Some(find(&state, slug).await?),
    };
    match form.parse() {
        Ok(input) => {
            let status = input.status;
            let a = workflow::record_progress(
                &state.db,
                &actor,
                id,
                recording.as_ref().map(|m| m.id),
                input,
                state.clock.now(),
            )
            .await?;
            let to = recording.as_ref().map_or_else(
                || format!("/actions/{}", a.id),
                |m| format!("{}#matters-arising", views::href(m)),
            );
            Ok(done(
                &state,
                jar,
                format!("Progress on A{} recorded: {}.", a.id, status.label()),
                &to,
            ))
        }
        Err(errors) => {
            let slug = recording.map(|m| m.slug);
            action_page(ctx, id, slug, Some(form), errors).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Importing old minutes
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ImportPage {
    form: ImportForm,
    invalid: bool,
    errors: serde_json::Value,
    max: usize,
}

fn import_page(ctx: PageCtx, form: ImportForm, errors: FieldErrors) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = ImportPage {
        form,
        invalid,
        errors: errors_json(&errors),
        max: IMPORT_MAX,
    };
    ctx.render_form(
        "meetings/import",
        "Import old minutes",
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn import_form(ctx: PageCtx, CurrentUser(user): CurrentUser) -> AppResult<Response> {
    policy::ensure_can_create(&user.actor())?;
    let form = ImportForm {
        title: "Forum meeting".into(),
        format: "auto".into(),
        ..Default::default()
    };
    import_page(ctx, form, FieldErrors::new())
}

#[handler]
pub async fn import(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<ImportForm>,
) -> AppResult<Response> {
    let actor = user.actor();
    policy::ensure_can_create(&actor)?;
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let now = state.clock.now();
    match form.parse(tz, now.with_timezone(&tz).date_naive()) {
        Ok(input) => {
            let m = workflow::import(&state.db, &actor, input, tz, now).await?;
            Ok(done(
                &state,
                jar,
                "The old minutes are in. Add who attended and the actions by hand if you wish.",
                &views::href(&m),
            ))
        }
        Err(errors) => import_page(ctx, form, errors),
    }
}
