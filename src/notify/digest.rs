//! The weekly digest, for members who ask for it: once a week, from Monday 08:00 in the
//! site's time zone, one message with what each registered [`DigestSource`] found new in
//! the past seven days (events now; threads and dataset requests as those features land).
//! Sent once per member and week (a dedupe key per ISO week), and not at all in a week with
//! nothing new.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use entity::mail_preference::{self, Mode};
use entity::user;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::notify::outbox::{self, Enqueued, Mail, Recipient};
use crate::notify::topics;
use crate::state::AppState;

/// How often the digest job looks at the calendar.
const EVERY: StdDuration = StdDuration::from_secs(10 * 60);
/// The digest goes from this time on Mondays (site time zone).
const SEND_FROM: (u32, u32) = (8, 0);

/// One part of the digest: a heading and its items.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub heading: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub title: String,
    /// "Wednesday 8 July 2026, 10:30 to 12:00", or what else says when or who.
    pub detail: String,
    /// The absolute address.
    pub href: String,
}

/// A feature's part of the digest: what is new since `since`, if anything.
pub trait DigestSource: Send + Sync {
    fn section<'a>(
        &'a self,
        state: &'a AppState,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Option<Section>>>;
}

/// The week a digest belongs to ("2026-W48"), if it is due at `now`: from Monday 08:00 (site
/// time) until the week ends.
pub fn due_week(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<String> {
    let local = now.with_timezone(&tz);
    let monday =
        local.date_naive() - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    let from = NaiveTime::from_hms_opt(SEND_FROM.0, SEND_FROM.1, 0)?;
    let starts = monday.and_time(from);
    (local.naive_local() >= starts).then(|| {
        let week = local.iso_week();
        format!("{}-W{:02}", week.year(), week.week())
    })
}

/// Writes this week's digest for everyone who asked for it and has not had it. Returns how
/// many were written.
pub async fn send(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let Some(week) = due_week(now, state.config.time_zone) else {
        return Ok(0);
    };
    let wanting: Vec<i64> = mail_preference::Entity::find()
        .filter(mail_preference::Column::Topic.eq(topics::DIGEST))
        .filter(mail_preference::Column::Mode.ne(Mode::Off))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    if wanting.is_empty() {
        return Ok(0);
    }
    let since = now - Duration::days(7);
    let mut sections = Vec::new();
    for source in state.digest_sources.iter() {
        if let Some(section) = source.section(state, since, now).await?
            && !section.items.is_empty()
        {
            sections.push(section);
        }
    }
    if sections.is_empty() {
        return Ok(0);
    }
    let people = user::Entity::find()
        .filter(user::Column::Id.is_in(wanting))
        .all(&state.db)
        .await?;
    let txn = begin_write(&state.db).await?;
    let mut written = 0;
    for to in people.iter().filter_map(Recipient::of) {
        let queued = outbox::enqueue(
            &txn,
            Mail {
                kind: "digest",
                topic: topics::DIGEST,
                to: &to,
                data: serde_json::json!({
                    "sections": sections,
                    "path": "/events",
                }),
                dedupe_key: format!("digest:{week}:{}", to.user_id),
            },
            now,
        )
        .await?;
        if queued == Enqueued::Queued {
            written += 1;
        }
    }
    txn.commit().await?;
    Ok(written)
}

/// Looks every ten minutes whether this week's digest is due, from a minute after start.
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        tokio::time::sleep(StdDuration::from_secs(60)).await;
        loop {
            match send(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(digests = n, "weekly digests written"),
                Err(e) => tracing::warn!(error = %e, "the weekly digest could not be written"),
            }
            tokio::time::sleep(EVERY).await;
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_digest_is_due_from_monday_eight_in_the_site_zone_until_the_week_ends() {
        let tz = chrono_tz::Europe::London;
        let at = |d: u32, h: u32| tz.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap().to_utc();
        // Monday 30 November 2026.
        assert_eq!(due_week(at(30, 7), tz), None);
        assert_eq!(due_week(at(30, 8), tz).as_deref(), Some("2026-W49"));
        assert_eq!(
            due_week(at(29, 23), tz).as_deref(),
            Some("2026-W48"),
            "Sunday: last week's"
        );
    }
}
