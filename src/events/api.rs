//! Events in the JSON API (`/api/v1/events`): the public dates in a window (series expanded,
//! filtered by tag and words), and one event with its dates. The same listings and the same
//! visibility rule as the pages: only published and cancelled events exist here. A member's
//! token that may write drafts an event (and sends it to the admins) through the event
//! form's own checks; the draft is then the member's to see on the site, not in the API.

use chrono::{DateTime, Duration, Utc};
use entity::event::{self, EventStatus};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use sea_orm::{ColumnTrait, Condition};

use crate::api::auth::Token;
use crate::api::paging::{Cursor, next_link};
use crate::api::problem::{ApiError, ApiResult, WriteError};
use crate::error::AppError;
use crate::events::forms::EventForm;
use crate::events::listings::{self, After, Filter, Occurrence};
use crate::events::queries::{self, Lookup, PUBLIC};
use crate::events::workflow::{self, Intent};
use crate::events::{policy, views};
use crate::search;
use crate::state::AppState;

#[derive(Tags)]
enum EventTags {
    /// Public events and their dates: series expanded, cancelled and postponed dates marked.
    Events,
}

/// Whether a date takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DateStatus {
    /// It takes place as planned (or as moved: see `moved`).
    Scheduled,
    /// It does not take place.
    Cancelled,
    /// It will not take place on this date; a new one is to follow.
    Postponed,
}

/// One date: a one-off event, or one date of a series.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventDate {
    /// The event's id; the dates of a series share it.
    pub event_id: i64,
    pub slug: String,
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// The page of this date.
    pub url: String,
    /// The event's calendar file (iCalendar), every date included.
    pub calendar_url: String,
    pub starts_at: DateTime<Utc>,
    /// For an all-day date: midnight after its last day, in the event's time zone.
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    /// The organiser's time zone (IANA name).
    pub time_zone: String,
    pub status: DateStatus,
    /// Moved away from the date it was planned for.
    pub moved: bool,
    /// For a date of a series: the start it was planned for, which names it even if it moved
    /// (its iCalendar RECURRENCE-ID).
    pub planned_start: Option<DateTime<Utc>>,
    pub tags: Vec<String>,
    pub place_name: Option<String>,
    pub address: Option<String>,
    /// Where to join online.
    pub online_url: Option<String>,
}

/// A page of dates, oldest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct EventDateList {
    pub items: Vec<EventDate>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

/// One public event.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Event {
    pub id: i64,
    /// Its address on the site; an older slug still finds it.
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// The description, in Markdown.
    pub description: String,
    pub url: String,
    pub calendar_url: String,
    /// The first date's start (a series' first date).
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    pub time_zone: String,
    pub status: DateStatus,
    /// For a series: its repeat rule (RFC 5545 RRULE, in the event's time zone).
    pub repeat_rule: Option<String>,
    pub tags: Vec<String>,
    pub place_name: Option<String>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    /// How to reach the organiser, when they agreed to show it.
    pub organiser_contact: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The last change to the event, its tags or its dates.
    pub updated_at: DateTime<Utc>,
    /// Its dates between `from` and `to` (at most 100), oldest first.
    pub dates: Vec<EventDate>,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of dates. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(Json<EventDateList>, #[oai(header = "Link")] Option<String>),
}

