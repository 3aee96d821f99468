//! Changing answers: answering, changing and withdrawing, guests, attendance, the places and
//! deadline, erasing a member's history, their feed's secret. Each change is one transaction
//! that first locks the event's row (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's write
//! transactions are one at a time already), so that answers to one event are decided one
//! after another: never more going than the places, whatever arrives at once.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use entity::rsvp::{self, Response};
use entity::{event, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;
use crate::rsvp::forms::{Answer, AnswerInput, GuestInput, SettingsInput};
use crate::rsvp::policy;
use crate::rsvp::queries;
use crate::rsvp::slots::{self, Slot};

/// Where an answer left someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Going,
    /// On the waiting list, at this place in line (1 is next).
    Waiting(u64),
    Apologies,
    Withdrawn,
}

/// An answer taken, and whoever moved up from the waiting list because of it.
#[derive(Debug)]
pub struct Answered {
    pub outcome: Outcome,
    pub promoted: Vec<rsvp::Model>,
}

async fn lock_event(txn: &DatabaseTransaction, id: i64) -> Result<event::Model, AppError> {
    event::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)
}

async fn exceptions(
    txn: &DatabaseTransaction,
    e: &event::Model,
) -> Result<Vec<entity::event_exception::Model>, AppError> {
    Ok(crate::events::queries::exceptions_of(txn, e).await?)
}

async fn slot_of(
    txn: &DatabaseTransaction,
    e: &event::Model,
    date: Option<NaiveDate>,
) -> Result<Slot, AppError> {
    slots::resolve(e, &exceptions(txn, e).await?, date).ok_or(AppError::NotFound)
}

/// Whether answers may still change: not for a cancelled date, nor once they have closed.
/// A postponed event takes no new "Going" until it has its new date.
pub fn ensure_open(
    e: &event::Model,
    slot: &Slot,
    answer: Answer,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if slot.cancelled {
        return Err(AppError::Conflict(if slot.date.is_some() {
            "This date is cancelled, so it takes no answers.".into()
        } else {
            "This event is cancelled, so it takes no answers.".into()
        }));
    }
    if slot.is_over(now) {
        return Err(AppError::Conflict(
            "This has taken place, so it takes no more answers.".into(),
        ));
    }
    if now >= slot.starts_at {
        return Err(AppError::Conflict(
            "This has started, so answers are closed.".into(),
        ));
    }
    if now >= slot.closes_at(e) {
        return Err(AppError::Conflict(
            "Answers for this have closed: the organiser set a deadline before the start. Contact them if your plans changed.".into(),
        ));
    }
    if slot.postponed && answer == Answer::Going {
        return Err(AppError::Conflict(
            "This is postponed: answers open again when it has its new date.".into(),
        ));
    }
    Ok(())
}

