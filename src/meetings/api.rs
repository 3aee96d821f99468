//! Meetings in the JSON API (`/api/v1/meetings`, `/api/v1/actions`): the meetings, latest
//! first, with attendance counts once their minutes are public; one meeting with its agenda
//! (once published), its minutes and their actions (once published); and the actions tracker.
//! The same rules as the pages for a visitor: draft minutes, their actions, members'
//! updates and who attended by name are not in the API, whoever asks.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::meeting::{self, MinutesStatus};
use entity::meeting_action::{self, ActionStatus};
use entity::meeting_attendance::{self, Presence};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::api::paging::{Cursor, next_link};
use crate::api::problem::{ApiError, ApiResult};
use crate::error::AppError;
use crate::meetings::queries::{self, StatusFilter, TrackerFilter};
use crate::meetings::{policy, views};
use crate::state::AppState;

#[derive(Tags)]
enum MeetingTags {
    /// The forum's meetings: agendas, attendance counts, minutes and the actions they record.
    Meetings,
}

/// Where a meeting's minutes stand, as a visitor sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum MinutesState {
    /// Not written, or still a draft for members.
    NotPublished,
    /// Published by the secretary, to be agreed at the next meeting.
    Published,
    /// Agreed at a later meeting.
    Agreed,
}

impl From<MinutesStatus> for MinutesState {
    fn from(s: MinutesStatus) -> Self {
        match s {
            MinutesStatus::None | MinutesStatus::Draft => MinutesState::NotPublished,
            MinutesStatus::Published => MinutesState::Published,
            MinutesStatus::Agreed => MinutesState::Agreed,
        }
    }
}

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ActionState {
    Open,
    InProgress,
    /// Complete.
    Done,
    Dropped,
}

impl From<ActionStatus> for ActionState {
    fn from(s: ActionStatus) -> Self {
        match s {
            ActionStatus::Open => ActionState::Open,
            ActionStatus::InProgress => ActionState::InProgress,
            ActionStatus::Done => ActionState::Done,
            ActionStatus::Dropped => ActionState::Dropped,
        }
    }
}

/// Which actions a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum WhichActions {
    /// Open or in progress.
    Open,
    /// Done or dropped.
    Closed,
    All,
}

/// How many came, as the minutes record it.
#[derive(Debug, Object)]
pub struct Attendance {
    pub attended: u64,
    /// Sent apologies.
    pub apologies: u64,
}

/// A meeting of the forum.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Meeting {
    /// Its address on the site.
    pub slug: String,
    pub title: String,
    pub url: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Where it meets.
    pub place: String,
    /// Whether its agenda is public.
    pub agenda_published: bool,
    pub minutes: MinutesState,
    pub minutes_published_at: Option<DateTime<Utc>>,
    pub minutes_agreed_at: Option<DateTime<Utc>>,
    /// Counts from the minutes, once they are public and where attendance was recorded.
    pub attendance: Option<Attendance>,
}

/// One item of an agenda.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AgendaItem {
    /// Its place in the agenda, from 1.
    pub position: i32,
    pub title: String,
    /// The planned start ("10:30"), in the site's time zone.
    pub start_time: Option<String>,
    pub duration_minutes: Option<i32>,
    /// Who presents it.
    pub presenters: Option<String>,
    /// A note for readers, in Markdown.
    pub note: Option<String>,
    /// What the minutes record under it, in Markdown, once the minutes are public.
    pub minutes: Option<String>,
}

/// An action recorded in a meeting's minutes.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Action {
    pub id: i64,
    /// What is to be done.
    pub text: String,
    /// Who does it, as the minutes name them.
    pub owners: String,
    pub status: ActionState,
    pub due_on: Option<NaiveDate>,
    pub closed_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    /// The meeting that recorded it.
    pub meeting_slug: String,
    pub meeting_title: String,
    pub meeting_url: String,
}