/// An event to draft, as the event form takes it. Times are local to `time_zone`.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct EventDraft {
    #[oai(validator(max_length = 200))]
    pub title: String,
    /// One or two sentences for listings.
    #[oai(validator(max_length = 500))]
    pub summary: String,
    /// In Markdown.
    #[oai(default, validator(max_length = 20000))]
    pub description: String,
    /// The organiser's time zone (IANA name); the site's when left out.
    #[oai(default, validator(max_length = 64))]
    pub time_zone: String,
    /// A whole-day event: no times.
    #[oai(default)]
    pub all_day: bool,
    /// The first day, `YYYY-MM-DD`.
    #[oai(validator(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub start_date: String,
    /// `HH:MM`, unless all day.
    #[oai(default, validator(pattern = r"^([0-9]{2}:[0-9]{2})?$"))]
    pub start_time: String,
    /// The last day, `YYYY-MM-DD`; the first day when left out.
    #[oai(default, validator(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"))]
    pub end_date: String,
    /// `HH:MM`, unless all day.
    #[oai(default, validator(pattern = r"^([0-9]{2}:[0-9]{2})?$"))]
    pub end_time: String,
    #[oai(default, validator(max_length = 200))]
    pub place_name: String,
    #[oai(default, validator(max_length = 500))]
    pub address: String,
    /// Where to join online (https).
    #[oai(default, validator(max_length = 500))]
    pub online_url: String,
    /// Short words with letters, digits and dashes.
    #[oai(default, validator(max_items = 10))]
    pub tags: Vec<String>,
    /// How to reach the organiser.
    #[oai(default, validator(max_length = 200))]
    pub organiser_contact: String,
    /// Show `organiser_contact` on the event's page.
    #[oai(default)]
    pub show_organiser_contact: bool,
    /// For a series: an RFC 5545 RRULE (such as `FREQ=MONTHLY;BYDAY=2WE`).
    #[oai(default, validator(max_length = 300))]
    pub repeat_rule: String,
    /// A note to the admins who approve it.
    #[oai(default, validator(max_length = 2000))]
    pub note_to_admins: String,
    /// Its start has passed and that is meant (a past event recorded).
    #[oai(default)]
    pub past: bool,
    /// Send it to the admins for approval now; otherwise it stays a draft.
    #[oai(default)]
    pub submit: bool,
}

/// Where a drafted event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DraftState {
    /// Saved for its author to finish on the site.
    Draft,
    /// Waiting for an admin's approval.
    Submitted,
}

/// The drafted event.
#[derive(Debug, Object)]
pub struct Drafted {
    pub id: i64,
    pub slug: String,
    pub status: DraftState,
    /// Its page on the site, for its author and the admins until it is published.
    pub url: String,
}

#[derive(ApiResponse)]
enum DraftedResponse {
    /// The event is saved.
    #[oai(status = 201)]
    Created(Json<Drafted>),
}

#[derive(ApiResponse)]
enum EventResponse {
    /// The event, with its dates in the window.
    #[oai(status = 200)]
    Ok(Json<Event>),
}

/// How far ahead a window reaches when only its start is given.
const DEFAULT_DAYS: i64 = 366;

fn status_of(cancelled: bool, postponed: bool) -> DateStatus {
    if cancelled {
        DateStatus::Cancelled
    } else if postponed {
        DateStatus::Postponed
    } else {
        DateStatus::Scheduled
    }
}

fn date_of(state: &AppState, o: &Occurrence) -> EventDate {
    let e = &o.event;
    let path = match o.occurrence_start {
        Some(planned) => views::occurrence_href(e, planned),
        None => format!("/events/{}", e.slug),
    };
    EventDate {
        event_id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        summary: e.summary.clone(),
        url: state.config.absolute_url(&path),
        calendar_url: state
            .config
            .absolute_url(&format!("/events/{}.ics", e.slug)),
        starts_at: o.starts_at,
        ends_at: o.ends_at,
        all_day: e.all_day,
        time_zone: e.time_zone.clone(),
        status: status_of(o.cancelled, o.postponed),
        // A postponed date keeps its place until it has a new one: not moved.
        moved: o.moved && !o.postponed,
        planned_start: o.occurrence_start,
        tags: o.tags.clone(),
        place_name: e.place_name.clone(),
        address: e.address.clone(),
        online_url: e.online_url.clone(),
    }
}

/// The window `from..to`: from now for a year unless given; never before 1970 (no event
/// is) nor after 9999 (so the arithmetic and the databases stay in range).
fn window(
    now: DateTime<Utc>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = DateTime::UNIX_EPOCH;
    let latest = DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(now);
    let from = from.unwrap_or(now).clamp(earliest, latest);
    let to = to
        .unwrap_or_else(|| from + Duration::days(DEFAULT_DAYS))
        .clamp(earliest, latest);
    (from, to)
}

