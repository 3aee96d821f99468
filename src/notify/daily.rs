//! The daily summary, for members who take mail once a day: from 07:00 in the site's time
//! zone, every message waiting for them (`held`) is rendered and gathered into one e-mail,
//! and each is marked as sent in it. One summary per member and day (a dedupe key), written
//! in one transaction with the marking, so nothing is summarised twice or lost.

use std::collections::BTreeMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, NaiveTime, Utc};
use entity::outbox::{self, Status};
use entity::user;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::db::begin_write;
use crate::error::AppError;
use crate::notify::outbox::{Enqueued, Mail, Recipient, enqueue};
use crate::notify::{compose, topics};
use crate::state::AppState;

/// The summary goes from this time each day (site time zone).
const SEND_FROM: (u32, u32) = (7, 0);
/// How often the job looks.
const EVERY: StdDuration = StdDuration::from_secs(10 * 60);

/// The day a summary belongs to ("2026-11-28"), if one is due at `now`.
pub fn due_day(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<String> {
    let local = now.with_timezone(&tz);
    let from = NaiveTime::from_hms_opt(SEND_FROM.0, SEND_FROM.1, 0)?;
    (local.time() >= from).then(|| local.date_naive().format("%Y-%m-%d").to_string())
}

/// Writes the summaries due now. Returns how many were written.
pub async fn send(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let Some(day) = due_day(now, state.config.time_zone) else {
        return Ok(0);
    };
    let txn = begin_write(&state.db).await?;
    let held = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(Status::Held))
        .order_by_asc(outbox::Column::Id)
        .all(&txn)
        .await?;
    let mut by_person: BTreeMap<i64, Vec<outbox::Model>> = BTreeMap::new();
    for m in held {
        if let Some(id) = m.user_id {
            by_person.entry(id).or_default().push(m);
        }
    }
    let mut written = 0;
    for (person, messages) in by_person {
        let Some(to) = user::Entity::find_by_id(person)
            .one(&txn)
            .await?
            .as_ref()
            .and_then(Recipient::of)
        else {
            continue;
        };
        let mut items = Vec::new();
        for m in &messages {
            match compose::compose(&state.templates, &state.config, m, None) {
                Ok(c) => items.push(serde_json::json!({
                    "subject": c.subject,
                    // The message without its signature and links to stop mail: the
                    // summary has its own.
                    "text": c.text.split("\n-- \n").next().unwrap_or_default().trim(),
                })),
                Err(e) => {
                    tracing::warn!(id = m.id, error = %e, "a held message cannot be written into the summary")
                }
            }
        }
        let queued = enqueue(
            &txn,
            Mail {
                kind: "daily",
                topic: topics::ALL,
                to: &to,
                data: serde_json::json!({
                    "items": items,
                    "count": items.len(),
                    "path": crate::notify::compose::PREFERENCES,
                }),
                dedupe_key: format!("daily:{day}:{person}"),
            },
            now,
        )
        .await?;
        if queued == Enqueued::Duplicate {
            // Today's summary went already: these wait for tomorrow's.
            continue;
        }
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(Status::Summarised))
            .col_expr(outbox::Column::SentAt, Expr::value(now))
            .filter(outbox::Column::Id.is_in(ids))
            .filter(outbox::Column::Status.eq(Status::Held))
            .exec(&txn)
            .await?;
        written += 1;
    }
    txn.commit().await?;
    Ok(written)
}

/// Looks every ten minutes whether summaries are due, from a minute after start.
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        tokio::time::sleep(StdDuration::from_secs(60)).await;
        loop {
            match send(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(summaries = n, "daily summaries written"),
                Err(e) => tracing::warn!(error = %e, "daily summaries could not be written"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }));
}
