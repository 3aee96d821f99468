//! The secretary's report (`/admin/report`): what happened since the last meeting, ready to
//! paste into the minutes. Page views and downloads come from the counts this module keeps;
//! every other figure (new members, events held, answers, actions, dataset requests, forum
//! posts) from the feature that knows it, through [`ReportSource`], registered in
//! `AppState::report_sources`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::page_view::{self, ViewKind};
use futures_util::future::BoxFuture;
use poem::handler;
use poem::http::StatusCode;
use poem::web::Query;
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::format;
use crate::web::user::RequireAdmin;

/// The period a report covers: from the start of a day (site time) until now.
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// One line of the report.
#[derive(Serialize)]
pub struct Figure {
    /// The table's words ("New members").
    pub label: String,
    pub value: u64,
    /// The same in a sentence for the minutes ("5 new members").
    pub phrase: String,
    /// Where the figure's details are.
    pub href: Option<String>,
}

impl Figure {
    /// A figure whose phrase is its number and a noun ("1 download", "37 downloads").
    pub fn counted(label: &str, value: u64, one: &str, many: &str, href: Option<&str>) -> Figure {
        Figure {
            label: label.to_string(),
            value,
            phrase: format::counted(
                usize::try_from(value).unwrap_or(usize::MAX),
                false,
                one,
                many,
            ),
            href: href.map(str::to_string),
        }
    }
}

/// A feature's figures for a period.
pub trait ReportSource: Send + Sync {
    fn figures<'a>(
        &'a self,
        state: &'a AppState,
        period: &'a Period,
    ) -> BoxFuture<'a, AppResult<Vec<Figure>>>;
}

/// Page views and downloads per day in a period, and the most read pages.
struct Counts {
    views: u64,
    downloads: u64,
    by_day: BTreeMap<NaiveDate, (u64, u64)>,
    top_pages: Vec<(String, u64)>,
    top_downloads: Vec<(String, u64)>,
}

/// The sum of counts, as a whole number on both databases.
const SUM: &str = r#"CAST(SUM("page_view"."count") AS BIGINT)"#;

/// The period's totals, added up by the database: one row a day and kind, and the ten most
/// counted paths of each kind, however long the period.
async fn counts(state: &AppState, from: NaiveDate, to: NaiveDate) -> AppResult<Counts> {
    let in_period = || {
        page_view::Entity::find()
            .select_only()
            .filter(page_view::Column::Day.gte(from))
            .filter(page_view::Column::Day.lte(to))
    };
    let days: Vec<(NaiveDate, ViewKind, i64)> = in_period()
        .column(page_view::Column::Day)
        .column(page_view::Column::Kind)
        .column_as(Expr::cust(SUM), "total")
        .group_by(page_view::Column::Day)
        .group_by(page_view::Column::Kind)
        .into_tuple()
        .all(&state.db)
        .await?;
    let mut by_day: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    let (mut views, mut downloads) = (0, 0);
    for (day, kind, n) in days {
        let n = u64::try_from(n).unwrap_or(0);
        let day = by_day.entry(day).or_default();
        match kind {
            ViewKind::View => {
                views += n;
                day.0 += n;
            }
            ViewKind::Download => {
                downloads += n;
                day.1 += n;
            }
        }
    }
    let mut tops = Vec::new();
    for kind in [ViewKind::View, ViewKind::Download] {
        let top: Vec<(String, i64)> = in_period()
            .filter(page_view::Column::Kind.eq(kind))
            .column(page_view::Column::Path)
            .column_as(Expr::cust(SUM), "total")
            .group_by(page_view::Column::Path)
            .order_by(Expr::cust(SUM), Order::Desc)
            .order_by_asc(page_view::Column::Path)
            .limit(TOP as u64)
            .into_tuple()
            .all(&state.db)
            .await?;
        tops.push(
            top.into_iter()
                .map(|(path, n)| (path, u64::try_from(n).unwrap_or(0)))
                .collect::<Vec<_>>(),
        );
    }
    let top_downloads = tops.pop().unwrap_or_default();
    let top_pages = tops.pop().unwrap_or_default();
    Ok(Counts {
        views,
        downloads,
        top_pages,
        top_downloads,
        by_day,
    })
}