/// A moment as the API writes it in addresses (RFC 3339, UTC, to the microsecond).
fn moment(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The ids of public events that hold every word of `text` (at most `MAX_RESULTS`).
async fn matching(state: &AppState, text: &str) -> Result<Vec<i64>, AppError> {
    let query = search::Query::parse(text);
    let within = Condition::all().add(event::Column::Status.is_in(PUBLIC));
    let hits = search::matching(
        &state.db,
        &listings::SEARCH_INDEX,
        &query,
        within,
        listings::MAX_RESULTS,
    )
    .await?;
    Ok(hits.into_iter().map(|h| h.id).collect())
}

fn no_event() -> ApiError {
    AppError::NotFoundWith("No public event has this slug.".into()).into()
}

pub struct EventsApi;

#[OpenApi(tag = "EventTags::Events")]
impl EventsApi {
    /// Public events' dates
    ///
    /// Every date of a public event that overlaps the window `from`..`to` (by default from
    /// now for a year), oldest first: a series gives one item per date. Cancelled and
    /// postponed dates are listed and marked, so a calendar built from them can remove them.
    #[oai(path = "/events", method = "get", operation_id = "listEvents")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Dates that end after this moment (RFC 3339, such as `2026-12-01T00:00:00Z`).
        from: Query<Option<DateTime<Utc>>>,
        /// Dates that start before this moment.
        to: Query<Option<DateTime<Utc>>>,
        /// Only events with this tag.
        #[oai(validator(max_length = 64, pattern = r"^[^\x00-\x1F\x7F]*$"))]
        tag: Query<Option<String>>,
        /// Only events whose title, summary, description or tags hold every word (English
        /// endings and accents ignored; the 1,000 best matches).
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]*$"))]
        text: Query<Option<String>>,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,18}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Dates a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ListResponse> {
        let after = Cursor::decode_opt(cursor.0.as_deref(), 2)?
            .map(|c| -> Result<After, ApiError> {
                Ok(After {
                    starts_at: DateTime::from_timestamp_micros(c.0[0])
                        .ok_or_else(|| ApiError::bad("cursor", "not a cursor this API gave out"))?,
                    event_id: c.0[1],
                })
            })
            .transpose()?;
        let (from, to) = window(state.clock.now(), from.0, to.0);
        let ids = match text.0.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => Some(matching(&state, text).await?),
            None => None,
        };
        let filter = Filter {
            tag: tag.0.clone(),
            ids,
        };
        let listing = if from < to && filter.ids.as_ref().is_none_or(|ids| !ids.is_empty()) {
            listings::window(&state.db, &filter, from, to, after, limit.0 as usize).await?
        } else {
            listings::Listing {
                items: Vec::new(),
                has_next: false,
            }
        };
        let next = listing
            .has_next
            .then(|| listing.items.last())
            .flatten()
            .map(|o| Cursor(vec![o.starts_at.timestamp_micros(), o.event.id]));
        // The next page keeps this page's window, even where it was "from now".
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[("from", moment(from)), ("to", moment(to))],
            next.as_ref(),
        );
        let items = listing.items.iter().map(|o| date_of(&state, o)).collect();
        Ok(ListResponse::Ok(
            Json(EventDateList {
                items,
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }

    /// One public event
    ///
    /// The event at `slug` (an older slug of it works too), with its dates in the window
    /// `from`..`to` (by default from now for a year; at most 100).
    #[oai(path = "/events/:slug", method = "get", operation_id = "getEvent")]
    async fn one(
        &self,
        state: Data<&AppState>,
        /// The event's slug, as in its page's address.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
        /// Dates that end after this moment.
        from: Query<Option<DateTime<Utc>>>,
        /// Dates that start before this moment.
        to: Query<Option<DateTime<Utc>>>,
    ) -> ApiResult<EventResponse> {
        let e = match queries::find_by_slug(&state.db, &slug.0).await? {
            Some(Lookup::Found(e)) => *e,
            Some(Lookup::Moved(current)) => match queries::find_by_slug(&state.db, &current).await?
            {
                Some(Lookup::Found(e)) => *e,
                _ => return Err(no_event()),
            },
            None => return Err(no_event()),
        };
        // What the API shows everyone: no draft, however it is asked for.
        if !policy::can_view(None, &e) {
            return Err(no_event());
        }
        let (from, to) = window(state.clock.now(), from.0, to.0);
        let filter = Filter {
            tag: None,
            ids: Some(vec![e.id]),
        };
        let dates = if from < to {
            listings::window(&state.db, &filter, from, to, None, 100)
                .await?
                .items
        } else {
            Vec::new()
        };
        let tags = queries::tags_for(&state.db, &[e.id])
            .await?
            .remove(&e.id)
            .unwrap_or_default();
        let status = status_of(e.status == EventStatus::Cancelled, e.postponed_at.is_some());
        Ok(EventResponse::Ok(Json(Event {
            id: e.id,
            url: state.config.absolute_url(&format!("/events/{}", e.slug)),
            calendar_url: state
                .config
                .absolute_url(&format!("/events/{}.ics", e.slug)),
            dates: dates.iter().map(|o| date_of(&state, o)).collect(),
            organiser_contact: e
                .show_organiser_contact
                .then(|| e.organiser_contact.clone())
                .flatten(),
            slug: e.slug,
            title: e.title,
            summary: e.summary,
            description: e.description,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            all_day: e.all_day,
            time_zone: e.time_zone,
            status,
            repeat_rule: e.rrule,
            tags,
            place_name: e.place_name,
            address: e.address,
            online_url: e.online_url,
            published_at: e.published_at,
            updated_at: e.updated_at,
        })))
    }

    /// Draft an event
    ///
    /// The token's member drafts an event with the event form's checks, and sends it to the
    /// admins when `submit` is true. Needs a token with the write scope.
    #[oai(path = "/events", method = "post", operation_id = "draftEvent")]
    async fn draft(
        &self,
        state: Data<&AppState>,
        token: Token,
        body: Json<EventDraft>,
    ) -> Result<DraftedResponse, WriteError> {
        let actor = token.writer()?;
        let d = body.0;
        let form = EventForm {
            title: d.title,
            summary: d.summary,
            description: d.description,
            time_zone: d.time_zone,
            all_day: d.all_day.then(|| "on".to_string()),
            start_date: d.start_date.clone(),
            start_time: d.start_time,
            end_date: if d.end_date.trim().is_empty() {
                d.start_date
            } else {
                d.end_date
            },
            end_time: d.end_time,
            place_name: d.place_name,
            address: d.address,
            online_url: d.online_url,
            tags: d.tags.join(", "),
            organiser_contact: d.organiser_contact,
            show_organiser_contact: d.show_organiser_contact.then(|| "on".to_string()),
            note_to_admins: d.note_to_admins,
            repeat: if d.repeat_rule.trim().is_empty() {
                "none".into()
            } else {
                "custom".into()
            },
            repeat_rule: d.repeat_rule,
            confirm_past: d.past.then(|| "on".to_string()),
            ..EventForm::default()
        };
        let now = state.clock.now();
        let input = form
            .parse(state.config.time_zone, now)
            .map_err(|errors| WriteError::refused(&errors))?;
        if input.starts_at < now && !d.past {
            return Err(WriteError::refused(&crate::web::text::FieldErrors::from([
                (
                    "past",
                    "This date has passed: send `past: true` to record a past event, or choose a \
                 later date."
                        .to_string(),
                ),
            ])));
        }
        let intent = if d.submit {
            Intent::Submit
        } else {
            Intent::Save
        };
        let created = workflow::create(&state.db, actor, &input, intent, now).await?;
        Ok(DraftedResponse::Created(Json(Drafted {
            id: created.id,
            url: state
                .config
                .absolute_url(&format!("/events/{}", created.slug)),
            slug: created.slug,
            status: if d.submit {
                DraftState::Submitted
            } else {
                DraftState::Draft
            },
        })))
    }
}
