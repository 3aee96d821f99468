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

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use entity::event::{self, EventStatus};
use entity::event_feed_entry;
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{Body, Response};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use sha2::{Digest, Sha256};

use crate::calendar::entries;
use crate::calendar::ics::{self, FeedEvent, FeedInfo};
use crate::config::Config;
use crate::events::queries;

/// How long a cached feed is trusted without asking the database whether anything changed.
const RECHECK: StdDuration = StdDuration::from_secs(1);

/// Bodies at least this long are gzipped off the request path, after the feed is built;
/// until the copy is ready they are served uncompressed.
const GZIP_IN_BACKGROUND: usize = 256 * 1024;

/// Bodies go out in slices of this size, so that the HTTP layer's per-connection write
/// buffer (it copies what it is given) stays small whatever the size of the feed.
const BODY_CHUNK: usize = 64 * 1024;

/// Text kept as the pieces it was made of: a 10,000-event feed is megabytes, and joining
/// the pieces would only copy them once more.
#[derive(Clone, Default)]
pub struct Text {
    parts: Vec<Bytes>,
    len: usize,
}

impl Text {
    fn new(parts: impl IntoIterator<Item = Bytes>) -> Text {
        let parts: Vec<Bytes> = parts.into_iter().filter(|p| !p.is_empty()).collect();
        let len = parts.iter().map(Bytes::len).sum();
        Text { parts, len }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slices of at most `BODY_CHUNK` bytes, sharing the pieces' memory.
    fn slices(&self) -> impl Iterator<Item = Bytes> + '_ {
        self.parts.iter().flat_map(|part| {
            (0..part.len())
                .step_by(BODY_CHUNK)
                .map(move |at| part.slice(at..(at + BODY_CHUNK).min(part.len())))
        })
    }
}

/// A built feed and its validators.
pub struct Feed {
    body: Text,
    gzip: OnceLock<Bytes>,
    /// Strong validators: one per representation (identity and gzip).
    pub etag: String,
    gzip_etag: String,
    pub last_modified: DateTime<Utc>,
    /// `last_modified` as an HTTP date, formatted once.
    last_modified_http: String,
}