/// How many of the most read pages and downloads are listed.
const TOP: usize = 10;
/// Days shown one bar each; longer periods are drawn a week a bar.
const DAILY_BARS: i64 = 92;
const CHART_WIDTH: u32 = 640;
const CHART_HEIGHT: u32 = 160;

#[derive(Serialize)]
struct Bar {
    label: String,
    views: u64,
    downloads: u64,
    x: String,
    width: String,
    views_y: String,
    views_height: String,
    downloads_x: String,
    downloads_y: String,
    downloads_height: String,
}

#[derive(Serialize)]
struct Chart {
    width: u32,
    height: u32,
    bars: Vec<Bar>,
    most: u64,
    first: String,
    last: String,
    weekly: bool,
    description: String,
}

/// The bars of the chart: one a day (or a week, for long periods), views and downloads side
/// by side, scaled to the busiest.
fn chart(by_day: &BTreeMap<NaiveDate, (u64, u64)>, from: NaiveDate, to: NaiveDate) -> Chart {
    let days = (to - from).num_days() + 1;
    let step = if days > DAILY_BARS { 7 } else { 1 };
    let mut buckets: Vec<(NaiveDate, NaiveDate, u64, u64)> = Vec::new();
    let mut day = from;
    while day <= to {
        let end = (day + Duration::days(step - 1)).min(to);
        let (mut v, mut d) = (0, 0);
        for (_, (views, downloads)) in by_day.range(day..=end) {
            v += views;
            d += downloads;
        }
        buckets.push((day, end, v, d));
        day = end + Duration::days(1);
    }
    let most = buckets
        .iter()
        .map(|b| b.2.max(b.3))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = f64::from(CHART_WIDTH) / buckets.len().max(1) as f64;
    // Two bars a slot with a gap between them, so each meets the background.
    let bar = (slot * 0.36).max(0.5);
    let gap = slot * 0.08;
    let height = f64::from(CHART_HEIGHT);
    let scale = |n: u64| height * n as f64 / most as f64;
    let label = |a: NaiveDate, b: NaiveDate| {
        if a == b {
            a.format("%-d %B %Y").to_string()
        } else {
            format!("{} to {}", a.format("%-d %B"), b.format("%-d %B %Y"))
        }
    };
    let bars: Vec<Bar> = buckets
        .iter()
        .enumerate()
        .map(|(i, &(a, b, views, downloads))| {
            let x = i as f64 * slot + slot * 0.1;
            Bar {
                label: label(a, b),
                views,
                downloads,
                x: format!("{x:.2}"),
                width: format!("{bar:.2}"),
                views_y: format!("{:.2}", height - scale(views)),
                views_height: format!("{:.2}", scale(views)),
                downloads_x: format!("{:.2}", x + bar + gap),
                downloads_y: format!("{:.2}", height - scale(downloads)),
                downloads_height: format!("{:.2}", scale(downloads)),
            }
        })
        .collect();
    let busiest = buckets.iter().max_by_key(|b| (b.2, std::cmp::Reverse(b.0)));
    let description = match busiest {
        Some(&(a, b, views, _)) if views > 0 => format!(
            "Page views and downloads {}, {} a bar. The busiest {} was {} with {}.",
            label(from, to),
            if step == 1 { "a day" } else { "a week" },
            if step == 1 { "day" } else { "week" },
            label(a, b),
            format::counted(
                usize::try_from(views).unwrap_or(0),
                false,
                "page view",
                "page views"
            ),
        ),
        _ => format!("No page views were counted {}.", label(from, to)),
    };
    Chart {
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        most,
        first: from.format("%-d %b").to_string(),
        last: to.format("%-d %b %Y").to_string(),
        weekly: step > 1,
        description,
        bars,
    }
}

