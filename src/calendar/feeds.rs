//! Serving feeds: which events go in (joined from the stored feed entries, see
//! [`entries`]), a per-instance cache that makes an unchanged feed cost
//! next to nothing, and HTTP validators (strong ETag, Last-Modified, 304) so calendar apps'
//! frequent polls are cheap. A change shows up on the next poll: the cache checks a
//! fingerprint of the data at most once a second, and changes made through this instance
//! clear it at once.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use entity::event::{self, EventStatus};
use entity::event_feed_entry;
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{Body, Response};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult,
    JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use sha2::{Digest, Sha256};

use crate::calendar::entries;
use crate::calendar::ics::{self, FeedEvent, FeedInfo};
use crate::config::Config;
use crate::events::service;

/// How long a cached feed is trusted without asking the database whether anything changed.
const RECHECK: StdDuration = StdDuration::from_secs(1);

/// Bodies at least this long are gzipped off the request path, after the feed is built;
/// until the copy is ready they are served uncompressed.
const GZIP_IN_BACKGROUND: usize = 256 * 1024;

/// Bodies go out in slices of this size, so that the HTTP layer's per-connection write
/// buffer (it copies what it is given) stays small whatever the size of the feed.
const BODY_CHUNK: usize = 64 * 1024;

/// A built feed and its validators.
pub struct Feed {
    pub body: bytes::Bytes,
    gzip: OnceLock<bytes::Bytes>,
    /// Strong validators: one per representation (identity and gzip).
    pub etag: String,
    gzip_etag: String,
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date, formatted once.
    last_modified_http: String,
}