impl Feed {
    /// The gzip copy, once it has been made.
    pub fn gzip(&self) -> Option<&Bytes> {
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
    /// One lock per feed, held while building it when no request may be served from the
    /// cache: polls of the same feed wait for one build, and a slow build of one feed never
    /// holds up another.
    building: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl FeedCache {
    fn build_lock(&self, key: &str) -> Result<Arc<tokio::sync::Mutex<()>>, sea_orm::DbErr> {
        let mut locks = self.building.lock().map_err(|_| poisoned())?;
        Ok(locks.entry(key.to_string()).or_default().clone())
    }
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

/// A feed's events joined in the database: one row, whatever the number of events.
#[derive(FromQueryResult)]
struct Joined {
    /// The VEVENT texts in order (events without an entry are left out).
    body: Option<String>,
    /// Ids of events whose entry is missing or outdated, comma-separated.
    stale: Option<String>,
    /// The first and last of the time zones the entries use (the same when there is one),
    /// and the years all of them need.
    first_zone: Option<String>,
    last_zone: Option<String>,
    zone_from: Option<i32>,
    zone_to: Option<i32>,
}

async fn joined(
    db: &DatabaseConnection,
    scope: Condition,
    key: i64,
) -> Result<Joined, sea_orm::DbErr> {
    let s = Alias::new("s");
    let ordered = |c: event::Column| Expr::col((s.clone(), c));
    let entry = |c: event_feed_entry::Column| Expr::col((event_feed_entry::Entity, c));
    // The feed's events in order, as a subquery of ids only: sorting whole entries would
    // make the database carry every text through its sorter.
    let events = Query::select()
        .columns([
            (event::Entity, event::Column::Id),
            (event::Entity, event::Column::StartsAt),
            (event::Entity, event::Column::UpdatedAt),
        ])
        .from(event::Entity)
        .cond_where(scope)
        .order_by((event::Entity, event::Column::StartsAt), Order::Asc)
        .order_by((event::Entity, event::Column::Id), Order::Asc)
        .to_owned();
    let backend = db.get_database_backend();
    let body = match backend {
        // SQLite joins the subquery's rows in the order it produces them.
        DbBackend::Sqlite => Expr::cust(r#"group_concat("event_feed_entry"."vevents", '')"#),
        _ => Expr::cust(
            r#"string_agg("event_feed_entry"."vevents", '' ORDER BY "s"."starts_at", "s"."id")"#,
        ),
    };
    let valid = entry(event_feed_entry::Column::RenderKey)
        .eq(key)
        .and(entry(event_feed_entry::Column::RenderedFor).eq(ordered(event::Column::UpdatedAt)));
    let query = Query::select()
        .expr_as(body, Alias::new("body"))
        .expr_as(
            // `string_agg` is in PostgreSQL and in SQLite since 3.44 (the bundled one is
            // newer).
            Func::cust("string_agg").args([
                Expr::case(valid, Expr::val(None::<String>))
                    .finally(Func::cast_as(ordered(event::Column::Id), "TEXT"))
                    .into(),
                Expr::val(","),
            ]),
            Alias::new("stale"),
        )
        .expr_as(
            Func::min(entry(event_feed_entry::Column::Zone)),
            Alias::new("first_zone"),
        )
        .expr_as(
            Func::max(entry(event_feed_entry::Column::Zone)),
            Alias::new("last_zone"),
        )
        .expr_as(
            Func::min(entry(event_feed_entry::Column::ZoneFrom)),
            Alias::new("zone_from"),
        )
        .expr_as(
            Func::max(entry(event_feed_entry::Column::ZoneTo)),
            Alias::new("zone_to"),
        )
        .from_subquery(events, s.clone())
        .join(
            JoinType::LeftJoin,
            event_feed_entry::Entity,
            Expr::col((s.clone(), event::Column::Id))
                .equals((event_feed_entry::Entity, event_feed_entry::Column::EventId)),
        )
        .to_owned();
    let row = db
        .query_one(&query)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("feed aggregate".into()))?;
    Joined::from_query_result(&row, "")
}

/// Builds a feed of public events, optionally only those with `tag`, from the stored feed
/// entries, which the database joins in order. Events whose entry is missing or outdated are
/// rendered and stored first. `latest` is the last change to any public event (the feed's
/// Last-Modified).
pub async fn build(
    db: &DatabaseConnection,
    config: &Config,
    tag: Option<&str>,
    now: DateTime<Utc>,
    latest: Option<DateTime<Utc>>,
    since: Option<DateTime<Utc>>,
) -> Result<Feed, sea_orm::DbErr> {
    let key = entries::render_key(config);
    if let Some(since) = since {
        // Found by the (status, updated_at) index: usually a handful, rendered now so
        // that one read of the entries is enough.
        let changed: Vec<i64> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
            .filter(event::Column::UpdatedAt.gt(since))
            .into_tuple()
            .all(db)
            .await?;
        entries::refresh(db, config, &changed).await?;
    }
    let mut joined = joined(db, scope(config, tag, now), key).await?;
    if let Some(stale) = joined.stale.as_deref().filter(|s| !s.is_empty()) {
        let ids: Vec<i64> = stale.split(',').filter_map(|id| id.parse().ok()).collect();
        entries::refresh(db, config, &ids).await?;
        joined = self::joined(db, scope(config, tag, now), key).await?;
        // Anything still stale changed again meanwhile (another instance): the fingerprint
        // has moved too, so the next poll builds again.
    }

    let mut zones = ics::Zones::default();
    if joined.first_zone != joined.last_zone {
        let spans: Vec<(String, Option<i32>, Option<i32>)> = event::Entity::find()
            .select_only()
            .column(event_feed_entry::Column::Zone)
            .column_as(
                Expr::expr(Func::min(Expr::col(event_feed_entry::Column::ZoneFrom))),
                "from",
            )
            .column_as(
                Expr::expr(Func::max(Expr::col(event_feed_entry::Column::ZoneTo))),
                "to",
            )
            .join(
                JoinType::InnerJoin,
                event_feed_entry::Relation::Event.def().rev(),
            )
            .filter(scope(config, tag, now))
            .filter(event_feed_entry::Column::Zone.is_not_null())
            .group_by(event_feed_entry::Column::Zone)
            .into_tuple()
            .all(db)
            .await?;
        for (zone, from, to) in spans {
            if let (Some(from), Some(to)) = (from, to) {
                zones.add(&zone, from, to);
            }
        }
    } else if let (Some(zone), Some(from), Some(to)) =
        (&joined.first_zone, joined.zone_from, joined.zone_to)
    {
        zones.add(zone, from, to);
    }
    let name = match tag {
        Some(tag) => format!("{} \u{2013} {tag}", config.site_name),
        None => config.site_name.clone(),
    };
    let description = format!("Events of {}", config.site_name);
    let head = ics::head(&feed_info(config, &name, &description), &zones);
    let text = Text::new([
        Bytes::from(head),
        Bytes::from(joined.body.unwrap_or_default()),
        Bytes::from_static(ics::END.as_bytes()),
    ]);
    Ok(finish(text, latest.unwrap_or(now)))
}

/// A feed of exactly these events, rendered now (one event's own .ics).
pub async fn feed_from(
    db: &impl ConnectionTrait,
    config: &Config,
    rows: &[event::Model],
    name: &str,
    now: DateTime<Utc>,
) -> Result<Feed, sea_orm::DbErr> {
    let ids: Vec<i64> = rows.iter().map(|e| e.id).collect();
    let tags = queries::tags_for(db, &ids).await?;
    let exceptions = queries::exceptions_for(db, &ids).await?;
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
    let text = Text::new([Bytes::from(ics::render(
        &feed_info(config, name, &description),
        &feed_events,
    ))]);
    let last_modified = rows.iter().map(|e| e.updated_at).max().unwrap_or(now);
    Ok(finish(text, last_modified))
}

/// The validators, and the gzip copy (made here for small feeds, in the background for
/// large ones so that a rebuild is not held up by compression).
fn finish(body: Text, last_modified: DateTime<Utc>) -> Feed {
    let mut hasher = Sha256::new();
    for part in &body.parts {
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let feed = Feed {
        gzip: OnceLock::new(),
        etag: format!("\"{hex}\""),
        gzip_etag: format!("\"{hex}-gzip\""),
        last_modified_http: http_date(last_modified),
        last_modified,
        body,
    };
    if feed.body.len() < GZIP_IN_BACKGROUND {
        let _ = feed.gzip.set(gzip(&feed.body));
    }
    feed
}

fn gzip(body: &Text) -> Bytes {
    // Fast compression: the copy is made on every rebuild, and feeds compress well anyway.
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 8),
        flate2::Compression::fast(),
    );
    body.parts
        .iter()
        .try_for_each(|part| encoder.write_all(part))
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
///
/// At most one request per feed asks the database whether it changed (the others keep
/// serving the cached copy meanwhile), and when there is no copy that may be served, one
/// request builds while the others wait for it rather than all building at once.
pub async fn cached(
    cache: &FeedCache,
    db: &DatabaseConnection,
    config: &Config,
    tag: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Arc<Feed>, sea_orm::DbErr> {
    let key = tag.map_or_else(|| "all".to_string(), |t| format!("tag:{t}"));
    let generation = cache.generation.load(Ordering::SeqCst);
    // What was cached: its fingerprint, and the feed itself if it may still be served.
    let previous = {
        let mut entries = cache.entries.lock().map_err(|_| poisoned())?;
        match entries.get_mut(&key) {
            Some(c)
                if c.generation == generation && (c.checked.elapsed() < RECHECK || c.checking) =>
            {
                return Ok(c.feed.clone());
            }
            Some(c) if c.generation == generation => {
                c.checking = true;
                Some((c.fingerprint.clone(), Some(c.feed.clone())))
            }
            // Changed through this instance since: not to be served again.
            Some(c) => Some((c.fingerprint.clone(), None)),
            None => None,
        }
    };
    let (old_print, serving) = match previous {
        Some((print, feed)) => (Some(print), feed),
        None => (None, None),
    };
    // Whatever happens to this request (an error, or the caller hanging up mid-build), the
    // next one may check again.
    let _checking = serving.is_some().then(|| Checking {
        cache,
        key: key.as_str(),
    });
    let build_lock = match serving {
        Some(_) => None,
        None => Some(cache.build_lock(&key)?),
    };
    let _building = match &build_lock {
        None => None,
        Some(lock) => {
            let guard = lock.lock().await;
            // Built by the request we waited for?
            let entries = cache.entries.lock().map_err(|_| poisoned())?;
            if let Some(c) = entries.get(&key)
                && c.generation == generation
            {
                return Ok(c.feed.clone());
            }
            Some(guard)
        }
    };

    let print = fingerprint(db, now).await?;
    let feed = match (&old_print, serving) {
        (Some(old), Some(feed)) if *old == print => feed,
        _ => {
            let started = Instant::now();
            // Events changed since the last build are rendered before the feed is read.
            let since = old_print.as_ref().and_then(|old| old.latest);
            let feed = Arc::new(build(db, config, tag, now, print.latest, since).await?);
            tracing::debug!(
                feed = %key,
                bytes = feed.body.len(),
                ms = started.elapsed().as_secs_f64() * 1000.0,
                "calendar feed built"
            );
            gzip_later(&feed);
            feed
        }
    };
    let mut entries = cache.entries.lock().map_err(|_| poisoned())?;
    entries.insert(
        key.clone(),
        Cached {
            feed: feed.clone(),
            fingerprint: print,
            checked: Instant::now(),
            generation,
            checking: false,
        },
    );
    Ok(feed)
}

/// Clears a cached feed's `checking` mark when the request that set it ends, however it ends.
struct Checking<'a> {
    cache: &'a FeedCache,
    key: &'a str,
}

impl Drop for Checking<'_> {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.cache.entries.lock()
            && let Some(c) = entries.get_mut(self.key)
        {
            c.checking = false;
        }
    }
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
    let body = gzip.map_or_else(|| feed.body.clone(), |g| Text::new([g.clone()]));
    let mut resp = builder
        .header(header::ETAG, etag)
        .header(header::CONTENT_TYPE, "text/calendar; charset=utf-8")
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("inline", filename),
        )
        .header(header::CONTENT_LENGTH, body.len().to_string())
        .body(if head { Body::empty() } else { in_slices(body) });
    if gzip.is_some() {
        resp.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    resp
}

/// The body as a stream of slices of the shared pieces (no copies).
fn in_slices(body: Text) -> Body {
    if let [only] = body.parts.as_slice()
        && only.len() <= BODY_CHUNK
    {
        return Body::from_bytes(only.clone());
    }
    let slices: Vec<Result<Bytes, std::io::Error>> = body.slices().map(Ok).collect();
    Body::from_bytes_stream(futures_util::stream::iter(slices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_feed_being_built_does_not_hold_up_another() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().to_str().unwrap().to_string();
        let config = Config::from_pairs([("data_dir", data_dir.as_str())]).unwrap();
        let db = crate::db::connect(&config).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        let cache = FeedCache::default();
        let now = DateTime::from_timestamp(1_780_000_000, 0).unwrap();

        // The whole calendar is being built, slowly.
        let slow = cache.build_lock("all").unwrap();
        let _held = slow.lock().await;

        let tag_feed = tokio::time::timeout(
            StdDuration::from_secs(10),
            cached(&cache, &db, &config, Some("transport"), now),
        )
        .await
        .expect("the tag feed was held up by the other build")
        .unwrap();
        assert!(tag_feed.etag.starts_with('"'));
        // The held feed itself waits for its build, as polls of one feed should.
        let waiting = tokio::time::timeout(
            StdDuration::from_millis(200),
            cached(&cache, &db, &config, None, now),
        )
        .await;
        assert!(waiting.is_err(), "a second build of the same feed started");
    }
}