#[derive(Deserialize)]
pub struct ReportQuery {
    since: Option<String>,
    /// A meeting's slug: from when it ended.
    after: Option<String>,
}

/// When a meeting ended: its end, or three hours after its start when none was given.
fn ended(m: &entity::meeting::Model) -> DateTime<Utc> {
    m.ends_at.unwrap_or(m.starts_at + Duration::hours(3))
}

#[derive(Serialize)]
struct MeetingChoice {
    title: String,
    day: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct ReportView {
    since: String,
    since_error: Option<String>,
    since_words: String,
    meeting: Option<String>,
    /// The meeting is the last one held.
    latest: bool,
    /// The latest day a report may start.
    today: String,
    figures: Vec<Figure>,
    minutes_text: String,
    chart: Chart,
    top_pages: Vec<(String, u64)>,
    top_downloads: Vec<(String, u64)>,
    meetings: Vec<MeetingChoice>,
    counted_from: Option<String>,
}

/// The earliest day a report may start.
const EARLIEST: (i32, u32, u32) = (2000, 1, 1);

/// `/admin/report?since=YYYY-MM-DD`: since the last meeting held, or the day asked for.
#[handler]
pub async fn page(
    ctx: PageCtx,
    RequireAdmin(_): RequireAdmin,
    Query(q): Query<ReportQuery>,
) -> AppResult<poem::Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let now = state.clock.now();
    let today = now.with_timezone(&tz).date_naive();
    // The meetings that have ended, latest first: a report made during a meeting is about
    // the time since the one before.
    let held: Vec<entity::meeting::Model> =
        crate::meetings::queries::held_before(&state.db, now, 7)
            .await?
            .into_iter()
            .filter(|m| ended(m) <= now)
            .take(6)
            .collect();
    let asked = q.since.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let after = match q.after.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            crate::meetings::queries::find(&state.db, slug)
                .await?
                .filter(|m| ended(m) <= now)
                .ok_or_else(|| {
                    AppError::NotFoundWith("No meeting that has ended has this address.".into())
                })?,
        ),
        None => None,
    };
    let earliest = NaiveDate::from_ymd_opt(EARLIEST.0, EARLIEST.1, EARLIEST.2).unwrap_or(today);
    // From a day chosen (its first moment), or from the end of a meeting (the one asked
    // for, or the last one); page views and downloads are counted by whole days, so theirs
    // start on the meeting's day.
    let mut since_error = None;
    let (from, meeting) = match asked {
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) if d > today => {
                since_error = Some(format!(
                    "{} is still to come: choose today or a day before it.",
                    d.format("%-d %B %Y")
                ));
                (format::start_of_day(today, tz), None)
            }
            Ok(d) if d < earliest => {
                since_error = Some("Choose a day from 1 January 2000 onwards.".to_string());
                (format::start_of_day(today, tz), None)
            }
            Ok(d) => (format::start_of_day(d, tz), None),
            Err(_) => {
                since_error = Some(format!(
                    "\u{201c}{text}\u{201d} is not a date: write it as year, month and day, such as 2026-09-09."
                ));
                (format::start_of_day(today, tz), None)
            }
        },
        None => match after.as_ref().or(held.first()) {
            Some(m) => (ended(m), Some(m.clone())),
            None => (format::start_of_day(today - Duration::days(30), tz), None),
        },
    };
    let from_day = from.with_timezone(&tz).date_naive();
    let period = Period { from, to: now };
    let counted = counts(&state, from_day, today).await?;
    let mut figures = vec![
        Figure::counted("Page views", counted.views, "page view", "page views", None),
        Figure::counted(
            "Downloads",
            counted.downloads,
            "download",
            "downloads",
            None,
        ),
    ];
    for source in state.report_sources.iter() {
        figures.extend(source.figures(&state, &period).await?);
    }
    let since_words = from_day.format("%A %-d %B %Y").to_string();
    let latest = meeting
        .as_ref()
        .is_some_and(|m| held.first().is_some_and(|h| h.id == m.id));
    let opening = match &meeting {
        Some(m) if latest => format!("Since the last meeting ({}, {since_words})", m.title),
        Some(m) => format!("Since the meeting of {since_words} ({})", m.title),
        None => format!("Since {since_words}"),
    };
    let minutes_text = format!(
        "{opening}: {}.",
        figures
            .iter()
            .map(|f| f.phrase.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let first_counted = page_view::Entity::find()
        .filter(page_view::Column::Day.lte(today))
        .order_by_asc(page_view::Column::Day)
        .one(&state.db)
        .await?
        .map(|r| r.day);
    let view = ReportView {
        since: asked.map_or_else(|| from_day.format("%Y-%m-%d").to_string(), str::to_string),
        since_error: since_error.clone(),
        since_words,
        meeting: meeting.as_ref().map(|m| m.title.clone()),
        latest,
        today: today.format("%Y-%m-%d").to_string(),
        chart: chart(&counted.by_day, from_day, today),
        figures,
        minutes_text,
        top_pages: counted.top_pages,
        top_downloads: counted.top_downloads,
        meetings: held
            .iter()
            .map(|m| MeetingChoice {
                title: m.title.clone(),
                day: format::day(m.starts_at, tz),
                href: format!("/admin/report?after={}", m.slug),
                current: meeting.as_ref().is_some_and(|chosen| chosen.id == m.id),
            })
            .collect(),
        counted_from: first_counted
            .filter(|d| *d > from_day)
            .map(|d| d.format("%-d %B %Y").to_string()),
    };
    let failed = since_error.is_some().then_some(StatusCode::BAD_REQUEST);
    ctx.render_form("admin/report", "Report for the meeting", failed, &view)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_short_period_has_a_bar_a_day_scaled_to_the_busiest() {
        let mut by_day = BTreeMap::new();
        by_day.insert(d(2026, 9, 10), (20, 5));
        by_day.insert(d(2026, 9, 12), (40, 0));
        let c = chart(&by_day, d(2026, 9, 9), d(2026, 9, 15));
        assert_eq!(c.bars.len(), 7);
        assert!(!c.weekly);
        assert_eq!(c.most, 40);
        assert_eq!(c.bars[3].views_height, "160.00");
        assert_eq!(c.bars[1].views_height, "80.00");
        assert_eq!(c.bars[1].downloads_height, "20.00");
        assert_eq!(c.bars[0].views_height, "0.00");
        assert!(
            c.description
                .contains("12 September 2026 with 40 page views"),
            "{}",
            c.description
        );
    }

    #[test]
    fn a_long_period_has_a_bar_a_week() {
        let mut by_day = BTreeMap::new();
        by_day.insert(d(2026, 1, 1), (3, 0));
        by_day.insert(d(2026, 1, 7), (4, 1));
        by_day.insert(d(2026, 1, 8), (10, 0));
        let c = chart(&by_day, d(2026, 1, 1), d(2026, 6, 30));
        assert!(c.weekly);
        assert_eq!(c.bars.len(), 26);
        assert_eq!((c.bars[0].views, c.bars[0].downloads), (7, 1));
        assert_eq!(c.bars[1].views, 10);
        assert_eq!(c.bars[25].label, "25 June to 30 June 2026");
    }

    #[test]
    fn an_empty_period_says_so() {
        let c = chart(&BTreeMap::new(), d(2026, 9, 9), d(2026, 9, 9));
        assert_eq!(c.bars.len(), 1);
        assert_eq!(
            c.description,
            "No page views were counted 9 September 2026."
        );
    }
}