impl Feed {
    /// The gzip copy, once it has been made.
    pub fn gzip(&self) -> Option<&bytes::Bytes> {
        self.gzip.get()
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
struct Fingerprint {
    count: i64,
    latest: Option<DateTime<Utc>>,
    day: NaiveDate,
}

struct Cached {
    feed: Arc<Feed>,
    fingerprint: Fingerprint,
    checked: Instant,
    generation: u64,
    /// One request at a time asks the database whether the feed changed; the others keep
    /// serving the cached copy meanwhile instead of queueing up identical queries.
    checking: bool,
}

#[derive(Default)]
pub struct FeedCache {
    entries: Mutex<HashMap<String, Cached>>,
    generation: AtomicU64,
}

impl FeedCache {
    /// Forget every cached feed (called after any change to events on this instance).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

#[derive(FromQueryResult)]
struct Stats {
    count: i64,
    latest: Option<DateTime<Utc>>,
}

async fn fingerprint(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Fingerprint, sea_orm::DbErr> {
    let stats = event::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::count(Expr::col(event::Column::Id))),
            "count",
        )
        .column_as(
            Expr::expr(Func::max(Expr::col(event::Column::UpdatedAt))),
            "latest",
        )
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .into_model::<Stats>()
        .one(db)
        .await?;
    let (count, latest) = stats.map_or((0, None), |s| (s.count, s.latest));
    // The retention windows move daily, so the feed does too.
    Ok(Fingerprint {
        count,
        latest,
        day: now.date_naive(),
    })
}

/// Which public events a feed holds at `now`: published ones, and cancelled ones for long
/// enough that subscribed calendars remove them; none that finished longer ago than the past
/// window. Optionally only those tagged `tag`.
fn scope(config: &Config, tag: Option<&str>, now: DateTime<Utc>) -> Condition {
    let oldest = now - config.calendar_past;
    // A series' end is `series_ends_at`; its `ends_at` (the first occurrence's) comes
    // earlier, so either being recent enough keeps one-off events and series alike.
    let mut scope = Condition::all()
        .add(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .add(
            Condition::any()
                .add(event::Column::EndsAt.gte(oldest))
                .add(event::Column::SeriesEndsAt.gte(oldest)),
        )
        .add(
            Condition::any()
                .add(event::Column::Status.eq(EventStatus::Published))
                .add(
                    Expr::expr(Func::coalesce([
                        Expr::col((event::Entity, event::Column::CancelledAt)),
                        Expr::col((event::Entity, event::Column::UpdatedAt)),
                    ]))
                    .gte(now - config.calendar_cancelled),
                ),
        );
    if let Some(tag) = tag {
        scope = scope.add(
            event::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(entity::event_tag::Column::EventId)
                    .from(entity::event_tag::Entity)
                    .and_where(entity::event_tag::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    scope
}

fn feed_info<'a>(config: &'a Config, name: &'a str, description: &'a str) -> FeedInfo<'a> {
    FeedInfo {
        name,
        description,
        site_zone: config.time_zone,
        refresh_minutes: config.calendar_refresh_minutes,
    }
}

/// Builds a feed of public events, optionally only those with `tag`, from the stored feed
/// entries: events whose entry is missing or outdated are rendered first, the rest is read
/// in order and joined.
pub async fn build(
    db: &DatabaseConnection,
    config: &Config,
    tag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Feed, sea_orm::DbErr> {
    let key = entries::render_key(config);
    let stale = entries::stale(db, scope(config, tag, now), key).await?;
    let fresh = entries::refresh(db, config, &stale).await?;

    let latest: Option<Option<DateTime<Utc>>> = event::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::max(Expr::col(event::Column::UpdatedAt))),
            "latest",
        )
        .filter(scope(config, tag, now))
        .into_tuple()
        .one(db)
        .await?;
    let rows: Vec<(i64, Option<String>, Option<String>, Option<i32>, Option<i32>)> =
        event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event_feed_entry::Column::Vevents)
            .column(event_feed_entry::Column::Zone)
            .column(event_feed_entry::Column::ZoneFrom)
            .column(event_feed_entry::Column::ZoneTo)
            .join(
                JoinType::LeftJoin,
                event_feed_entry::Relation::Event.def().rev(),
            )
            .filter(scope(config, tag, now))
            .order_by_asc(event::Column::StartsAt)
            .order_by_asc(event::Column::Id)
            .into_tuple()
            .all(db)
            .await?;

    let mut zones = ics::Zones::default();
    let mut parts: Vec<&str> = Vec::with_capacity(rows.len());
    for (id, vevents, zone, from, to) in &rows {
        if let Some(entry) = fresh.get(id) {
            if let Some(z) = &entry.zone {
                zones.add(&z.name, z.from, z.to);
            }
            parts.push(&entry.vevents);
        } else if let Some(vevents) = vevents {
            if let (Some(zone), Some(from), Some(to)) = (zone, from, to) {
                zones.add(zone, *from, *to);
            }
            parts.push(vevents);
        }
        // An event without an entry that was not stale a moment ago was published by
        // another instance meanwhile: it shows from the next build.
    }
    let name = match tag {
        Some(tag) => format!("{} \u{2013} {tag}", config.site_name),
        None => config.site_name.clone(),
    };
    let description = format!("Events of {}", config.site_name);
    let text = ics::assemble(
        &feed_info(config, &name, &description),
        &zones,
        parts.iter().copied(),
    );
    Ok(finish(text.into_bytes(), latest.flatten().unwrap_or(now)))
}

/// A feed of exactly these events, rendered now (one event's own .ics).
pub async fn feed_from(
    db: &impl ConnectionTrait,
    config: &Config,
    rows: &[event::Model],
    name: &str,
) -> Result<Feed, sea_orm::DbErr> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let tags = service::tags_for(db, &ids).await?;
    let exceptions = service::exceptions_for(db, &ids).await?;
    let empty_tags: Vec<String> = Vec::new();
    let empty_x = Vec::new();
    let feed_events: Vec<FeedEvent<'_>> = rows
        .iter()
        .map(|e| FeedEvent {
            event: e,
            tags: tags.get(&e.id).unwrap_or(&empty_tags),
            exceptions: exceptions.get(&e.id).unwrap_or(&empty_x),
            url: config.absolute_url(&format!("/events/{}", e.slug)),
        })
        .collect();
    let description = format!("Events of {}", config.site_name);
    let text = ics::render(&feed_info(config, name, &description), &feed_events);
    let last_modified = rows
        .iter()
        .map(|e| e.updated_at)
        .max()
        .unwrap_or_else(Utc::now);
    Ok(finish(text.into_bytes(), last_modified))
}

/// The validators, and the gzip copy (made here for small feeds, in the background for
/// large ones so that a rebuild is not held up by compression).
fn finish(body: Vec<u8>, last_modified: DateTime<Utc>) -> Feed {
    let digest = Sha256::digest(&body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let feed = Feed {
        gzip: OnceLock::new(),
        etag: format!("\"{hex}\""),
        gzip_etag: format!("\"{hex}-gzip\""),
        last_modified_http: http_date(last_modified),
        last_modified,
        body: body.into(),
    };
    if feed.body.len() < GZIP_IN_BACKGROUND {
        let _ = feed.gzip.set(gzip(&feed.body));
    }
    feed
}

fn gzip(body: &[u8]) -> bytes::Bytes {
    // Fast compression: the copy is made on every rebuild, and feeds compress well anyway.
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::fast(),
    );
    encoder
        .write_all(body)
        .and_then(|()| encoder.finish())
        .unwrap_or_default()
        .into()
}

/// Makes the gzip copy of a large feed on the blocking pool.
fn gzip_later(feed: &Arc<Feed>) {
    if feed.gzip.get().is_none() {
        let feed = feed.clone();
        tokio::task::spawn_blocking(move || {
            let _ = feed.gzip.set(gzip(&feed.body));
        });
    }
}

/// The feed for `key` ("all" or "tag:NAME"), from the cache while the data is unchanged.
pub async fn cached(
    cache: &FeedCache,
    db: &DatabaseConnection,
    config: &Config,
    tag: Option<&str>,
) -> Result<Arc<Feed>, sea_orm::DbErr> {
    let key = tag.map_or_else(|| "all".to_string(), |t| format!("tag:{t}"));
    let generation = cache.generation.load(Ordering::SeqCst);
    let stale_print = {
        let mut entries = cache.entries.lock().map_err(|_| poisoned())?;
        match entries.get_mut(&key) {
            Some(c)
                if c.generation == generation && (c.checked.elapsed() < RECHECK || c.checking) =>
            {
                return Ok(c.feed.clone());
            }
            Some(c) if c.generation == generation => {
                c.checking = true;
                Some((c.fingerprint.clone(), c.feed.clone()))
            }
            _ => None,
        }
    };
    let now = Utc::now();
    let print = match fingerprint(db, now).await {
        Ok(print) => print,
        Err(err) => {
            if let Ok(mut entries) = cache.entries.lock()
                && let Some(c) = entries.get_mut(&key)
            {
                c.checking = false;
            }
            return Err(err);
        }
    };
    if let Some((old, feed)) = stale_print
        && old == print
    {
        if let Ok(mut entries) = cache.entries.lock()
            && let Some(c) = entries.get_mut(&key)
        {
            c.checked = Instant::now();
            c.checking = false;
        }
        return Ok(feed);
    }
    let feed = match build(db, config, tag, now).await {
        Ok(feed) => Arc::new(feed),
        Err(err) => {
            if let Ok(mut entries) = cache.entries.lock()
                && let Some(c) = entries.get_mut(&key)
            {
                c.checking = false;
            }
            return Err(err);
        }
    };
    gzip_later(&feed);
    if let Ok(mut entries) = cache.entries.lock() {
        entries.insert(
            key,
            Cached {
                feed: feed.clone(),
                fingerprint: print,
                checked: Instant::now(),
                generation,
                checking: false,
            },
        );
    }
    Ok(feed)
}

fn poisoned() -> sea_orm::DbErr {
    sea_orm::DbErr::Custom("feed cache lock poisoned".into())
}

fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// 200 with the feed, or 304 when the caller already has it.
pub fn respond(feed: &Feed, headers: &HeaderMap, head: bool, filename: &str) -> Response {
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|c| {
                let mut parts = c.split(';');
                parts.next().is_some_and(|n| n.trim() == "gzip")
                    && !parts.any(|q| q.trim().replace(' ', "") == "q=0")
            })
        });
    let gzip = feed.gzip().filter(|g| accepts_gzip && !g.is_empty());
    let etag = if gzip.is_some() {
        feed.gzip_etag.as_str()
    } else {
        feed.etag.as_str()
    };
    // The validator the caller holds may be for either representation: both stand for the
    // same text, and the 304 names the one it matched.
    let matched = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').find_map(|t| {
            let t = t.trim();
            let t = t.strip_prefix("W/").unwrap_or(t);
            if t == "*" {
                Some(etag)
            } else {
                [feed.etag.as_str(), feed.gzip_etag.as_str()]
                    .into_iter()
                    .find(|ours| *ours == t)
            }
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .filter(|since| feed.last_modified.timestamp() <= since.timestamp())
            .map(|_| etag),
    };
    let builder = Response::builder()
        .header(header::LAST_MODIFIED, feed.last_modified_http.as_str())
        // Always revalidate: a 304 costs almost nothing, a stale calendar costs trust.
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding");
    if let Some(matched) = matched {
        return builder
            .header(header::ETAG, matched)
            .status(StatusCode::NOT_MODIFIED)
            .finish();
    }
    let body = gzip.unwrap_or(&feed.body).clone();
    let mut resp = builder
        .header(header::ETAG, etag)
        .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        )
        .header(header::CONTENT_LENGTH, body.len().to_string())
        .body(if head { Body::empty() } else { in_slices(body) });
    if gzip.is_some() {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

/// The body as a stream of slices of the shared buffer (no copies).
fn in_slices(body: bytes::Bytes) -> Body {
    if body.len() <= BODY_CHUNK {
        return Body::from_bytes(body);
    }
    let slices = (0..body.len())
        .step_by(BODY_CHUNK)
        .map(move |at| Ok::<_, std::io::Error>(body.slice(at..(at + BODY_CHUNK).min(body.len()))))
        .collect::<Vec<_>>();
    Body::from_bytes_stream(futures_util::stream::iter(slices))
}
