//! What RSVP tells people by e-mail, besides a place from the waiting list
//! (`workflow::fill_places`): those going to (or waiting for) an event that was cancelled,
//! postponed, moved or changed, from the events' announcements; and a reminder the day
//! before, with the calendar entry attached.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::event::{self, EventStatus};
use entity::rsvp::{self, Response};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::calendar::ics::{Attending, FeedEvent, PartStat};
use crate::config::Config;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::notify::announce::Audience;
use crate::notify::outbox::{self, Mail};
use crate::notify::topics;
use crate::rsvp::{Rsvp, slots};
use crate::state::AppState;

/// Reminders go out this long before the start...
const REMIND_BEFORE: i64 = 24;
/// ...but not in its last hour, when a reminder is no use.
const TOO_LATE: i64 = 1;
/// How often reminders are looked for.
const EVERY: StdDuration = StdDuration::from_secs(10 * 60);

impl Audience for Rsvp {
    fn reach<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        kind: &'a str,
        data: &'a serde_json::Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<()>> {
        Box::pin(async move {
            if kind == "event-changed" {
                event_changed(txn, data, now).await?;
            }
            Ok(())
        })
    }
}

/// Tells everyone going to (or waiting for) the event, or the one date that changed, except
/// whoever changed it. For a change to a whole series, each person hears once, of their
/// next date.
async fn event_changed(
    txn: &DatabaseTransaction,
    data: &serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(e) = (match data["event_id"].as_i64() {
        Some(id) => event::Entity::find_by_id(id).one(txn).await?,
        None => None,
    }) else {
        return Ok(());
    };
    let change = data["change"].as_str().unwrap_or("changed");
    let actor = data["actor_id"].as_i64();
    let announcement = data["announcement_id"].as_i64().unwrap_or_default();
    let date = data["date"].as_str();
    let mut query = rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(e.id))
        .filter(rsvp::Column::Response.is_in([Response::Going, Response::Waiting]))
        .filter(rsvp::Column::UserId.is_not_null());
    if let Some(date) = date {
        query = query.filter(rsvp::Column::Occurrence.eq(date));
    }
    let rows = query
        .order_by_asc(rsvp::Column::Occurrence)
        .all(txn)
        .await?;
    let exceptions = crate::events::queries::exceptions_of(txn, &e).await?;
    let mut told = HashSet::new();
    for row in rows {
        let Some(member) = row.user_id else { continue };
        if Some(member) == actor || told.contains(&member) {
            continue;
        }
        let Some(slot) = slots::from_key(&e, &exceptions, &row.occurrence) else {
            continue;
        };
        if slot.is_over(now) {
            continue;
        }
        told.insert(member);
        let Some(to) = outbox::recipient(txn, member).await? else {
            continue;
        };
        outbox::enqueue(
            txn,
            Mail {
                kind: "event-changed",
                topic: topics::CHANGES,
                to: &to,
                data: serde_json::json!({
                    "title": e.title,
                    "cancelled": change == "cancelled",
                    "postponed": change == "postponed",
                    "moved": change == "moved",
                    "changed": change == "changed",
                    "reinstated": change == "reinstated",
                    "waiting": row.response == Response::Waiting,
                    "series": e.rrule.is_some() && date.is_none(),
                    "note": data["note"].as_str(),
                    "starts_at": slot.starts_at.to_rfc3339(),
                    "ends_at": slot.ends_at.to_rfc3339(),
                    "all_day": e.all_day,
                    "path": slot.href(&e),
                }),
                dedupe_key: format!("event-changed:{announcement}:{member}"),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// The event (or date) as a calendar file of one entry, with the member as its attendee.
async fn calendar_file(
    db: &impl ConnectionTrait,
    config: &Config,
    e: &event::Model,
    exceptions: &[entity::event_exception::Model],
    slot: &slots::Slot,
    to: &outbox::Recipient,
    now: DateTime<Utc>,
) -> AppResult<String> {
    let tags = crate::events::queries::tags_for(db, &[e.id])
        .await?
        .remove(&e.id)
        .unwrap_or_default();
    let item = Attending {
        fe: FeedEvent {
            event: e,
            tags: &tags,
            exceptions,
            url: config.absolute_url(&slot.href(e)),
        },
        original: slot.original,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        cancelled: slot.cancelled,
        partstat: PartStat::Accepted,
    };
    Ok(crate::calendar::feeds::personal(config, &to.name, &to.email, &[item], now).text())
}

/// Writes the reminders due now: for each event or date starting within the next day (but
/// not within the hour), to everyone going who answered before that day began. Each answer
/// is reminded once per start time. Returns how many were written.
pub async fn send_reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let soonest = now + Duration::hours(TOO_LATE);
    let latest = now + Duration::hours(REMIND_BEFORE);
    let txn = begin_write(&state.db).await?;
    // One-off events starting in the window, and dates of series near it (the key is the
    // planned local date, a day either way of the UTC dates).
    let one_offs: Vec<i64> = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::Rrule.is_null())
        .filter(event::Column::StartsAt.gt(soonest))
        .filter(event::Column::StartsAt.lte(latest))
        .all(&txn)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let first_day = slots::key_of(Some((now - Duration::days(1)).date_naive()));
    let last_day = slots::key_of(Some((latest + Duration::days(1)).date_naive()));
    let rows = rsvp::Entity::find()
        .filter(rsvp::Column::Response.eq(Response::Going))
        .filter(rsvp::Column::UserId.is_not_null())
        .filter(
            Condition::any()
                .add(
                    rsvp::Column::EventId
                        .is_in(one_offs)
                        .and(rsvp::Column::Occurrence.eq("")),
                )
                .add(
                    rsvp::Column::Occurrence
                        .gte(first_day)
                        .and(rsvp::Column::Occurrence.lte(last_day)),
                ),
        )
        .all(&txn)
        .await?;
    let mut written = 0;
    let mut events: Vec<(event::Model, Vec<entity::event_exception::Model>)> = Vec::new();
    for row in rows {
        let Some(member) = row.user_id else { continue };
        if !events.iter().any(|(e, _)| e.id == row.event_id) {
            let Some(e) = event::Entity::find_by_id(row.event_id).one(&txn).await? else {
                continue;
            };
            let x = crate::events::queries::exceptions_of(&txn, &e).await?;
            events.push((e, x));
        }
        let Some((e, x)) = events.iter().find(|(e, _)| e.id == row.event_id) else {
            continue;
        };
        if e.status != EventStatus::Published {
            continue;
        }
        let Some(slot) = slots::from_key(e, x, &row.occurrence) else {
            continue;
        };
        let start = slot.starts_at;
        if slot.cancelled
            || slot.postponed
            || start <= soonest
            || start > latest
            || row.created_at > start - Duration::hours(REMIND_BEFORE)
        {
            continue;
        }
        let Some(to) = outbox::recipient(&txn, member).await? else {
            continue;
        };
        let ics = calendar_file(&txn, &state.config, e, x, &slot, &to, now).await?;
        let name = format!("{}.ics", e.slug);
        let queued = outbox::enqueue(
            &txn,
            Mail {
                kind: "rsvp-reminder",
                topic: topics::REMINDERS,
                to: &to,
                data: serde_json::json!({
                    "title": e.title,
                    "starts_at": slot.starts_at.to_rfc3339(),
                    "ends_at": slot.ends_at.to_rfc3339(),
                    "all_day": e.all_day,
                    "path": slot.href(e),
                    "extra_label": e.extra_label,
                    "extra": row.extra,
                    "attach": {
                        "name": name,
                        "type": "text/calendar; charset=utf-8; method=PUBLISH",
                        "text": ics,
                    },
                }),
                dedupe_key: format!("rsvp-reminder:{}:{}", row.id, start.timestamp()),
            },
            now,
        )
        .await?;
        if queued == outbox::Enqueued::Queued {
            written += 1;
        }
    }
    txn.commit().await?;
    Ok(written)
}

/// Looks for due reminders every ten minutes, from a minute after the server starts.
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        tokio::time::sleep(StdDuration::from_secs(60)).await;
        loop {
            match send_reminders(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "reminders written"),
                Err(e) => tracing::warn!(error = %e, "reminders could not be written"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }));
}
