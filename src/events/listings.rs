//! Listings: upcoming and past events, by tag, and search results, with series expanded into
//! their occurrences, in a fixed number of queries whatever the number of events.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::event::{self, EventStatus};
use entity::event_tag;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::events::queries::{PUBLIC, apply_exception, events_by_ids, exceptions_for, tags_for};
use crate::events::recurrence;
use crate::search;

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tag: Option<String>,
    /// Only these events (the matches of a search, one event's dates).
    pub ids: Option<Vec<i64>>,
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

/// Events with this tag (a condition on `event`).
fn tagged(tag: &str) -> sea_orm::sea_query::SimpleExpr {
    event::Column::Id.in_subquery(
        sea_orm::sea_query::Query::select()
            .column(event_tag::Column::EventId)
            .from(event_tag::Entity)
            .and_where(event_tag::Column::Tag.eq(tag))
            .to_owned(),
    )
}

fn filtered_by(
    mut select: sea_orm::Select<event::Entity>,
    filter: &Filter,
    status: EventStatus,
) -> sea_orm::Select<event::Entity> {
    select = select.filter(event::Column::Status.eq(status));
    if let Some(tag) = &filter.tag {
        select = select.filter(tagged(tag));
    }
    if let Some(ids) = &filter.ids {
        select = select.filter(event::Column::Id.is_in(ids.iter().copied()));
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
    after: Option<After>,
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
        let select = match after {
            Some(after) => select.filter(
                Condition::any()
                    .add(event::Column::StartsAt.gt(after.starts_at))
                    .add(
                        Condition::all()
                            .add(event::Column::StartsAt.eq(after.starts_at))
                            .add(event::Column::Id.gt(after.event_id)),
                    ),
            ),
            None => select,
        };
        let select = if newest_first {
            select.order_by_desc(event::Column::StartsAt)
        } else {
            select
                .order_by_asc(event::Column::StartsAt)
                .order_by_asc(event::Column::Id)
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
            // After a cursor, only dates starting at or after it (those running across it
            // were on the page before); enough more for the dates moved out of the window,
            // and the dates moved into it from anywhere.
            let from = after.map_or(from, |a| (a.starts_at + duration).max(from));
            let mut planned = recurrence::starts_between(
                &rule,
                e.starts_at,
                duration,
                tz,
                from,
                to,
                want + 1 + changes.len(),
            );
            for x in &changes {
                if let Some(moved_to) = x.new_starts_at
                    && moved_to < to
                    && x.new_ends_at.unwrap_or(moved_to + duration) >= from
                    && !planned.contains(&x.occurrence_start)
                {
                    planned.push(x.occurrence_start);
                }
            }
            planned
        } else {
            next_shown(&e, &changes, from, to).into_iter().collect()
        };
        for start in starts {
            let (starts_at, ends_at, cancelled, moved) = apply_exception(start, duration, &changes);
            // Every date in a window is where it takes place, moved or not.
            if walk == Walk::EveryDate && (starts_at >= to || ends_at < from) {
                continue;
            }
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
    if let Some(after) = after {
        items.retain(|o| (o.starts_at, o.event.id) > (after.starts_at, after.event_id));
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

/// Where a listing of what is coming shows a series once: its next date that takes place
/// (or its next date, if none of the next few does); its page lists the rest.
fn next_shown(
    e: &event::Model,
    changes: &[entity::event_exception::Model],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let duration = e.ends_at - e.starts_at;
    let rule = e.rrule.as_deref().unwrap_or_default();
    let next = recurrence::starts_between(rule, e.starts_at, duration, e.zone(), from, to, 12);
    let takes_place = next
        .iter()
        .copied()
        .find(|start| !apply_exception(*start, duration, changes).2);
    takes_place.or(next.first().copied())
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
    let items = occurrences(db, filter, now, far, Walk::Upcoming, want, None).await?;
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
    let items = occurrences(db, filter, start, end, Walk::Past, want, None).await?;
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
    occurrences(db, &Filter::default(), from, to, Walk::EveryDate, 50, None).await
}

/// Where a page of [`window`] ended: the last date's start and its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    pub starts_at: DateTime<Utc>,
    pub event_id: i64,
}

/// Every public date (series expanded, cancelled ones included and marked) that overlaps
/// `from..to`, oldest first, ordered by start and event, after `after`: the API's pages.
pub async fn window(
    db: &impl ConnectionTrait,
    filter: &Filter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<After>,
    limit: usize,
) -> Result<Listing, sea_orm::DbErr> {
    let mut items = occurrences(db, filter, from, to, Walk::EveryDate, limit + 1, after).await?;
    let has_next = items.len() > limit;
    items.truncate(limit);
    Ok(Listing { items, has_next })
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
    let items = occurrences(
        db,
        filter,
        DateTime::UNIX_EPOCH,
        now,
        Walk::Past,
        want,
        None,
    )
    .await?;
    let items = items.into_iter().filter(|o| o.ends_at <= now).collect();
    Ok(page_of(items, page, per_page))
}

/// The years that have past events, newest first, for the archive links.
pub fn archive_years(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<i32> {
    let this_year = now.with_timezone(&tz).year();
    (this_year - 4..=this_year).rev().collect()
}

/// The events' search index (made by migration `m20261128_000007_event_search`).
pub const SEARCH_INDEX: search::Index = search::Index {
    name: "event_search",
    table: "event",
    fields: &[
        ("title", 10.0),
        ("summary", 4.0),
        ("description", 1.0),
        ("tags", 2.0),
    ],
};

/// When a matching event is on, read for every match to put them in order.
#[derive(sea_orm::FromQueryResult)]
struct When {
    id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    rrule: Option<String>,
    series_ends_at: Option<DateTime<Utc>>,
    time_zone: String,
}

/// Where a match goes in the results.
struct Place {
    in_title: bool,
    /// On now or later (for a series: any date still to come).
    coming: bool,
    /// The date it is ordered by: its start, a series' next or last date.
    at: DateTime<Utc>,
    id: i64,
}

/// The most events a search lists.
pub const MAX_RESULTS: u64 = 1000;

/// A page of search results, and how many there are in all.
pub struct Found {
    pub listing: Listing,
    pub total: usize,
}

/// The public events (with `filter`'s tag) that match `query`, each series once: those whose
/// title holds every word first, then the rest; within each, what is coming (soonest first)
/// before what has happened (most recent first). Five queries whatever the number of matches.
pub async fn search(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    filter: &Filter,
    query: &search::Query,
    page: u64,
    per_page: u64,
) -> Result<Found, sea_orm::DbErr> {
    let mut within = Condition::all().add(event::Column::Status.is_in(PUBLIC));
    if let Some(tag) = &filter.tag {
        within = within.add(tagged(tag));
    }
    let hits = search::matching(db, &SEARCH_INDEX, query, within, MAX_RESULTS).await?;
    let total = hits.len();
    if hits.is_empty() {
        return Ok(Found {
            listing: Listing {
                items: Vec::new(),
                has_next: false,
            },
            total,
        });
    }

    // Just what ordering needs, for every match: when each is (or was) on.
    let in_title: HashMap<i64, bool> = hits.iter().map(|h| (h.id, h.in_title)).collect();
    let when = event::Entity::find()
        .select_only()
        .columns([
            event::Column::Id,
            event::Column::StartsAt,
            event::Column::EndsAt,
            event::Column::Rrule,
            event::Column::SeriesEndsAt,
            event::Column::TimeZone,
        ])
        .filter(event::Column::Id.is_in(in_title.keys().copied()))
        .into_model::<When>()
        .all(db)
        .await?;
    let far = now + Duration::days(366 * 5);
    let mut order: Vec<Place> = when
        .into_iter()
        .map(|w| {
            let duration = w.ends_at - w.starts_at;
            let (coming, at) = match &w.rrule {
                None => (w.ends_at >= now, w.starts_at),
                Some(rule) if w.series_ends_at.is_none_or(|end| end >= now) => {
                    let tz = w.time_zone.parse().unwrap_or(chrono_tz::UTC);
                    let next =
                        recurrence::starts_between(rule, w.starts_at, duration, tz, now, far, 1);
                    (true, next.first().copied().unwrap_or(w.starts_at))
                }
                // A finished series is as old as its last date.
                Some(_) => (
                    false,
                    w.series_ends_at.map_or(w.starts_at, |end| end - duration),
                ),
            };
            Place {
                in_title: in_title.get(&w.id).copied().unwrap_or(false),
                coming,
                at,
                id: w.id,
            }
        })
        .collect();
    order.sort_by(|a, b| {
        b.in_title
            .cmp(&a.in_title)
            .then(b.coming.cmp(&a.coming))
            .then(if a.coming {
                a.at.cmp(&b.at)
            } else {
                b.at.cmp(&a.at)
            })
            .then(a.id.cmp(&b.id))
    });
    let skip = ((page.max(1) - 1) * per_page) as usize;
    let has_next = order.len() > skip + per_page as usize;
    let shown: Vec<i64> = order
        .iter()
        .skip(skip)
        .take(per_page as usize)
        .map(|o| o.id)
        .collect();

    let mut events: HashMap<i64, event::Model> = events_by_ids(db, &shown)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let series: Vec<i64> = events
        .values()
        .filter(|e| e.rrule.is_some())
        .map(|e| e.id)
        .collect();
    let mut exceptions = exceptions_for(db, &series).await?;
    let tags = tags_for(db, &shown).await?;
    let mut items = Vec::with_capacity(shown.len());
    for id in shown {
        // Deleted since the search: skipped.
        let Some(e) = events.remove(&id) else {
            continue;
        };
        let duration = e.ends_at - e.starts_at;
        let changes = exceptions.remove(&id).unwrap_or_default();
        let date = match e.rrule.as_deref() {
            None => None,
            Some(_) if e.series_ends_at.is_none_or(|end| end >= now) => {
                next_shown(&e, &changes, now, far)
            }
            Some(rule) => recurrence::starts_between(
                rule,
                e.starts_at,
                duration,
                e.zone(),
                e.starts_at,
                now,
                usize::MAX,
            )
            .last()
            .copied(),
        };
        let (starts_at, ends_at, cancelled, moved) = match date {
            Some(start) => apply_exception(start, duration, &changes),
            None => (e.starts_at, e.ends_at, false, false),
        };
        items.push(Occurrence {
            starts_at,
            ends_at,
            occurrence_start: date,
            cancelled: e.status == EventStatus::Cancelled || cancelled,
            moved,
            postponed: e.postponed_at.is_some()
                || date.is_some_and(|start| crate::events::queries::is_postponed(start, &changes)),
            tags: tags.get(&id).cloned().unwrap_or_default(),
            event: e,
        });
    }
    Ok(Found {
        listing: Listing { items, has_next },
        total,
    })
}