/// The time a new answer is queued at: now, or just after the latest answer to this event or
/// date if that is later. The clock was read before the event's lock was granted, so a
/// request that waited longer could carry an earlier time than one served before it; the
/// line must follow the order in which answers were decided.
async fn in_line_after(
    txn: &DatabaseTransaction,
    e: &event::Model,
    key: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let latest: Option<Option<DateTime<Utc>>> = rsvp::Entity::find()
        .select_only()
        .column_as(Expr::col(rsvp::Column::QueuedAt).max(), "latest")
        .filter(rsvp::Column::EventId.eq(e.id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .into_tuple()
        .one(txn)
        .await?;
    // Whole microseconds: what PostgreSQL keeps.
    let now = now
        .with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now);
    Ok(match latest.flatten() {
        Some(latest) if latest >= now => latest + chrono::Duration::microseconds(1),
        _ => now,
    })
}

/// Moves the first in line up while there are places, in the order they asked.
async fn fill_places(
    txn: &DatabaseTransaction,
    e: &event::Model,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<rsvp::Model>, AppError> {
    let free = match e.capacity {
        Some(capacity) => {
            let going = queries::going_count(txn, e.id, key).await?;
            u64::try_from(capacity).unwrap_or(0).saturating_sub(going)
        }
        None => u64::MAX,
    };
    if free == 0 {
        return Ok(Vec::new());
    }
    let mut next = rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(e.id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .filter(rsvp::Column::Response.eq(Response::Waiting))
        .order_by_asc(rsvp::Column::QueuedAt)
        .order_by_asc(rsvp::Column::Id);
    if free != u64::MAX {
        next = next.limit(free);
    }
    let mut promoted = Vec::new();
    for row in next.all(txn).await? {
        let mut active: rsvp::ActiveModel = row.into();
        active.response = Set(Response::Going);
        active.updated_at = Set(now);
        let row = active.update(txn).await?;
        notify_promoted(txn, e, &row, now).await?;
        promoted.push(row);
    }
    Ok(promoted)
}

/// Tells a member who moved up from the waiting list that the place is theirs.
async fn notify_promoted(
    txn: &DatabaseTransaction,
    e: &event::Model,
    row: &rsvp::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(member) = row.user_id else {
        return Ok(());
    };
    let Some(to) = crate::notify::outbox::recipient(txn, member).await? else {
        return Ok(());
    };
    let slot = slots::from_key(e, &exceptions(txn, e).await?, &row.occurrence);
    let (starts_at, ends_at, path) = match &slot {
        Some(slot) => (slot.starts_at, slot.ends_at, slot.href(e)),
        None => (e.starts_at, e.ends_at, format!("/events/{}", e.slug)),
    };
    crate::notify::outbox::enqueue(
        txn,
        crate::notify::outbox::Mail {
            kind: "rsvp-promoted",
            topic: crate::notify::topics::PLACES,
            to: &to,
            data: serde_json::json!({
                "title": e.title,
                "starts_at": starts_at.to_rfc3339(),
                "ends_at": ends_at.to_rfc3339(),
                "all_day": e.all_day,
                "path": path,
            }),
            dedupe_key: format!("rsvp-promoted:{}:{}", row.id, now.timestamp_micros()),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Going if there is a place, else next on the waiting list.
async fn place_or_queue(
    txn: &DatabaseTransaction,
    e: &event::Model,
    key: &str,
) -> Result<Response, AppError> {
    let full = match e.capacity {
        Some(capacity) => {
            queries::going_count(txn, e.id, key).await? >= u64::try_from(capacity).unwrap_or(0)
        }
        None => false,
    };
    Ok(if full {
        Response::Waiting
    } else {
        Response::Going
    })
}

async fn outcome_of(txn: &DatabaseTransaction, row: &rsvp::Model) -> Result<Outcome, AppError> {
    Ok(match row.response {
        Response::Going => Outcome::Going,
        Response::Waiting => Outcome::Waiting(queries::position(txn, row).await?),
        Response::Apologies => Outcome::Apologies,
    })
}

/// A member answers for an event, or for one date of a series.
pub async fn answer(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i64,
    date: Option<NaiveDate>,
    input: &AnswerInput,
    now: DateTime<Utc>,
) -> Result<Answered, AppError> {
    let txn = begin_write(db).await?;
    let e = lock_event(&txn, event_id).await?;
    policy::ensure_can_answer(actor, &e)?;
    let slot = slot_of(&txn, &e, date).await?;
    ensure_open(&e, &slot, input.answer, now)?;
    let now = in_line_after(&txn, &e, &slot.key, now).await?;
    let existing = queries::answer_of(&txn, e.id, &slot.key, actor.id).await?;
    let was_going = existing
        .as_ref()
        .is_some_and(|r| r.response == Response::Going);
    let answered = match input.answer {
        Answer::Withdraw => {
            if let Some(row) = existing {
                rsvp::Entity::delete_by_id(row.id).exec(&txn).await?;
            }
            Answered {
                outcome: Outcome::Withdrawn,
                promoted: Vec::new(),
            }
        }
        Answer::Going | Answer::CantCome => {
            let going = input.answer == Answer::Going;
            // Someone already going or in line keeps their place; a new "Going" queues.
            let (response, queued_at) = match (&existing, going) {
                (Some(r), true) if r.response != Response::Apologies => (r.response, r.queued_at),
                (_, true) => (place_or_queue(&txn, &e, &slot.key).await?, now),
                (Some(r), false) => (Response::Apologies, r.queued_at),
                (None, false) => (Response::Apologies, now),
            };
            let row = match existing {
                Some(row) => {
                    let mut active: rsvp::ActiveModel = row.into();
                    active.response = Set(response);
                    active.extra = Set(input.extra);
                    active.note = Set(input.note.clone());
                    active.queued_at = Set(queued_at);
                    active.updated_at = Set(now);
                    active.update(&txn).await?
                }
                None => {
                    rsvp::ActiveModel {
                        event_id: Set(e.id),
                        occurrence: Set(slot.key.clone()),
                        user_id: Set(Some(actor.id)),
                        response: Set(response),
                        extra: Set(input.extra),
                        note: Set(input.note.clone()),
                        queued_at: Set(queued_at),
                        created_at: Set(now),
                        updated_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                }
            };
            Answered {
                outcome: outcome_of(&txn, &row).await?,
                promoted: Vec::new(),
            }
        }
    };
    let promoted = if was_going && input.answer != Answer::Going {
        fill_places(&txn, &e, &slot.key, now).await?
    } else {
        Vec::new()
    };
    txn.commit().await?;
    Ok(Answered {
        promoted,
        ..answered
    })
}

/// An organiser adds someone without an account: going if there is a place, else in line.
pub async fn add_guest(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i64,
    date: Option<NaiveDate>,
    guest: &GuestInput,
    now: DateTime<Utc>,
) -> Result<Outcome, AppError> {
    let txn = begin_write(db).await?;
    let e = lock_event(&txn, event_id).await?;
    policy::ensure_can_manage(actor, &e)?;
    let slot = slot_of(&txn, &e, date).await?;
    if slot.cancelled {
        return Err(AppError::Conflict(
            "This is cancelled, so nobody can be added.".into(),
        ));
    }
    if slot.is_over(now) {
        return Err(AppError::Conflict(
            "This has ended, so nobody can be added.".into(),
        ));
    }
    let now = in_line_after(&txn, &e, &slot.key, now).await?;
    let response = place_or_queue(&txn, &e, &slot.key).await?;
    let organisation = match &guest.organisation {
        Some(typed) => crate::organisations::service::link(&txn, typed, now).await?,
        None => None,
    };
    let row = rsvp::ActiveModel {
        event_id: Set(e.id),
        occurrence: Set(slot.key.clone()),
        user_id: Set(None),
        guest_name: Set(Some(guest.name.clone())),
        guest_organisation: Set(organisation.as_ref().map(|o| o.name.clone())),
        guest_organisation_id: Set(organisation.map(|o| o.id)),
        guest_email: Set(guest.email.clone()),
        added_by: Set(Some(actor.id)),
        response: Set(response),
        extra: Set(guest.extra),
        queued_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let outcome = outcome_of(&txn, &row).await?;
    txn.commit().await?;
    Ok(outcome)
}

/// The answer `rsvp_id` of event `event_id`, with the event locked, for its organisers.
async fn managed_answer(
    txn: &DatabaseTransaction,
    actor: &Actor,
    event_id: i64,
    rsvp_id: i64,
) -> Result<(event::Model, rsvp::Model), AppError> {
    let e = lock_event(txn, event_id).await?;
    policy::ensure_can_manage(actor, &e)?;
    let row = rsvp::Entity::find_by_id(rsvp_id)
        .filter(rsvp::Column::EventId.eq(e.id))
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((e, row))
}

/// Ticks (or unticks) someone as here, at the door.
pub async fn check_in(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i64,
    rsvp_id: i64,
    here: bool,
    now: DateTime<Utc>,
) -> Result<rsvp::Model, AppError> {
    let txn = begin_write(db).await?;
    let (_, row) = managed_answer(&txn, actor, event_id, rsvp_id).await?;
    if row.response == Response::Apologies && here {
        return Err(AppError::Conflict(
            "They sent their apologies; add them as a guest if they came after all.".into(),
        ));
    }
    let previous = row.checked_in_at;
    let mut active: rsvp::ActiveModel = row.into();
    // Ticking twice keeps the first time.
    active.checked_in_at = Set(match (here, previous) {
        (true, Some(at)) => Some(at),
        (true, None) => Some(now),
        (false, _) => None,
    });
    active.updated_at = Set(now);
    let row = active.update(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// An organiser takes an answer off the list (a guest added by mistake, someone who told
/// them they cannot come); the first in line moves up.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i64,
    rsvp_id: i64,
    now: DateTime<Utc>,
) -> Result<(rsvp::Model, Vec<rsvp::Model>), AppError> {
    let txn = begin_write(db).await?;
    let (e, row) = managed_answer(&txn, actor, event_id, rsvp_id).await?;
    rsvp::Entity::delete_by_id(row.id).exec(&txn).await?;
    let promoted = if row.response == Response::Going {
        fill_places(&txn, &e, &row.occurrence, now).await?
    } else {
        Vec::new()
    };
    if let Some(member) = row.user_id.filter(|id| *id != actor.id) {
        let name = user::Entity::find_by_id(member)
            .one(&txn)
            .await?
            .map_or_else(|| "a member".to_string(), |u| u.display_name);
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "rsvp.remove",
                target_type: "event",
                target_id: Some(e.id.to_string()),
                detail: Some(format!(
                    "removed {name}'s answer to \u{201c}{}\u{201d}{}",
                    e.title,
                    date_words(&row.occurrence)
                )),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok((row, promoted))
}

fn date_words(key: &str) -> String {
    NaiveDate::parse_from_str(key, "%Y-%m-%d")
        .map(|d| format!(" on {}", d.format("%-d %B %Y")))
        .unwrap_or_default()
}

/// Who would lose their place on one date if the places went down.
#[derive(Debug, Clone)]
pub struct WouldMove {
    pub slot: Slot,
    pub people: Vec<(rsvp::Model, Option<user::Model>)>,
}

#[derive(Debug)]
pub enum SettingsOutcome {
    Saved {
        /// Moved up from waiting lists.
        promoted: usize,
        /// Moved to the front of waiting lists, after the organiser confirmed.
        moved: usize,
    },
    /// Fewer places than people going: nothing changed; these would be moved to the waiting
    /// list (at its front, in the order they answered), if the organiser confirms.
    NeedsConfirmation(Vec<WouldMove>),
}

/// The dates (or the event) that have not ended and have answers, for changes of places.
async fn open_slots(
    txn: &DatabaseTransaction,
    e: &event::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Slot>, AppError> {
    let keys: Vec<String> = rsvp::Entity::find()
        .select_only()
        .column(rsvp::Column::Occurrence)
        .distinct()
        .filter(rsvp::Column::EventId.eq(e.id))
        .filter(rsvp::Column::Response.is_in([Response::Going, Response::Waiting]))
        .into_tuple()
        .all(txn)
        .await?;
    let exceptions = exceptions(txn, e).await?;
    let mut open: Vec<Slot> = keys
        .iter()
        .filter_map(|key| slots::from_key(e, &exceptions, key))
        .filter(|slot| !slot.is_over(now))
        .collect();
    open.sort_by_key(|s| s.starts_at);
    Ok(open)
}

/// The organiser changes the places, the extra or the deadline. Places never go below the
/// number going without the organiser's confirmation, given after seeing who would move.
pub async fn update_settings(
    db: &DatabaseConnection,
    actor: &Actor,
    event_id: i64,
    input: &SettingsInput,
    confirmed: bool,
    now: DateTime<Utc>,
) -> Result<SettingsOutcome, AppError> {
    let txn = begin_write(db).await?;
    let e = lock_event(&txn, event_id).await?;
    policy::ensure_can_manage(actor, &e)?;
    let open = open_slots(&txn, &e, now).await?;
    let mut would_move = Vec::new();
    if let Some(capacity) = input.capacity {
        let capacity = u64::try_from(capacity).unwrap_or(0);
        for slot in &open {
            let going: Vec<(rsvp::Model, Option<user::Model>)> =
                queries::attendees(&txn, e.id, &slot.key)
                    .await?
                    .into_iter()
                    .filter(|(r, _)| r.response == Response::Going)
                    .collect();
            if going.len() as u64 > capacity {
                // The last to answer lose their places first.
                let people = going[capacity as usize..].to_vec();
                would_move.push(WouldMove {
                    slot: slot.clone(),
                    people,
                });
            }
        }
    }
    if !would_move.is_empty() && !confirmed {
        return Ok(SettingsOutcome::NeedsConfirmation(would_move));
    }
    let mut moved = 0;
    for group in &would_move {
        for (row, _) in &group.people {
            let mut active: rsvp::ActiveModel = row.clone().into();
            // They keep when they answered, so they are first in line.
            active.response = Set(Response::Waiting);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            moved += 1;
        }
    }
    let mut active: event::ActiveModel = e.clone().into();
    active.capacity = Set(input.capacity);
    active.lunch_provided = Set(input.offers_extra);
    active.extra_label = Set(input.extra_label.clone());
    active.rsvp_closes_hours = Set(input.closes_hours);
    let e = active.update(&txn).await?;
    let mut promoted = 0;
    for slot in &open {
        promoted += fill_places(&txn, &e, &slot.key, now).await?.len();
    }
    if moved > 0 {
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "rsvp.lower_capacity",
                target_type: "event",
                target_id: Some(e.id.to_string()),
                detail: Some(format!(
                    "lowered the places of \u{201c}{}\u{201d} to {}, moving {moved} {} to the waiting list",
                    e.title,
                    input.capacity.unwrap_or_default(),
                    if moved == 1 { "person" } else { "people" }
                )),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(SettingsOutcome::Saved { promoted, moved })
}

/// What erasing a member's history did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Answers for what is still to come, withdrawn (their places passed on).
    pub withdrawn: usize,
    /// Past answers kept only as numbers: no name, no note.
    pub anonymised: usize,
}

/// A member erases their RSVP history: answers for what is to come are withdrawn, past ones
/// lose everything that says who gave them, so the counts stay right.
pub async fn erase_history(
    db: &DatabaseConnection,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Erased, AppError> {
    let txn = begin_write(db).await?;
    let rows = rsvp::Entity::find()
        .filter(rsvp::Column::UserId.eq(actor.id))
        .order_by_asc(rsvp::Column::EventId)
        .all(&txn)
        .await?;
    let mut erased = Erased::default();
    let mut event_ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    event_ids.dedup();
    for event_id in event_ids {
        // In id order, as every other writer locks one event at a time.
        let e = lock_event(&txn, event_id).await?;
        let exceptions = exceptions(&txn, &e).await?;
        for row in rows.iter().filter(|r| r.event_id == event_id) {
            let to_come = slots::from_key(&e, &exceptions, &row.occurrence)
                .is_some_and(|slot| !slot.is_over(now));
            if to_come {
                rsvp::Entity::delete_by_id(row.id).exec(&txn).await?;
                if row.response == Response::Going {
                    fill_places(&txn, &e, &row.occurrence, now).await?;
                }
                erased.withdrawn += 1;
            } else {
                let mut active: rsvp::ActiveModel = row.clone().into();
                active.user_id = Set(None);
                active.note = Set(None);
                active.updated_at = Set(now);
                active.update(&txn).await?;
                erased.anonymised += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(erased)
}

/// The secret of a member's personal feed address, made the first time it is asked for.
pub async fn calendar_token(db: &DatabaseConnection, user_id: i64) -> Result<String, AppError> {
    let txn = begin_write(db).await?;
    let person = user::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(token) = person.calendar_token.clone() {
        return Ok(token);
    }
    let token = crate::secret::random_token();
    let mut active: user::ActiveModel = person.into();
    active.calendar_token = Set(Some(token.clone()));
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(token)
}

/// A new secret: the old address stops working at once.
pub async fn reset_calendar_token(
    db: &DatabaseConnection,
    user_id: i64,
) -> Result<String, AppError> {
    let txn = begin_write(db).await?;
    let person = user::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = crate::secret::random_token();
    let mut active: user::ActiveModel = person.into();
    active.calendar_token = Set(Some(token.clone()));
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(token)
}
