//! Building and serving feeds: a feed's text from the stored entries the database joins
//! (see [`crate::calendar::queries`]), kept as the pieces it was made of, with strong ETags
//! (one per representation), Last-Modified, 304s and a gzip copy. The per-instance cache
//! that makes an unchanged feed cheap is in [`crate::calendar::cache`].

use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use entity::event_feed_entry;
use poem::http::{HeaderMap, HeaderValue, StatusCode, header};
use poem::{Body, Response};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter,
    QuerySelect, RelationTrait,
};
use sha2::{Digest, Sha256};

use crate::calendar::entries;
use crate::calendar::ics::{self, FeedEvent, FeedInfo};
use crate::calendar::queries::{joined, scope};
use crate::config::Config;
use crate::events::queries;
use crate::web::conditional;

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
    pub(crate) body: Text,
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
    /// The whole text (for a small feed sent whole, such as a mail attachment).
    pub fn text(&self) -> String {
        let bytes: Vec<u8> = self
            .body
            .parts
            .iter()
            .flat_map(|p| p.iter().copied())
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip.get()
    }
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

/// One date of a series as its own calendar file (see [`ics::render_occurrence`]).
#[allow(clippy::too_many_arguments)]
pub async fn occurrence_feed(
    db: &impl ConnectionTrait,
    config: &Config,
    e: &event::Model,
    original: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    cancelled: bool,
) -> Result<Feed, sea_orm::DbErr> {
    let tags = queries::tags_for(db, &[e.id])
        .await?
        .remove(&e.id)
        .unwrap_or_default();
    let date = original.with_timezone(&e.zone()).format("%Y-%m-%d");
    let fe = FeedEvent {
        event: e,
        tags: &tags,
        exceptions: &[],
        url: config.absolute_url(&format!("/events/{}/{date}", e.slug)),
    };
    let description = format!("Events of {}", config.site_name);
    let name = format!(
        "{} \u{2013} {}",
        e.title,
        starts_at
            .with_timezone(&config.time_zone)
            .format("%-d %B %Y")
    );
    let text = ics::render_occurrence(
        &feed_info(config, &name, &description),
        &fe,
        original,
        starts_at,
        ends_at,
        cancelled,
    );
    Ok(finish(Text::new([Bytes::from(text)]), e.updated_at))
}

/// A member's personal feed of what they are going to (see [`ics::render_personal`]).
pub fn personal(
    config: &Config,
    person: &str,
    email: &str,
    items: &[ics::Attending<'_>],
    last_modified: DateTime<Utc>,
) -> Feed {
    let name = format!("{}: my events", config.site_name);
    let description = format!("Events of {} that {person} is going to", config.site_name);
    let text = ics::render_personal(
        &feed_info(config, &name, &description),
        person,
        email,
        items,
    );
    finish(Text::new([Bytes::from(text)]), last_modified)
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
        last_modified_http: conditional::http_date(last_modified),
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
pub(crate) fn gzip_later(feed: &Arc<Feed>) {
    if feed.gzip.get().is_none() {
        let feed = feed.clone();
        tokio::task::spawn_blocking(move || {
            let _ = feed.gzip.set(gzip(&feed.body));
        });
    }
}

/// 200 with the feed, or 304 when the caller already has it.
pub fn respond(feed: &Feed, headers: &HeaderMap, head: bool, filename: &str) -> Response {
    let accepts_gzip = conditional::accepts_gzip(headers);
    let gzip = feed.gzip().filter(|g| accepts_gzip && !g.is_empty());
    // The validator the caller holds may be for either representation: both stand for the
    // same text, and the 304 names the one it matched (this response's own, for `*`).
    let (etag, other) = if gzip.is_some() {
        (feed.gzip_etag.as_str(), feed.etag.as_str())
    } else {
        (feed.etag.as_str(), feed.gzip_etag.as_str())
    };
    let matched = conditional::already_has(headers, &[etag, other], Some(feed.last_modified));
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
