//! Metrics without tracking: how often each page is read and each file or dataset downloaded,
//! per day, and nothing else.
//!
//! [`count`] looks at every response on its way out. A page read in a browser (a GET answered
//! 200 with HTML) adds one view to its path for the day; a download (a GET answered with a
//! file to save: slides, CSVs, attendee lists) adds one download. The counts wait in memory
//! ([`Tally`]) and [`flush`] adds them to the day's rows (`page_view`) every minute and when
//! the server stops; several instances add to the same rows.
//!
//! What is never kept: the address a request came from, its browser, its cookies, who was
//! signed in, the query string. What is not counted: requests whose user agent names a robot
//! or a script (the `isbot` crate's patterns) or names nothing, prefetches, HEAD requests,
//! revalidations (304), errors, calendar feeds (calendar apps poll them), the API, the admin
//! area, sign-in and static assets.

pub mod report;
pub mod seed;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use chrono::NaiveDate;
use entity::page_view::{self, ViewKind};
use poem::http::{Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, Set};

use crate::state::AppState;

/// The longest path counted (longer ones are not real pages).
const MAX_PATH: usize = 300;
/// How many different (day, kind, path) counts wait between flushes at most: a flood of
/// distinct addresses cannot grow memory without bound.
const MAX_WAITING: usize = 20_000;
/// Where nothing is counted: the API (programs, not readers), the admin area, sign-in, what
/// pages load with them, and addresses that carry a member's secret (unsubscribe links,
/// personal calendar feeds), which must never be stored or shown.
const NOT_COUNTED: &[&str] = &[
    "/api",
    "/admin",
    "/auth/",
    "/assets/",
    "/healthz",
    "/mail/",
    "/calendar/personal/",
];

static BOTS: LazyLock<isbot::Bots> = LazyLock::new(isbot::Bots::default);

/// Counts waiting to be written: (day, kind, path) -> how many.
#[derive(Default)]
pub struct Tally {
    waiting: Mutex<HashMap<(NaiveDate, ViewKind, String), i64>>,
}

impl Tally {
    /// Adds `n` to a count (nothing once [`MAX_WAITING`] counts wait and this is a new one).
    pub fn add(&self, day: NaiveDate, kind: ViewKind, path: &str, n: i64) {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = waiting.get_mut(&(day, kind, path.to_string())) {
            *count += n;
        } else if waiting.len() < MAX_WAITING {
            waiting.insert((day, kind, path.to_string()), n);
        }
    }

    fn take(&self) -> HashMap<(NaiveDate, ViewKind, String), i64> {
        std::mem::take(&mut *self.waiting.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn put_back(&self, counts: HashMap<(NaiveDate, ViewKind, String), i64>) {
        for ((day, kind, path), n) in counts {
            self.add(day, kind, &path, n);
        }
    }
}

/// Whether a request may be counted at all, and under which path: a GET from something
/// that says it is a browser, not prefetching, for a part of the site readers read.
fn countable(req: &Request) -> Option<String> {
    if req.method() != Method::GET {
        return None;
    }
    let path = req.uri().path();
    if path.len() > MAX_PATH || NOT_COUNTED.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    let headers = req.headers();
    let prefetch = ["sec-purpose", "purpose", "x-moz"].iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("prefetch") || v.contains("prerender"))
    });
    if prefetch
        || is_robot(
            headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok()),
        )
    {
        return None;
    }
    Some(path.to_string())
}

/// Whether a user agent names a robot, a script or nothing at all.
pub fn is_robot(user_agent: Option<&str>) -> bool {
    match user_agent.map(str::trim) {
        None | Some("") => true,
        Some(ua) => BOTS.is_bot(ua),
    }
}

/// What a response counts as, if anything: a page (200, HTML) or a download (the whole of a
/// file to save, or its first part for a reader that fetches in ranges). Calendar feeds are
/// polled by calendar apps, so they are not downloads people made.
fn kind_of(resp: &Response) -> Option<ViewKind> {
    let headers = resp.headers();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first_part = resp.status() == StatusCode::PARTIAL_CONTENT
        && headers
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("bytes 0-"));
    if resp.status() != StatusCode::OK && !first_part {
        return None;
    }
    if headers.contains_key(header::CONTENT_DISPOSITION) {
        return (!content_type.starts_with("text/calendar")).then_some(ViewKind::Download);
    }
    (resp.status() == StatusCode::OK && content_type.starts_with("text/html"))
        .then_some(ViewKind::View)
}

