//! Sending the outbox. Each round takes a few due messages under a lease (status "sending"
//! until `locked_until`), in a transaction of its own: on PostgreSQL with `FOR UPDATE SKIP
//! LOCKED`, so that several instances never take the same message; on SQLite inside a write
//! transaction, which is one at a time anyway. Each message is then rendered and handed to
//! the mail server, and marked sent; a failure the server calls permanent (or a template
//! error) gives up at once ("dead", shown to admins), any other is tried again later with a
//! growing pause, and after `MAX_ATTEMPTS` given up. A worker that dies mid-send leaves its
//! lease to run out, and the message is tried again: it keeps its `Message-ID`, so the rare
//! duplicate this allows is recognisable as one.

use std::collections::HashMap;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use entity::outbox::{self, Status};
use entity::user;
use futures_util::StreamExt;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::config::{SmtpConfig, SmtpSecurity};
use crate::db::begin_write;
use crate::error::AppError;
use crate::notify::compose;
use crate::state::AppState;

/// Messages taken per round.
const BATCH: u64 = 20;
/// Messages of a round handed to the mail server at once.
const PARALLEL: usize = 4;
/// How long a worker may hold a message before another may take it.
const LEASE: i64 = 5 * 60;
/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: i32 = 8;
/// How often an idle worker looks for due messages.
const POLL: StdDuration = StdDuration::from_secs(2);

/// The pause before the next attempt: 30 s, 2 min, 8 min, ... at most 6 hours.
pub fn backoff(attempts: i32) -> Duration {
    let step = attempts.clamp(1, 10) - 1;
    Duration::seconds(std::cmp::min(30 * 4_i64.pow(step as u32), 6 * 3600))
}

/// The connection to the mail server, as configured.
pub fn transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let builder = match smtp.security {
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| e.to_string())?,
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host).map_err(|e| e.to_string())?
        }
    };
    let mut builder = builder.port(smtp.port).timeout(Some(smtp.timeout));
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    Ok(builder.build())
}

/// Queued messages whose time has come, and those whose sender's lease ran out.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            outbox::Column::Status
                .eq(Status::Queued)
                .and(outbox::Column::NextAttemptAt.lte(now)),
        )
        .add(
            outbox::Column::Status
                .eq(Status::Sending)
                .and(outbox::Column::LockedUntil.lt(now)),
        )
}

/// Takes up to `BATCH` due messages: queued ones whose time has come, and those whose
/// sender's lease ran out.
async fn claim(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<outbox::Model>, AppError> {
    // Most rounds find nothing: a plain read first keeps them from taking the write lock.
    if outbox::Entity::find()
        .filter(due(now))
        .one(db)
        .await?
        .is_none()
    {
        return Ok(Vec::new());
    }
    let txn = begin_write(db).await?;
    let taken = outbox::Entity::find()
        .filter(due(now))
        .order_by_asc(outbox::Column::Id)
        .limit(BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .all(&txn)
        .await?;
    if taken.is_empty() {
        return Ok(taken);
    }
    let ids: Vec<i64> = taken.iter().map(|m| m.id).collect();
    outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(Status::Sending))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(now + Duration::seconds(LEASE)),
        )
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    let claimed = outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(ids))
        .order_by_asc(outbox::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(claimed)
}

/// The unsubscribe secrets of the recipients of `rows`.
async fn unsubscribe_tokens(
    db: &DatabaseConnection,
    rows: &[outbox::Model],
) -> Result<HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id, u.mail_token?)))
        .collect())
}

/// What became of one message.
enum Result_ {
    Sent(String),
    Retry(String, String),
    Dead(Option<String>, String),
}

/// One round: takes the due messages and sends each. Returns how many were sent.
pub async fn run_once(
    state: &AppState,
    smtp: &SmtpConfig,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
) -> Result<usize, AppError> {
    Ok(round(state, smtp, mailer).await?.1)
}

