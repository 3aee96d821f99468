//! Changes that concern people the changing feature does not know. Events do not know who
//! is going to them (RSVP builds on events, not the other way round), yet attendees must
//! hear that an event was cancelled. So the change writes an announcement in its own
//! transaction (nothing is lost if the process stops), and a background round hands each
//! announcement to every registered [`Audience`] (`AppState::audiences`), which writes one
//! message per person it knows, in one transaction with marking the announcement done (so
//! each is handled once, by one instance: `FOR UPDATE SKIP LOCKED` on PostgreSQL).

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use entity::announcement;
use futures_util::future::BoxFuture;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Announcements handled per round.
const BATCH: u64 = 20;
/// How often the announcements are looked at.
const POLL: StdDuration = StdDuration::from_secs(2);

/// Someone who knows people an announcement concerns, and writes their messages.
pub trait Audience: Send + Sync {
    /// Writes the messages `announcement` calls for (none if it is not about this
    /// audience), inside `txn`.
    fn reach<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        kind: &'a str,
        data: &'a serde_json::Value,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<()>>;
}

/// Writes an announcement inside the caller's transaction.
pub async fn announce(
    db: &impl ConnectionTrait,
    kind: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    announcement::ActiveModel {
        kind: Set(kind.to_string()),
        data: Set(data.to_string()),
        created_at: Set(now),
        done_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// One round: the oldest waiting announcements, each handed to every audience. Returns how
/// many were handled.
pub async fn run_once(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    // Most rounds find nothing: a plain read first keeps them from taking the write lock.
    let pending = announcement::Entity::find()
        .filter(announcement::Column::DoneAt.is_null())
        .one(&state.db)
        .await?;
    if pending.is_none() {
        return Ok(0);
    }
    let txn = begin_write(&state.db).await?;
    let waiting = announcement::Entity::find()
        .filter(announcement::Column::DoneAt.is_null())
        .order_by_asc(announcement::Column::Id)
        .limit(BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    for a in &waiting {
        let mut data: serde_json::Value = serde_json::from_str(&a.data).unwrap_or_else(|e| {
            tracing::warn!(id = a.id, error = %e, "an announcement's data cannot be read");
            serde_json::Value::Null
        });
        if data.is_object() {
            // What messages name in their dedupe keys: one per announcement and person.
            data["announcement_id"] = serde_json::Value::from(a.id);
            for audience in state.audiences.iter() {
                audience.reach(&txn, &a.kind, &data, now).await?;
            }
        }
        let mut active: announcement::ActiveModel = a.clone().into();
        active.done_at = Set(Some(now));
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(waiting.len())
}

/// Hands out announcements for as long as the server runs (with or without a mail server:
/// messages wait in the outbox either way).
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        loop {
            match run_once(&state).await {
                Ok(n) if n as u64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "announcements could not be handled"),
            }
            tokio::time::sleep(POLL).await;
        }
    }));
}
