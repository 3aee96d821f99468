//! The demo's page counts: four months of views and downloads of the demo's pages, busier on
//! weekdays and in the days after each meeting, so the secretary's report has a story to tell.
//! The same every time (no randomness). Left alone once any count exists.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use entity::event::{self, EventStatus};
use entity::page_view::{self, ViewKind};
use entity::{meeting, stored_file};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::error::AppError;

/// How far back the demo's counts go.
const DAYS: i64 = 120;

/// The site's own pages and datasets, and how popular each is on a quiet weekday.
const PAGES: &[(&str, ViewKind, u32)] = &[
    ("/", ViewKind::View, 14),
    ("/events", ViewKind::View, 9),
    ("/events/past", ViewKind::View, 2),
    ("/meetings", ViewKind::View, 4),
    ("/actions", ViewKind::View, 3),
    ("/slides", ViewKind::View, 3),
    ("/forum", ViewKind::View, 6),
    ("/data-requests", ViewKind::View, 4),
    ("/data", ViewKind::View, 2),
    ("/calendar", ViewKind::View, 1),
    ("/events.csv", ViewKind::Download, 1),
    ("/data-requests.csv", ViewKind::Download, 1),
    ("/actions.csv", ViewKind::Download, 1),
];

/// A number from 0 to 99 that depends only on the day and the path.
fn noise(day: NaiveDate, path: &str) -> u32 {
    let mut h: u32 = 2_166_136_261;
    for b in path.bytes().chain(day.num_days_from_ce().to_le_bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(16_777_619);
    }
    h % 100
}

/// How many on a day: the page's weight, less at weekends, more in the week after a meeting,
/// give or take.
fn on_day(weight: u32, day: NaiveDate, meetings: &[NaiveDate], path: &str) -> i64 {
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    let after_meeting = meetings
        .iter()
        .any(|m| (0..7).contains(&(day - *m).num_days()));
    let mut n = weight * 10;
    if weekend {
        n /= 3;
    }
    if after_meeting {
        n = n * 5 / 2;
    }
    let jitter = noise(day, path);
    i64::from((n * (50 + jitter) / 100 + 5) / 10)
}

pub async fn page_views(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    if page_view::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let tz = chrono_tz::Europe::London;
    let today = now.with_timezone(&tz).date_naive();
    let meetings: Vec<NaiveDate> = meeting::Entity::find()
        .filter(meeting::Column::StartsAt.lte(now))
        .all(db)
        .await?
        .iter()
        .map(|m| m.starts_at.with_timezone(&tz).date_naive())
        .collect();
    let mut paths: Vec<(String, ViewKind, u32)> = PAGES
        .iter()
        .map(|(p, k, w)| (p.to_string(), *k, *w))
        .collect();
    let slugs: Vec<String> = event::Entity::find()
        .select_only()
        .column(event::Column::Slug)
        .filter(event::Column::Status.eq(EventStatus::Published))
        .order_by_desc(event::Column::StartsAt)
        .limit(6)
        .into_tuple()
        .all(db)
        .await?;
    paths.extend(
        slugs
            .into_iter()
            .map(|s| (format!("/events/{s}"), ViewKind::View, 3)),
    );
    let files = stored_file::Entity::find()
        .order_by_asc(stored_file::Column::Id)
        .limit(8)
        .all(db)
        .await?;
    paths.extend(
        files
            .iter()
            .map(|f| (crate::files::views::href(f), ViewKind::Download, 1)),
    );
    let mut rows = Vec::new();
    for back in 0..DAYS {
        let day = today - Duration::days(back);
        for (path, kind, weight) in &paths {
            let n = on_day(*weight, day, &meetings, path);
            if n > 0 {
                rows.push(page_view::ActiveModel {
                    day: Set(day),
                    kind: Set(*kind),
                    path: Set(path.clone()),
                    count: Set(n),
                });
            }
        }
    }
    let written = rows.len();
    let txn = crate::db::begin_write(db).await?;
    for chunk in rows.chunks(500) {
        page_view::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(written)
}
