//! What meetings tell people by e-mail: every member when the agenda of a meeting still to
//! come is published and when a meeting's minutes are published (written in the same
//! transaction as the change), an action's owners who are members when it is given to them,
//! and a round that reminds owners of their open actions a week before they are due and
//! once when they are overdue.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::meeting;
use entity::meeting_action::{self, ActionStatus};
use entity::{action_owner, agenda_item};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use crate::db::begin_write;
use crate::error::AppError;
use crate::meetings::views;
use crate::notify::outbox::{self, Mail};
use crate::notify::topics;
use crate::state::AppState;

/// The kinds of mail meetings send.
pub const KINDS: [&str; 4] = [
    "meeting-agenda",
    "meeting-minutes",
    "action-assigned",
    "action-due",
];

/// How often due and overdue actions are looked for.
const EVERY: StdDuration = StdDuration::from_secs(10 * 60);
/// Owners hear of an action this many days before it is due...
const DUE_IN: i64 = 7;
/// ...and once it is overdue, unless it was due longer ago than this (a site that starts
/// sending does not mail about years-old actions).
const OVERDUE_FOR_AT_MOST: i64 = 14;

fn meeting_data(m: &meeting::Model) -> serde_json::Value {
    serde_json::json!({
        "title": m.title,
        "place": m.place,
        "starts_at": m.starts_at.to_rfc3339(),
        "ends_at": m.ends_at.unwrap_or(m.starts_at).to_rfc3339(),
        "path": views::href(m),
    })
}

/// Every member but `actor` hears that the agenda of `m` is out, if `m` is still to come.
pub async fn agenda_published(
    txn: &impl ConnectionTrait,
    m: &meeting::Model,
    items: &[agenda_item::Model],
    actor: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if m.starts_at <= now || m.archived {
        return Ok(0);
    }
    let mut data = meeting_data(m);
    data["items"] = items
        .iter()
        .map(|i| {
            serde_json::json!({
                "start_time": i.start_time,
                "title": i.title,
                "presenters": i.presenters,
            })
        })
        .collect();
    data["round_robin"] = serde_json::Value::Bool(items.iter().any(|i| i.round_robin));
    to_members(txn, "meeting-agenda", data, m.id, actor, now).await
}

/// Every member but `actor` hears that the minutes of `m` are published, to be agreed at the
/// next meeting.
pub async fn minutes_published(
    txn: &impl ConnectionTrait,
    m: &meeting::Model,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if m.archived {
        return Ok(0);
    }
    let data = meeting_data(m);
    to_members(txn, "meeting-minutes", data, m.id, actor, now).await
}

async fn to_members(
    txn: &impl ConnectionTrait,
    kind: &str,
    data: serde_json::Value,
    meeting_id: i64,
    actor: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut written = 0;
    for to in outbox::members(txn, Some(actor)).await? {
        let queued = outbox::enqueue(
            txn,
            Mail {
                kind,
                topic: topics::MEETINGS,
                to: &to,
                data: data.clone(),
                dedupe_key: format!("{kind}:{meeting_id}:{}", to.user_id),
            },
            now,
        )
        .await?;
        if queued != outbox::Enqueued::Duplicate && queued != outbox::Enqueued::NotWanted {
            written += 1;
        }
    }
    Ok(written)
}

fn action_data(a: &meeting_action::Model, m: &meeting::Model, owners: &str) -> serde_json::Value {
    serde_json::json!({
        "number": format!("A{}", a.id),
        "text": a.text,
        "owners": owners,
        "due": a.due_on.map(|d| d.format("%-d %B %Y").to_string()),
        "meeting": m.title,
        "path": format!("/actions/{}", a.id),
    })
}

/// Each owner of `a` who is a member, but `actor`, hears that it is theirs.
pub async fn action_assigned(
    txn: &impl ConnectionTrait,
    a: &meeting_action::Model,
    m: &meeting::Model,
    owners: &str,
    member_ids: &[i64],
    actor: i64,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let mut written = 0;
    for &id in member_ids.iter().filter(|&&id| id != actor) {
        let Some(to) = outbox::recipient(txn, id).await? else {
            continue;
        };
        let queued = outbox::enqueue(
            txn,
            Mail {
                kind: "action-assigned",
                topic: topics::ACTIONS,
                to: &to,
                data: action_data(a, m, owners),
                dedupe_key: format!("action-assigned:{}:{id}", a.id),
            },
            now,
        )
        .await?;
        if queued == outbox::Enqueued::Queued || queued == outbox::Enqueued::ForSummary {
            written += 1;
        }
    }
    Ok(written)
}

/// Writes what is due now: to each member owning an open action due in `DUE_IN` days, and
/// once to each owning one that became overdue (within `OVERDUE_FOR_AT_MOST` days). Each
/// reminder is written once per action, owner and due date. Returns how many were written.
pub async fn send_due(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let today: NaiveDate = now.with_timezone(&state.config.time_zone).date_naive();
    let week = today + Duration::days(DUE_IN);
    let txn = begin_write(&state.db).await?;
    let actions = meeting_action::Entity::find()
        .filter(
            meeting_action::Column::Status.is_in([ActionStatus::Open, ActionStatus::InProgress]),
        )
        .filter(
            Condition::any()
                .add(meeting_action::Column::DueOn.eq(week))
                .add(meeting_action::Column::DueOn.lt(today).and(
                    meeting_action::Column::DueOn.gte(today - Duration::days(OVERDUE_FOR_AT_MOST)),
                )),
        )
        .all(&txn)
        .await?;
    let mut written = 0;
    if actions.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    let ids: Vec<i64> = actions.iter().map(|a| a.id).collect();
    let owners = action_owner::Entity::find()
        .filter(action_owner::Column::ActionId.is_in(ids))
        .all(&txn)
        .await?;
    let meetings =
        crate::meetings::queries::meetings_by_ids(&txn, actions.iter().map(|a| a.meeting_id))
            .await?;
    let people =
        crate::meetings::queries::users_by_ids(&txn, owners.iter().filter_map(|o| o.user_id))
            .await?;
    for a in &actions {
        let (Some(due), Some(m)) = (a.due_on, meetings.get(&a.meeting_id)) else {
            continue;
        };
        let mine: Vec<&action_owner::Model> =
            owners.iter().filter(|o| o.action_id == a.id).collect();
        let names = views::owners_text(&mine, &people);
        let overdue = due < today;
        for owner in mine.iter().filter_map(|o| o.user_id) {
            let Some(to) = outbox::recipient(&txn, owner).await? else {
                continue;
            };
            let mut data = action_data(a, m, &names);
            data["overdue"] = serde_json::Value::Bool(overdue);
            let queued = outbox::enqueue(
                &txn,
                Mail {
                    kind: "action-due",
                    topic: topics::ACTIONS,
                    to: &to,
                    data,
                    dedupe_key: format!(
                        "action-due:{}:{owner}:{due}:{}",
                        a.id,
                        if overdue { "overdue" } else { "week" }
                    ),
                },
                now,
            )
            .await?;
            if queued == outbox::Enqueued::Queued || queued == outbox::Enqueued::ForSummary {
                written += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(written)
}

/// Looks for due and overdue actions every ten minutes, from two minutes after start.
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        tokio::time::sleep(StdDuration::from_secs(120)).await;
        loop {
            match send_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(actions = n, "action reminders written"),
                Err(e) => tracing::warn!(error = %e, "action reminders could not be written"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }));
}