/// One round: how many messages were taken, and how many of them were sent. Up to
/// `PARALLEL` are handed to the mail server at once, each on its own connection (a message's
/// wait for the server, about 40 ms even on loopback, then overlaps the others'); each is
/// marked as soon as its answer comes.
async fn round(
    state: &AppState,
    smtp: &SmtpConfig,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
) -> Result<(usize, usize), AppError> {
    let now = state.clock.now();
    let claimed = claim(&state.db, now).await?;
    let taken = claimed.len();
    let tokens = unsubscribe_tokens(&state.db, &claimed).await?;
    let mut answers = futures_util::stream::iter(claimed.into_iter().map(|row| {
        let token = row.user_id.and_then(|id| tokens.get(&id).cloned());
        async move {
            let result = deliver(state, smtp, mailer, &row, token.as_deref()).await;
            (row, result)
        }
    }))
    .buffer_unordered(PARALLEL);
    let mut sent = 0;
    while let Some((row, result)) = answers.next().await {
        if record(state, &row, result).await? {
            sent += 1;
        }
    }
    Ok((taken, sent))
}

/// Renders one message and hands it to the mail server.
async fn deliver(
    state: &AppState,
    smtp: &SmtpConfig,
    mailer: &AsyncSmtpTransport<Tokio1Executor>,
    row: &outbox::Model,
    token: Option<&str>,
) -> Result_ {
    let composed = match compose::compose(&state.templates, &state.config, row, token) {
        Err(e) => return Result_::Dead(None, e),
        Ok(composed) => composed,
    };
    let message = match compose::message(&state.config, &smtp.from, row, &composed, token) {
        Err(e) => return Result_::Dead(Some(composed.subject), e),
        Ok(message) => message,
    };
    match mailer.send(message).await {
        Ok(_) => Result_::Sent(composed.subject),
        Err(e) if e.is_permanent() => {
            Result_::Dead(Some(composed.subject), format!("refused: {e}"))
        }
        Err(e) if row.attempts >= MAX_ATTEMPTS => Result_::Dead(
            Some(composed.subject),
            format!("gave up after {} attempts: {e}", row.attempts),
        ),
        Err(e) => Result_::Retry(composed.subject, e.to_string()),
    }
}

/// Writes down what became of a message. Returns whether it was sent.
async fn record(state: &AppState, row: &outbox::Model, result: Result_) -> Result<bool, AppError> {
    let now = state.clock.now();
    let mut active: outbox::ActiveModel = row.clone().into();
    active.locked_until = Set(None);
    let sent = matches!(result, Result_::Sent(_));
    match result {
        Result_::Sent(subject) => {
            tracing::info!(id = row.id, kind = %row.kind, "mail sent");
            active.subject = Set(Some(subject));
            active.status = Set(Status::Sent);
            active.sent_at = Set(Some(now));
            active.last_error = Set(None);
        }
        Result_::Retry(subject, error) => {
            let wait = backoff(row.attempts);
            tracing::warn!(id = row.id, kind = %row.kind, attempts = row.attempts, retry_in_secs = wait.num_seconds(), %error, "mail not sent; will try again");
            active.subject = Set(Some(subject));
            active.status = Set(Status::Queued);
            active.next_attempt_at = Set(now + wait);
            active.last_error = Set(Some(error));
        }
        Result_::Dead(subject, error) => {
            tracing::warn!(id = row.id, kind = %row.kind, %error, "mail given up on");
            if subject.is_some() {
                active.subject = Set(subject);
            }
            active.status = Set(Status::Dead);
            active.last_error = Set(Some(error));
        }
    }
    active.update(&state.db).await?;
    Ok(sent)
}

/// Sends the outbox for as long as the server runs, when SMTP is configured.
pub fn spawn(state: AppState) {
    let Some(smtp) = state.config.smtp.clone() else {
        tracing::info!("no SMTP server configured: mail stays in the outbox (/admin/outbox)");
        return;
    };
    let mailer = match transport(&smtp) {
        Ok(mailer) => mailer,
        Err(e) => {
            tracing::error!(error = %e, "cannot set up sending mail; it stays in the outbox");
            return;
        }
    };
    tokio::spawn(crate::db::in_background(async move {
        loop {
            match round(&state, &smtp, &mailer).await {
                // A full batch (whatever became of each): more may be waiting.
                Ok((taken, _)) if taken as u64 == BATCH => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "the outbox could not be read"),
            }
            tokio::time::sleep(POLL).await;
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(120));
        assert_eq!(backoff(3), Duration::seconds(480));
        assert_eq!(backoff(8), Duration::hours(6));
        assert!((1..20).all(|n| backoff(n) <= backoff(n + 1)));
    }
}
