use poem::http::Method;
use poem::web::{Data, Html, Path};
use poem::{Request, Response, handler};
use serde::Serialize;

use crate::calendar::{feeds, links};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;

#[handler]
pub async fn all(req: &Request, state: Data<&AppState>) -> AppResult<Response> {
    let feed = crate::calendar::cache::cached(
        &state.feeds,
        &state.db,
        &state.config,
        None,
        state.clock.now(),
    )
    .await?;
    Ok(feeds::respond(
        &feed,
        req.headers(),
        req.method() == Method::HEAD,
        "calendar.ics",
    ))
}

#[handler]
pub async fn by_tag(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let tag = file
        .strip_suffix(".ics")
        .and_then(|t| crate::events::forms::normalise_tags(t).ok())
        .and_then(|t| t.into_iter().next())
        .ok_or(AppError::NotFound)?;
    let feed = crate::calendar::cache::cached(
        &state.feeds,
        &state.db,
        &state.config,
        Some(&tag),
        state.clock.now(),
    )
    .await?;
    Ok(feeds::respond(
        &feed,
        req.headers(),
        req.method() == Method::HEAD,
        &format!("{tag}.ics"),
    ))
}

/// `/events/{slug}.ics`: one public event (or series) as a calendar file.
#[handler]
pub async fn event_ics(
    req: &Request,
    state: Data<&AppState>,
    Path(file): Path<String>,
) -> AppResult<Response> {
    use crate::events::queries::{self, Lookup};
    let slug = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let e = match queries::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) if crate::events::policy::can_view(None, &e) => *e,
        Some(Lookup::Moved(new_slug)) => {
            return Ok(Response::builder()
                .status(poem::http::StatusCode::MOVED_PERMANENTLY)
                .header("location", format!("/events/{new_slug}.ics"))
                .finish());
        }
        _ => return Err(AppError::NotFound),
    };
    let feed = feeds::feed_from(
        &state.db,
        &state.config,
        std::slice::from_ref(&e),
        &e.title,
        state.clock.now(),
    )
    .await?;
    Ok(feeds::respond(
        &feed,
        req.headers(),
        req.method() == Method::HEAD,
        &format!("{}.ics", e.slug),
    ))
}

/// `/events/{slug}/{YYYY-MM-DD}.ics`: one date of a public series as a calendar file.
#[handler]
pub async fn occurrence_ics(
    req: &Request,
    state: Data<&AppState>,
    Path((slug, file)): Path<(String, String)>,
) -> AppResult<Response> {
    use crate::events::page;
    use crate::events::queries::Lookup;
    let date = file
        .strip_suffix(".ics")
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or(AppError::NotFound)?;
    let shown = match page::load(&state, &slug).await? {
        Some(Lookup::Found(found)) if crate::events::policy::can_view(None, &found.event) => found,
        Some(Lookup::Moved(new_slug)) => {
            return Ok(Response::builder()
                .status(poem::http::StatusCode::MOVED_PERMANENTLY)
                .header("location", format!("/events/{new_slug}/{file}"))
                .finish());
        }
        _ => return Err(AppError::NotFound),
    };
    let at = page::find_occurrence(&shown, date).ok_or(AppError::NotFound)?;
    let feed = feeds::occurrence_feed(
        &state.db,
        &state.config,
        &shown.event,
        at.original,
        at.starts_at,
        at.ends_at,
        at.cancelled,
    )
    .await?;
    Ok(feeds::respond(
        &feed,
        req.headers(),
        req.method() == Method::HEAD,
        &format!("{}-{file}", shown.event.slug),
    ))
}

#[derive(Serialize)]
struct FeedLink {
    label: String,
    https: String,
    webcal: String,
}

#[derive(Serialize)]
struct CalendarPage {
    main: FeedLink,
    tags: Vec<FeedLink>,
    refresh_minutes: u32,
    past_months: i64,
}

#[handler]
pub async fn page(ctx: PageCtx) -> AppResult<Html<String>> {
    let config = ctx.state.config.clone();
    let tags = crate::events::queries::public_tags(&ctx.state.db).await?;
    let view = CalendarPage {
        main: FeedLink {
            label: "All events".into(),
            https: config.absolute_url("/calendar.ics"),
            webcal: links::webcal(&config, "/calendar.ics"),
        },
        tags: tags
            .into_iter()
            .map(|t| FeedLink {
                https: config.absolute_url(&format!("/calendar/tags/{t}.ics")),
                webcal: links::webcal(&config, &format!("/calendar/tags/{t}.ics")),
                label: t,
            })
            .collect(),
        refresh_minutes: config.calendar_refresh_minutes,
        past_months: config.calendar_past.num_days() * 12 / 365,
    };
    ctx.render(
        "calendar/page",
        "Subscribe to the calendar",
        Some("Add the forum's events to Google Calendar, Outlook, Apple Calendar or Thunderbird."),
        &view,
    )
}
