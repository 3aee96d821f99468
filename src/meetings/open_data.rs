//! The meetings' open data: `/actions.csv`, the actions of meetings whose minutes everyone may
//! read (what, owners named as the minutes name them, where it stands, the meeting that raised
//! it), and `/meetings/attendance.csv`, how many attended and sent apologies at those
//! meetings (counts only, never names; empty where nothing was recorded). RFC 4180 with CRLF,
//! a header row, every cell formula-safe. Each list is read in chunks, whatever its length.

use std::collections::HashMap;

use entity::meeting_attendance::{self, Presence};
use entity::{meeting, meeting_action};
use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{AppError, AppResult};
use crate::meetings::{policy, queries, views};
use crate::state::AppState;
use crate::web::format;
use crate::web::text::formula_safe;

fn writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn finish(out: csv::Writer<Vec<u8>>) -> Result<Vec<u8>, csv::Error> {
    out.into_inner().map_err(|e| e.into_error().into())
}

fn respond(body: Vec<u8>, filename: &str) -> Response {
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("inline", filename),
        )
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body)
}

/// The meetings whose minutes everyone may read, oldest first.
async fn public_meetings(db: &impl ConnectionTrait) -> Result<Vec<meeting::Model>, sea_orm::DbErr> {
    Ok(meeting::Entity::find()
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|m| policy::can_see_minutes(None, m))
        .collect())
}

/// Ids per query, well under what either database takes in one IN list.
const CHUNK: usize = 1000;

/// The actions of meetings whose minutes are public, oldest first, owners named as the
/// minutes name them (initials where a member has them).
async fn actions_csv(db: &impl ConnectionTrait, base: &str) -> AppResult<Vec<u8>> {
    let meetings = public_meetings(db).await?;
    let by_id: HashMap<i64, &meeting::Model> = meetings.iter().map(|m| (m.id, m)).collect();
    let mut actions = Vec::new();
    let meeting_ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    for chunk in meeting_ids.chunks(CHUNK) {
        actions.extend(
            meeting_action::Entity::find()
                .filter(meeting_action::Column::MeetingId.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    actions.sort_by_key(|a| (a.created_at, a.id));
    let mut owners = Vec::new();
    let mut people = HashMap::new();
    for chunk in actions.chunks(CHUNK) {
        let ids: Vec<i64> = chunk.iter().map(|a| a.id).collect();
        let found = queries::owners_of(db, &ids).await?;
        people.extend(queries::users_by_ids(db, found.iter().filter_map(|o| o.user_id)).await?);
        owners.extend(found);
    }
    let mut out = writer();
    let csv_error = |e: csv::Error| AppError::Internal(format!("writing actions as CSV: {e}"));
    out.write_record([
        "id",
        "action",
        "owners",
        "status",
        "due_on",
        "closed_at",
        "meeting_date",
        "meeting",
        "meeting_url",
    ])
    .map_err(csv_error)?;
    for a in &actions {
        let m = by_id.get(&a.meeting_id).copied();
        let mine: Vec<_> = owners.iter().filter(|o| o.action_id == a.id).collect();
        let record = [
            a.id.to_string(),
            a.text.clone(),
            views::owners_text(&mine, &people),
            a.status.as_str().to_string(),
            a.due_on.map(|d| d.to_string()).unwrap_or_default(),
            a.closed_at.map(format::iso).unwrap_or_default(),
            m.map(|m| format::iso(m.starts_at)).unwrap_or_default(),
            m.map(|m| m.title.clone()).unwrap_or_default(),
            m.map(|m| format!("{base}{}", views::href(m)))
                .unwrap_or_default(),
        ];
        out.write_record(record.iter().map(|c| formula_safe(c)))
            .map_err(csv_error)?;
    }
    finish(out).map_err(csv_error)
}

/// Attendance counts of the meetings whose minutes everyone may read, oldest first.
async fn attendance_csv(db: &impl ConnectionTrait, base: &str) -> AppResult<Vec<u8>> {
    let meetings: Vec<meeting::Model> = public_meetings(db)
        .await?
        .into_iter()
        .filter(|m| policy::can_see_attendance(None, m))
        .collect();
    let mut counts: HashMap<(i64, bool), u64> = HashMap::new();
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    for chunk in ids.chunks(CHUNK) {
        for row in meeting_attendance::Entity::find()
            .filter(meeting_attendance::Column::MeetingId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            *counts
                .entry((row.meeting_id, row.status == Presence::Attended))
                .or_default() += 1;
        }
    }
    let mut out = writer();
    let csv_error = |e: csv::Error| AppError::Internal(format!("writing attendance as CSV: {e}"));
    out.write_record([
        "meeting_date",
        "meeting",
        "attended",
        "apologies",
        "meeting_url",
    ])
    .map_err(csv_error)?;
    for m in &meetings {
        // Nothing recorded (an old meeting imported with its minutes) is not "nobody came".
        let recorded = counts.contains_key(&(m.id, true)) || counts.contains_key(&(m.id, false));
        let count = |attended: bool| {
            if recorded {
                counts
                    .get(&(m.id, attended))
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            } else {
                String::new()
            }
        };
        let record = [
            format::iso(m.starts_at),
            m.title.clone(),
            count(true),
            count(false),
            format!("{base}{}", views::href(m)),
        ];
        out.write_record(record.iter().map(|c| formula_safe(c)))
            .map_err(csv_error)?;
    }
    finish(out).map_err(csv_error)
}

/// `GET /actions.csv`.
#[handler]
pub async fn actions_download(state: Data<&AppState>) -> AppResult<Response> {
    let base = state.config.base_url.as_str().trim_end_matches('/');
    Ok(respond(actions_csv(&state.db, base).await?, "actions.csv"))
}

/// `GET /meetings/attendance.csv`.
#[handler]
pub async fn attendance_download(state: Data<&AppState>) -> AppResult<Response> {
    let base = state.config.base_url.as_str().trim_end_matches('/');
    Ok(respond(
        attendance_csv(&state.db, base).await?,
        "attendance.csv",
    ))
}
