//! The meetings' open data: `/actions.csv`, every action as the public tracker lists it (who
//! owns it, where it stands, the meeting that raised it), and `/meetings/attendance.csv`, how
//! many attended and sent apologies at each meeting whose minutes are public (counts only,
//! never names). RFC 4180 with CRLF, a header row, every cell formula-safe.

use std::collections::{HashMap, HashSet};

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

/// Every action, oldest first, as the tracker shows them to everyone.
async fn actions_csv(db: &impl ConnectionTrait, base: &str) -> AppResult<Vec<u8>> {
    let actions = meeting_action::Entity::find()
        .order_by_asc(meeting_action::Column::CreatedAt)
        .order_by_asc(meeting_action::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let owners = queries::owners_of(db, &ids).await?;
    let people = queries::users_by_ids(db, owners.iter().filter_map(|o| o.user_id)).await?;
    let meetings = queries::meetings_by_ids(db, actions.iter().map(|a| a.meeting_id)).await?;
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for o in &owners {
        let name = o
            .user_id
            .and_then(|id| people.get(&id))
            .map(|u| u.display_name.clone())
            .or_else(|| o.name.clone())
            .unwrap_or_default();
        names.entry(o.action_id).or_default().push(name);
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
        let m = meetings.get(&a.meeting_id);
        let record = [
            a.id.to_string(),
            a.text.clone(),
            names.get(&a.id).map(|n| n.join("; ")).unwrap_or_default(),
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
    let meetings: Vec<meeting::Model> = meeting::Entity::find()
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|m| policy::can_see_attendance(None, m))
        .collect();
    let shown: HashSet<i64> = meetings.iter().map(|m| m.id).collect();
    let mut counts: HashMap<(i64, bool), u64> = HashMap::new();
    for row in meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::MeetingId.is_in(shown.iter().copied()))
        .all(db)
        .await?
    {
        *counts
            .entry((row.meeting_id, row.status == Presence::Attended))
            .or_default() += 1;
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
        let record = [
            format::iso(m.starts_at),
            m.title.clone(),
            counts.get(&(m.id, true)).copied().unwrap_or(0).to_string(),
            counts.get(&(m.id, false)).copied().unwrap_or(0).to_string(),
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
