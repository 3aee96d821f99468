//! One date of a series: cancelled, postponed, or moved (by an admin), recorded as an
//! exception the feeds turn into EXDATE and RECURRENCE-ID; reinstated (by an admin) by
//! removing the exception.

use chrono::{DateTime, Datelike, Duration, Utc};
use entity::{event, event_exception};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;
use crate::events::policy;
use crate::events::queries::get;
use crate::events::recurrence;
use crate::events::workflow::{Change, tell_of_change};

/// What happens to one date of a series.
#[derive(Debug, Clone, Copy)]
pub enum OccurrenceChange {
    Cancel,
    /// The new date to follow: it stays on its planned date meanwhile.
    Postpone,
    /// Back on its planned date, as the series says.
    Reinstate,
    MoveTo {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
}

pub async fn change_occurrence(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    occurrence_start: DateTime<Utc>,
    change: OccurrenceChange,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    match change {
        OccurrenceChange::Cancel | OccurrenceChange::Postpone => {
            policy::ensure_can_cancel(actor, &current)?
        }
        OccurrenceChange::Reinstate => policy::ensure_can_reinstate(actor, &current)?,
        OccurrenceChange::MoveTo { .. } => policy::ensure_can_move_occurrence(actor, &current)?,
    }
    let Some(rule) = current.rrule.as_deref() else {
        return Err(AppError::BadRequest("This event is not a series.".into()));
    };
    let tz = current.zone();
    let duration = current.ends_at - current.starts_at;
    let is_occurrence = recurrence::starts_between(
        rule,
        current.starts_at,
        duration,
        tz,
        occurrence_start,
        occurrence_start + Duration::seconds(1),
        1,
    )
    .first()
        == Some(&occurrence_start);
    if !is_occurrence {
        return Err(AppError::BadRequest(
            "There is no occurrence at that time.".into(),
        ));
    }
    let (cancelled, new_starts_at, new_ends_at) = match change {
        OccurrenceChange::Cancel => (true, None, None),
        OccurrenceChange::Postpone | OccurrenceChange::Reinstate => (false, None, None),
        OccurrenceChange::MoveTo { starts_at, ends_at } => {
            if ends_at <= starts_at {
                return Err(AppError::BadRequest(
                    "The end must be after the start.".into(),
                ));
            }
            let latest = crate::events::forms::latest_instant(now);
            if ends_at > latest || starts_at.year() < crate::events::forms::EARLIEST_YEAR {
                return Err(AppError::BadRequest(
                    "A date can move to a day between 1970 and twenty years from now.".into(),
                ));
            }
            (false, Some(starts_at), Some(ends_at))
        }
    };
    // A later change to the same date replaces the earlier one.
    let deleted = event_exception::Entity::delete_many()
        .filter(event_exception::Column::EventId.eq(id))
        .filter(event_exception::Column::OccurrenceStart.eq(occurrence_start))
        .exec(&txn)
        .await?;
    let reinstated = matches!(change, OccurrenceChange::Reinstate);
    if reinstated && deleted.rows_affected == 0 {
        return Err(AppError::Conflict(
            "That date is already on as planned.".into(),
        ));
    }
    if !reinstated {
        event_exception::ActiveModel {
            event_id: Set(id),
            occurrence_start: Set(occurrence_start),
            cancelled: Set(cancelled),
            postponed: Set(matches!(change, OccurrenceChange::Postpone)),
            new_starts_at: Set(new_starts_at),
            new_ends_at: Set(new_ends_at),
            note: Set(note.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let mut active: event::ActiveModel = current.clone().into();
    active.sequence = Set(current.sequence + 1);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    // Whoever does it: subscribers' calendars change.
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: match change {
                OccurrenceChange::Cancel => "event.cancel_occurrence",
                OccurrenceChange::Postpone => "event.postpone_occurrence",
                OccurrenceChange::Reinstate => "event.reinstate_occurrence",
                OccurrenceChange::MoveTo { .. } => "event.move_occurrence",
            },
            target_type: "event",
            target_id: Some(id.to_string()),
            detail: Some({
                let day = occurrence_start.with_timezone(&tz).format("%-d %B %Y");
                let title = &current.title;
                match (change, new_starts_at) {
                    (OccurrenceChange::MoveTo { .. }, Some(to)) => format!(
                        "moved the {day} occurrence of \u{201c}{title}\u{201d} to {}",
                        to.with_timezone(&tz).format("%-d %B %Y, %H:%M")
                    ),
                    (OccurrenceChange::Postpone, _) => {
                        format!("postponed the {day} occurrence of \u{201c}{title}\u{201d}")
                    }
                    (OccurrenceChange::Reinstate, _) => {
                        format!("reinstated the {day} occurrence of \u{201c}{title}\u{201d}")
                    }
                    _ => format!("cancelled the {day} occurrence of \u{201c}{title}\u{201d}"),
                }
            }),
        },
    )
    .await?;
    let told = match change {
        OccurrenceChange::Cancel => Change::Cancelled,
        OccurrenceChange::Postpone => Change::Postponed,
        OccurrenceChange::Reinstate => Change::Reinstated,
        OccurrenceChange::MoveTo { .. } => Change::Moved,
    };
    tell_of_change(
        &txn,
        actor,
        &updated,
        Some(occurrence_start),
        told,
        note.as_deref(),
        true,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
