//! Personal data kept no longer than needed: the dietary and access notes people leave with
//! their answers are erased a while after the event (`CONVENE_RSVP_NOTES_DAYS`); the answers
//! themselves stay, as numbers and attendance.

use chrono::{DateTime, Duration, Utc};
use entity::{event, rsvp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::begin_write;
use crate::error::AppError;
use crate::rsvp::slots;

/// Erases the notes of answers whose event (or date) ended more than `keep` ago. Returns how
/// many were erased.
pub async fn erase_old_notes(
    db: &DatabaseConnection,
    keep: Duration,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    let cutoff = now - keep;
    let txn = begin_write(db).await?;
    let with_notes = rsvp::Entity::find()
        .filter(rsvp::Column::Note.is_not_null())
        .all(&txn)
        .await?;
    let mut event_ids: Vec<i64> = with_notes.iter().map(|r| r.event_id).collect();
    event_ids.sort_unstable();
    event_ids.dedup();
    let events = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids.clone()))
        .all(&txn)
        .await?;
    let exceptions = crate::events::queries::exceptions_for(&txn, &event_ids).await?;
    let mut expired = Vec::new();
    for row in &with_notes {
        let Some(e) = events.iter().find(|e| e.id == row.event_id) else {
            continue;
        };
        let none = Vec::new();
        let ended = slots::from_key(e, exceptions.get(&e.id).unwrap_or(&none), &row.occurrence)
            .map(|slot| slot.ends_at)
            // A date the series no longer has: its planned day, as stored, is what is known.
            .or_else(|| {
                chrono::NaiveDate::parse_from_str(&row.occurrence, "%Y-%m-%d")
                    .ok()
                    .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc() + Duration::days(1))
            })
            .unwrap_or(e.ends_at);
        if ended < cutoff {
            expired.push(row.id);
        }
    }
    let erased = if expired.is_empty() {
        0
    } else {
        rsvp::Entity::update_many()
            .col_expr(rsvp::Column::Note, Expr::value(Option::<String>::None))
            .col_expr(rsvp::Column::UpdatedAt, Expr::value(now))
            .filter(rsvp::Column::Id.is_in(expired))
            .exec(&txn)
            .await?
            .rows_affected
    };
    txn.commit().await?;
    Ok(erased)
}

/// Runs [`erase_old_notes`] a minute after start-up (out of the way of start-up's own
/// writes, such as other instances' migrations) and every hour after, for as long as the
/// server runs.
pub fn spawn(state: crate::AppState) {
    tokio::spawn(crate::db::in_background(async move {
        let hour = std::time::Duration::from_secs(3600);
        let first = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let mut every = tokio::time::interval_at(first, hour);
        loop {
            every.tick().await;
            match erase_old_notes(&state.db, state.config.rsvp_notes, state.clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(erased = n, "erased the notes of past answers"),
                Err(err) => {
                    tracing::warn!(error = %err, "could not erase the notes of past answers")
                }
            }
        }
    }));
}
