//! Serving feeds: which events go in, a per-instance cache that makes an unchanged feed cost
//! next to nothing, and HTTP validators (strong ETag, Last-Modified, 304) so calendar apps'
//! frequent polls are cheap. A change shows up on the next poll: the cache checks a
//! fingerprint of the data at most once a second, and changes made through this instance
//! clear it at once.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use entity::event::{self, EventStatus};
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{Body, Response};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};
use sha2::{Digest, Sha256};

use crate::calendar::ics::{self, FeedEvent, FeedInfo, Retention};
use crate::config::Config;
use crate::events::service;

/// How long a cached feed is trusted without asking the database whether anything changed.
const RECHECK: StdDuration = StdDuration::from_secs(1);

/// A built feed and its validators.
pub struct Feed {
    pub body: bytes::Bytes,
    pub gzip: bytes::Bytes,
    pub etag: String,
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date, formatted once.
    last_modified_http: String,
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

pub fn retention(config: &Config) -> Retention {
    Retention {
        past: config.calendar_past,
        cancelled: config.calendar_cancelled,
    }
}

/// Builds a feed from public events, optionally only those with `tag`.
pub async fn build(
    db: &impl ConnectionTrait,
    config: &Config,
    tag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Feed, sea_orm::DbErr> {
    let retention = retention(config);
    let oldest = now - retention.past;
    let mut select = event::Entity::find()
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .filter(
            sea_orm::Condition::any()
                .add(event::Column::EndsAt.gte(oldest))
                .add(event::Column::SeriesEndsAt.gte(oldest)),
        );
    if let Some(tag) = tag {
        select = select.filter(
            event::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(entity::event_tag::Column::EventId)
                    .from(entity::event_tag::Entity)
                    .and_where(entity::event_tag::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    let rows: Vec<event::Model> = select
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|e| ics::keep(e, now, &retention))
        .collect();
    let name = match tag {
        Some(tag) => format!("{} \u{2013} {tag}", config.site_name),
        None => config.site_name.clone(),
    };
    feed_from(db, config, &rows, &name, now).await
}

/// A feed of exactly these events (one event's own .ics, or a feed's selection).
pub async fn feed_from(
    db: &impl ConnectionTrait,
    config: &Config,
    rows: &[event::Model],
    name: &str,
    now: DateTime<Utc>,
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
    let text = ics::render(
        &FeedInfo {
            name,
            description: &description,
            site_zone: config.time_zone,
            refresh_minutes: config.calendar_refresh_minutes,
        },
        &feed_events,
    );
    let last_modified = rows.iter().map(|e| e.updated_at).max().unwrap_or(now);
    Ok(finish(text.into_bytes(), last_modified))
}

fn finish(body: Vec<u8>, last_modified: DateTime<Utc>) -> Feed {
    let digest = Sha256::digest(&body);
    let etag = format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    // Fast compression: the copy is made on every rebuild, and feeds compress well anyway.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let gzip = encoder
        .write_all(&body)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    Feed {
        body: body.into(),
        gzip: gzip.into(),
        etag,
        last_modified_http: http_date(last_modified),
        last_modified,
    }
}

/// The feed for `key` ("all" or "tag:NAME"), from the cache while the data is unchanged.
pub async fn cached(
    cache: &FeedCache,
    db: &impl ConnectionTrait,
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
    let not_modified = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| {
            let t = t.trim();
            t == "*" || t == feed.etag || t.strip_prefix("W/") == Some(feed.etag.as_str())
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .is_some_and(|since| feed.last_modified.timestamp() <= since.timestamp()),
    };
    let builder = Response::builder()
        .header(header::ETAG, feed.etag.as_str())
        .header(header::LAST_MODIFIED, feed.last_modified_http.as_str())
        // Always revalidate: a 304 costs almost nothing, a stale calendar costs trust.
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding");
    if not_modified {
        return builder.status(StatusCode::NOT_MODIFIED).finish();
    }
    let gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|c| {
                let mut parts = c.split(';');
                parts.next().is_some_and(|n| n.trim() == "gzip")
                    && !parts.any(|q| q.trim().replace(' ', "") == "q=0")
            })
        })
        && !feed.gzip.is_empty();
    let (body, length) = if gzip {
        (feed.gzip.clone(), feed.gzip.len())
    } else {
        (feed.body.clone(), feed.body.len())
    };
    let mut resp = builder
        .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        )
        .header(header::CONTENT_LENGTH, length.to_string())
        .body(if head {
            Body::empty()
        } else {
            Body::from_bytes(body)
        });
    if gzip {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}
