//! `/events.csv`: every public event as open data, one row per event (a series once, with
//! its repeat rule and the dates that differ from it: cancelled, postponed, and moved as
//! "planned=new start"): RFC 4180 with CRLF, a header row, every cell formula-safe.

use std::collections::HashMap;

use entity::event::{self, EventStatus};
use entity::event_exception;
use poem::http::header;
use poem::web::Data;
use poem::{Response, handler};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::{AppError, AppResult};
use crate::events::queries::{PUBLIC, exceptions_for, tags_for};
use crate::state::AppState;
use crate::web::format;
use crate::web::text::formula_safe;

/// Every public event, oldest first.
async fn public(db: &impl ConnectionTrait) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    event::Entity::find()
        .filter(event::Column::Status.is_in(PUBLIC))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await
}

/// The events as CSV; `base_url` makes the addresses absolute.
pub fn csv_of(
    events: &[event::Model],
    tags: &HashMap<i64, Vec<String>>,
    exceptions: &HashMap<i64, Vec<event_exception::Model>>,
    base_url: &str,
) -> Result<Vec<u8>, csv::Error> {
    let base = base_url.trim_end_matches('/');
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "id",
        "title",
        "summary",
        "status",
        "starts_at",
        "ends_at",
        "all_day",
        "time_zone",
        "repeat_rule",
        "cancelled_dates",
        "postponed_dates",
        "moved_dates",
        "place_name",
        "address",
        "online_url",
        "tags",
        "url",
        "calendar_url",
        "updated_at",
    ])?;
    for e in events {
        let status = match (e.status, e.postponed_at.is_some()) {
            (EventStatus::Cancelled, _) => "cancelled",
            (_, true) => "postponed",
            _ => "scheduled",
        };
        let changes = exceptions.get(&e.id).map(Vec::as_slice).unwrap_or_default();
        let dates = |keep: fn(&event_exception::Model) -> Option<String>| {
            changes
                .iter()
                .filter_map(keep)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let record = [
            e.id.to_string(),
            e.title.clone(),
            e.summary.clone(),
            status.to_string(),
            format::iso(e.starts_at),
            format::iso(e.ends_at),
            e.all_day.to_string(),
            e.time_zone.clone(),
            e.rrule.clone().unwrap_or_default(),
            dates(|x| x.cancelled.then(|| format::iso(x.occurrence_start))),
            dates(|x| x.postponed.then(|| format::iso(x.occurrence_start))),
            dates(|x| {
                x.new_starts_at
                    .filter(|_| !x.cancelled)
                    .map(|to| format!("{}={}", format::iso(x.occurrence_start), format::iso(to)))
            }),
            e.place_name.clone().unwrap_or_default(),
            e.address.clone().unwrap_or_default().replace('\n', ", "),
            e.online_url.clone().unwrap_or_default(),
            tags.get(&e.id).map(|t| t.join(" ")).unwrap_or_default(),
            format!("{base}/events/{}", e.slug),
            format!("{base}/events/{}.ics", e.slug),
            format::iso(e.updated_at),
        ];
        out.write_record(record.iter().map(|c| formula_safe(c)))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// `GET /events.csv`.
#[handler]
pub async fn download(state: Data<&AppState>) -> AppResult<Response> {
    let events = public(&state.db).await?;
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    let tags = tags_for(&state.db, &ids).await?;
    let exceptions = exceptions_for(&state.db, &ids).await?;
    let body = csv_of(&events, &tags, &exceptions, state.config.base_url.as_str())
        .map_err(|e| AppError::Internal(format!("writing events as CSV: {e}")))?;
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("inline", "events.csv"),
        )
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body))
}
