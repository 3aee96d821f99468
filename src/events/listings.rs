//! Listings: upcoming and past events, by tag or search, with series expanded into their
//! occurrences, in a fixed number of queries whatever the number of events.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::event::{self, EventStatus};
use entity::event_tag;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::events::queries::{PUBLIC, apply_exception, exceptions_for, tags_for};
use crate::events::recurrence;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tag: Option<String>,
    pub query: Option<String>,
}

/// One entry in a listing: a single event, or one occurrence of a series.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub event: event::Model,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// For series: the occurrence's original start (its RECURRENCE-ID).
    pub occurrence_start: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub moved: bool,
    /// Postponed, the new date to follow.
    pub postponed: bool,
    pub tags: Vec<String>,
}

pub struct Listing {
    pub items: Vec<Occurrence>,
    pub has_next: bool,
}

fn filtered_by(
    mut select: sea_orm::Select<event::Entity>,
    filter: &Filter,
    status: EventStatus,
) -> sea_orm::Select<event::Entity> {
    use sea_orm::sea_query::ExprTrait;
    select = select.filter(event::Column::Status.eq(status));
    if let Some(tag) = &filter.tag {
        select = select.filter(
            event::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(event_tag::Column::EventId)
                    .from(event_tag::Entity)
                    .and_where(event_tag::Column::Tag.eq(tag.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(q) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let like = |col: event::Column| {
            Expr::expr(Func::lower(Expr::col(col)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            Condition::any()
                .add(like(event::Column::Title))
                .add(like(event::Column::Summary))
                .add(like(event::Column::Description)),
        );
    }
    select
}

/// How a listing walks through time, and what it shows of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// What is coming: each series once, at its next date.
    Upcoming,
    /// Every date in the window, oldest first.
    EveryDate,
    /// Every date, newest first.
    Past,
}

/// Expands series and merges them with single events, in a fixed number of queries whatever
/// the number of events: singles, series, their exceptions, and the tags of what is shown.
async fn occurrences(
    db: &impl ConnectionTrait,
    filter: &Filter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    walk: Walk,
    want: usize,
) -> Result<Vec<Occurrence>, sea_orm::DbErr> {
    let newest_first = walk == Walk::Past;
    // One query per status, so each walks the (status, starts_at) index in order and stops
    // after `want` rows; an IN over both statuses would sort every upcoming event instead.
    // Events last at most MAX_EVENT_DAYS, which bounds where the walk starts.
    let earliest_start = from - Duration::days(crate::events::forms::MAX_EVENT_DAYS + 1);
    let mut singles = Vec::new();
    let mut series = Vec::new();
    for status in PUBLIC {
        let select = filtered_by(event::Entity::find(), filter, status)
            .filter(event::Column::Rrule.is_null())
            .filter(event::Column::StartsAt.gte(earliest_start))
            .filter(event::Column::StartsAt.lt(to))
            .filter(event::Column::EndsAt.gte(from));
        let select = if newest_first {
            select.order_by_desc(event::Column::StartsAt)
        } else {
            select.order_by_asc(event::Column::StartsAt)
        };
        singles.extend(select.limit(want as u64).all(db).await?);
        // Live series through the (status, series_ends_at) index.
        series.extend(
            filtered_by(event::Entity::find(), filter, status)
                .filter(crate::events::queries::series_running_at_or_after(from))
                .all(db)
                .await?
                .into_iter()
                .filter(|e| e.rrule.is_some() && e.starts_at < to),
        );
    }
    let series_ids: Vec<i64> = series.iter().map(|e| e.id).collect();
    let mut exceptions = exceptions_for(db, &series_ids).await?;

    let mut items: Vec<Occurrence> = singles
        .into_iter()
        .map(|e| Occurrence {
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            occurrence_start: None,
            cancelled: e.status == EventStatus::Cancelled,
            moved: false,
            postponed: e.postponed_at.is_some(),
            tags: Vec::new(),
            event: e,
        })
        .collect();
    for e in series {
        let tz = e.zone();
        let duration = e.ends_at - e.starts_at;
        let changes = exceptions.remove(&e.id).unwrap_or_default();
        let rule = e.rrule.clone().unwrap_or_default();
        let starts = if newest_first {
            let mut all =
                recurrence::starts_between(&rule, e.starts_at, duration, tz, from, to, usize::MAX);
            all.reverse();
            all.truncate(want);
            all
        } else if walk == Walk::EveryDate {
            recurrence::starts_between(&rule, e.starts_at, duration, tz, from, to, want)
        } else {
            // What is coming shows a series once, at its next date that takes place (or its
            // next date, if none of the next few does); its page lists the rest.
            let next = recurrence::starts_between(&rule, e.starts_at, duration, tz, from, to, 12);
            let takes_place = next
                .iter()
                .copied()
                .find(|start| !apply_exception(*start, duration, &changes).2);
            takes_place.or(next.first().copied()).into_iter().collect()
        };
        for start in starts {
            let (starts_at, ends_at, cancelled, moved) = apply_exception(start, duration, &changes);
            items.push(Occurrence {
                event: e.clone(),
                starts_at,
                ends_at,
                occurrence_start: Some(start),
                cancelled: e.status == EventStatus::Cancelled || cancelled,
                moved,
                postponed: crate::events::queries::is_postponed(start, &changes),
                tags: Vec::new(),
            });
        }
    }
    if newest_first {
        items.sort_by(|a, b| {
            b.starts_at
                .cmp(&a.starts_at)
                .then(a.event.id.cmp(&b.event.id))
        });
    } else {
        items.sort_by(|a, b| {
            a.starts_at
                .cmp(&b.starts_at)
                .then(a.event.id.cmp(&b.event.id))
        });
    }
    items.truncate(want);
    let mut ids: Vec<i64> = items.iter().map(|o| o.event.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let tags = tags_for(db, &ids).await?;
    for item in &mut items {
        item.tags = tags.get(&item.event.id).cloned().unwrap_or_default();
    }
    Ok(items)
}

fn page_of(mut items: Vec<Occurrence>, page: u64, per_page: u64) -> Listing {
    let skip = ((page.max(1) - 1) * per_page) as usize;
    let has_next = items.len() > skip + per_page as usize;
    let items: Vec<Occurrence> = items.drain(..).skip(skip).take(per_page as usize).collect();
    Listing { items, has_next }
}

pub async fn upcoming(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Listing, sea_orm::DbErr> {
    let want = (page.clamp(1, 1000) * per_page + 1) as usize;
    let far = now + Duration::days(366 * 5);
    let items = occurrences(db, filter, now, far, Walk::Upcoming, want).await?;
    Ok(page_of(items, page, per_page))
}

pub async fn past(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    year: i32,
    tz: chrono_tz::Tz,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Listing, sea_orm::DbErr> {
    let start = tz
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc));
    let end = tz
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
        .min(now);
    let want = (page.clamp(1, 1000) * per_page + 1) as usize;
    let items = occurrences(db, filter, start, end, Walk::Past, want).await?;
    // Only what has finished counts as past.
    let items = items.into_iter().filter(|o| o.ends_at <= now).collect();
    Ok(page_of(items, page, per_page))
}

/// Every public date that overlaps `from..to` (series expanded), oldest first: what an event
/// waiting for approval would clash with.
pub async fn between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Occurrence>, sea_orm::DbErr> {
    occurrences(db, &Filter::default(), from, to, Walk::EveryDate, 50).await
}

/// Past dates since 1970, newest first: a tag's page when nothing with the tag is coming.
pub async fn all_past(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Listing, sea_orm::DbErr> {
    let want = (page.clamp(1, 1000) * per_page + 1) as usize;
    let items = occurrences(db, filter, DateTime::UNIX_EPOCH, now, Walk::Past, want).await?;
    let items = items.into_iter().filter(|o| o.ends_at <= now).collect();
    Ok(page_of(items, page, per_page))
}

/// The years that have past events, newest first, for the archive links.
pub fn archive_years(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<i32> {
    let this_year = now.with_timezone(&tz).year();
    (this_year - 4..=this_year).rev().collect()
}