/// The middleware: counts what a response was, for the day it is in the site's time zone.
pub async fn count<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let counted = countable(&req).and_then(|path| Some((path, req.data::<AppState>()?.clone())));
    let resp = next.call(req).await?.into_response();
    if let Some((path, state)) = counted
        && let Some(kind) = kind_of(&resp)
    {
        let day = state
            .clock
            .now()
            .with_timezone(&state.config.time_zone)
            .date_naive();
        state.metrics.add(day, kind, &path, 1);
    }
    Ok(resp)
}

/// Adds the waiting counts to the database, in one transaction. On failure they wait for
/// the next flush, so nothing counted is lost while the database is away.
pub async fn flush(state: &AppState) -> Result<usize, DbErr> {
    let counts = state.metrics.take();
    if counts.is_empty() {
        return Ok(0);
    }
    match write(&state.db, &counts).await {
        Ok(()) => Ok(counts.len()),
        Err(err) => {
            state.metrics.put_back(counts);
            Err(err)
        }
    }
}

async fn write(
    db: &DatabaseConnection,
    counts: &HashMap<(NaiveDate, ViewKind, String), i64>,
) -> Result<(), DbErr> {
    // In key order, so two instances writing the same rows lock them in the same order.
    let mut keys: Vec<_> = counts.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    let rows: Vec<page_view::ActiveModel> = keys
        .into_iter()
        .map(|((day, kind, path), n)| page_view::ActiveModel {
            day: Set(*day),
            kind: Set(*kind),
            path: Set(path.clone()),
            count: Set(*n),
        })
        .collect();
    let txn = crate::db::begin_write(db).await?;
    for chunk in rows.chunks(500) {
        page_view::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    page_view::Column::Day,
                    page_view::Column::Kind,
                    page_view::Column::Path,
                ])
                .value(
                    page_view::Column::Count,
                    Expr::col((page_view::Entity, page_view::Column::Count))
                        .add(Expr::cust("excluded.\"count\"")),
                )
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}

/// Writes the counts every minute.
pub fn spawn(state: AppState) {
    tokio::spawn(crate::db::in_background(async move {
        let minute = std::time::Duration::from_secs(60);
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + minute, minute);
        loop {
            every.tick().await;
            if let Err(err) = flush(&state).await {
                tracing::warn!(error = %err, "could not write the page counts; they wait");
            }
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_count_and_robots_do_not() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert!(!is_robot(Some(firefox)));
        assert!(!is_robot(Some(safari)));
        for robot in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
             HeadlessChrome/120.0.0.0 Safari/537.36",
            "",
            "   ",
        ] {
            assert!(is_robot(Some(robot)), "{robot:?} is a robot");
        }
        assert!(is_robot(None));
    }

    #[test]
    fn addresses_with_a_members_secret_are_never_counted() {
        let get = |path: &str| {
            Request::builder()
                .uri(path.parse().unwrap())
                .header(
                    header::USER_AGENT,
                    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                )
                .finish()
        };
        assert_eq!(
            countable(&get("/events?page=2")),
            Some("/events".to_string())
        );
        for secret in [
            "/mail/unsubscribe/6f1c0a9e2b/all",
            "/calendar/personal/0b7d1e55aa.ics",
            "/admin/report",
            "/api/v1/events",
            "/auth/dev",
        ] {
            assert_eq!(countable(&get(secret)), None, "{secret}");
        }
    }

    #[test]
    fn a_full_tally_still_counts_what_it_has() {
        let tally = Tally::default();
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        for i in 0..MAX_WAITING {
            tally.add(day, ViewKind::View, &format!("/p/{i}"), 1);
        }
        tally.add(day, ViewKind::View, "/new", 1);
        tally.add(day, ViewKind::View, "/p/0", 1);
        let counts = tally.take();
        assert_eq!(counts.len(), MAX_WAITING);
        assert_eq!(counts[&(day, ViewKind::View, "/p/0".to_string())], 2);
        assert!(!counts.contains_key(&(day, ViewKind::View, "/new".to_string())));
    }
}