/// A meeting with its agenda, minutes and actions.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingDetail {
    #[oai(flatten)]
    pub meeting: Meeting,
    /// The agenda, in order; empty until it is published.
    pub agenda: Vec<AgendaItem>,
    /// The minutes' general notes, in Markdown, once the minutes are public.
    pub minutes_notes: Option<String>,
    /// The actions the minutes record, once they are public.
    pub actions: Vec<Action>,
}

/// A page of meetings, latest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeetingList {
    pub items: Vec<Meeting>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

/// A page of actions, latest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ActionList {
    pub items: Vec<Action>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of meetings. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(Json<MeetingList>, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
enum OneResponse {
    /// The meeting.
    #[oai(status = 200)]
    Ok(Json<MeetingDetail>),
}

#[derive(ApiResponse)]
enum ActionsResponse {
    /// A page of actions. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(Json<ActionList>, #[oai(header = "Link")] Option<String>),
}

fn default_which() -> WhichActions {
    WhichActions::Open
}

/// Attendance counts of these meetings, for those whose counts a visitor may see.
async fn attendance_of(
    db: &impl ConnectionTrait,
    meetings: &[meeting::Model],
) -> Result<HashMap<i64, Attendance>, AppError> {
    let ids: Vec<i64> = meetings
        .iter()
        .filter(|m| policy::can_see_attendance(None, m))
        .map(|m| m.id)
        .collect();
    let mut counts: HashMap<i64, Attendance> = HashMap::new();
    if ids.is_empty() {
        return Ok(counts);
    }
    for row in meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::MeetingId.is_in(ids))
        .all(db)
        .await?
    {
        let entry = counts.entry(row.meeting_id).or_insert(Attendance {
            attended: 0,
            apologies: 0,
        });
        if row.status == Presence::Attended {
            entry.attended += 1;
        } else {
            entry.apologies += 1;
        }
    }
    Ok(counts)
}

fn meeting_of(
    state: &AppState,
    m: &meeting::Model,
    attendance: &mut HashMap<i64, Attendance>,
) -> Meeting {
    Meeting {
        slug: m.slug.clone(),
        title: m.title.clone(),
        url: state.config.absolute_url(&views::href(m)),
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        place: m.place.clone(),
        agenda_published: policy::can_see_agenda(None, m),
        minutes: m.minutes_status.into(),
        minutes_published_at: policy::can_see_minutes(None, m)
            .then_some(m.minutes_published_at)
            .flatten(),
        minutes_agreed_at: m.minutes_agreed_at,
        attendance: attendance.remove(&m.id),
    }
}

/// Actions with their owners and meetings, as the API gives them.
async fn actions_of(
    state: &AppState,
    actions: &[meeting_action::Model],
) -> Result<Vec<Action>, AppError> {
    let db = &state.db;
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let owners = queries::owners_of(db, &ids).await?;
    let people = queries::users_by_ids(db, owners.iter().filter_map(|o| o.user_id)).await?;
    let meetings = queries::meetings_by_ids(db, actions.iter().map(|a| a.meeting_id)).await?;
    Ok(actions
        .iter()
        .filter_map(|a| {
            let m = meetings.get(&a.meeting_id)?;
            let mine: Vec<_> = owners.iter().filter(|o| o.action_id == a.id).collect();
            Some(Action {
                id: a.id,
                text: a.text.clone(),
                owners: views::owners_text(&mine, &people),
                status: a.status.into(),
                due_on: a.due_on,
                closed_at: a.closed_at,
                recorded_at: a.created_at,
                meeting_slug: m.slug.clone(),
                meeting_title: m.title.clone(),
                meeting_url: state.config.absolute_url(&views::href(m)),
            })
        })
        .collect())
}

fn no_meeting() -> ApiError {
    AppError::NotFoundWith("No meeting has this slug.".into()).into()
}

pub struct MeetingsApi;

