//! Each instance's cache of built feeds: an unchanged feed costs next to nothing. The cache
//! checks a fingerprint of the data at most once a second (one request at a time, the others
//! keep serving the cached copy), changes made through this instance clear it at once, and
//! when no copy may be served one request per feed builds while the others wait for it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::Duration;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::calendar::feeds::{Feed, build, gzip_later};
use crate::calendar::queries::{Fingerprint, fingerprint};
use crate::config::Config;

/// How long a cached feed is trusted without asking the database whether anything changed.
const RECHECK: Duration = Duration::seconds(1);

struct Cached {
    feed: Arc<Feed>,
    fingerprint: Fingerprint,
    /// When the database was last asked, by the app's clock.
    checked: DateTime<Utc>,
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
            Some(c) if c.generation == generation && (fresh(c.checked, now) || c.checking) => {
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
            checked: now,
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

/// Checked less than [`RECHECK`] ago (a clock that went back counts as stale).
fn fresh(checked: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= checked && now - checked < RECHECK
}

fn poisoned() -> sea_orm::DbErr {
    sea_orm::DbErr::Custom("feed cache lock poisoned".into())
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
            std::time::Duration::from_secs(10),
            cached(&cache, &db, &config, Some("transport"), now),
        )
        .await
        .expect("the tag feed was held up by the other build")
        .unwrap();
        assert!(tag_feed.etag.starts_with('"'));
        // The held feed itself waits for its build, as polls of one feed should.
        let waiting = tokio::time::timeout(
            std::time::Duration::from_millis(200),
            cached(&cache, &db, &config, None, now),
        )
        .await;
        assert!(waiting.is_err(), "a second build of the same feed started");
    }
}