#[OpenApi(tag = "MeetingTags::Meetings")]
impl MeetingsApi {
    /// Meetings
    ///
    /// Every meeting, latest first, with attendance counts once its minutes are public.
    #[oai(path = "/meetings", method = "get", operation_id = "listMeetings")]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,18}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Meetings a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ListResponse> {
        let before = Cursor::moment_and_id(cursor.0.as_deref())?;
        let (rows, more) = queries::page_before(&state.db, before, limit.0.into()).await?;
        let mut attendance = attendance_of(&state.db, &rows).await?;
        let next = more
            .then(|| rows.last())
            .flatten()
            .map(|m| Cursor(vec![m.starts_at.timestamp_micros(), m.id]));
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[],
            next.as_ref(),
        );
        Ok(ListResponse::Ok(
            Json(MeetingList {
                items: rows
                    .iter()
                    .map(|m| meeting_of(&state, m, &mut attendance))
                    .collect(),
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }

    /// One meeting
    ///
    /// The meeting with its agenda once published, and its minutes and their actions once
    /// the minutes are public.
    #[oai(path = "/meetings/:slug", method = "get", operation_id = "getMeeting")]
    async fn one(
        &self,
        state: Data<&AppState>,
        /// The meeting's slug, as in its page's address.
        #[oai(validator(max_length = 200, pattern = r"^[^\x00-\x1F\x7F]+$"))]
        slug: Path<String>,
    ) -> ApiResult<OneResponse> {
        let m = queries::find(&state.db, &slug.0)
            .await?
            .ok_or_else(no_meeting)?;
        let minutes_public = policy::can_see_minutes(None, &m);
        let agenda = if policy::can_see_agenda(None, &m) {
            queries::items(&state.db, m.id)
                .await?
                .into_iter()
                .map(|item| AgendaItem {
                    position: item.position,
                    title: item.title,
                    start_time: item.start_time,
                    duration_minutes: item.duration_minutes,
                    presenters: item.presenters,
                    note: item.note,
                    minutes: item.minutes.filter(|_| minutes_public),
                })
                .collect()
        } else {
            Vec::new()
        };
        let actions = if policy::can_see_actions(None, &m) {
            let filter = TrackerFilter {
                status: StatusFilter::All,
                meeting_id: Some(m.id),
                public_only: true,
                ..Default::default()
            };
            let mut rows = queries::tracker(&state.db, &filter, 1000).await?;
            rows.reverse();
            actions_of(&state, &rows).await?
        } else {
            Vec::new()
        };
        let mut attendance = attendance_of(&state.db, std::slice::from_ref(&m)).await?;
        Ok(OneResponse::Ok(Json(MeetingDetail {
            meeting: meeting_of(&state, &m, &mut attendance),
            agenda,
            minutes_notes: m.minutes_notes.clone().filter(|_| minutes_public),
            actions,
        })))
    }

    /// Actions
    ///
    /// The actions tracker: actions recorded in public minutes, latest first; open ones by
    /// default.
    #[oai(path = "/actions", method = "get", operation_id = "listActions")]
    async fn actions(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Open (open or in progress), closed (done or dropped) or all.
        #[oai(default = "default_which")]
        status: Query<WhichActions>,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,18}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Actions a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ActionsResponse> {
        let filter = TrackerFilter {
            status: match status.0 {
                WhichActions::Open => StatusFilter::Open,
                WhichActions::Closed => StatusFilter::Closed,
                WhichActions::All => StatusFilter::All,
            },
            public_only: true,
            before: Cursor::moment_and_id(cursor.0.as_deref())?,
            ..Default::default()
        };
        let limit = u64::from(limit.0);
        let mut rows = queries::tracker(&state.db, &filter, limit + 1).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last())
            .flatten()
            .map(|a| Cursor(vec![a.created_at.timestamp_micros(), a.id]));
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[],
            next.as_ref(),
        );
        Ok(ActionsResponse::Ok(
            Json(ActionList {
                items: actions_of(&state, &rows).await?,
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }
}
