//! A short-lived cache for what public pages read from the database (an event and its tags,
//! a page of a listing), so a popular page costs no query at all most of the time.
//!
//! Entries live for one second at most: another instance's change shows within a second,
//! and any change made through this instance clears everything at once (see `lib.rs`).
//! Only data every visitor may see goes in; who is looking is added when the page renders.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIFETIME: Duration = Duration::from_secs(1);
/// Enough for every page anyone is likely to look at within a second; beyond it the cache
/// starts again rather than growing.
const MAX_ENTRIES: usize = 4096;

type Entry = (Instant, u64, Arc<dyn Any + Send + Sync>);

pub struct ReadCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// How many entries before it starts again.
    capacity: usize,
    /// Keys being reloaded right now: others keep getting the expired value meanwhile
    /// instead of all reloading at once when a busy page's second is up.
    loading: Mutex<std::collections::HashSet<String>>,
    generation: AtomicU64,
}

impl Default for ReadCache {
    fn default() -> Self {
        Self::with_capacity(MAX_ENTRIES)
    }
}

impl ReadCache {
    pub fn with_capacity(capacity: usize) -> Self {
        ReadCache {
            entries: Mutex::default(),
            capacity,
            loading: Mutex::default(),
            generation: AtomicU64::new(0),
        }
    }

    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The value for `key`, from the cache while fresh, otherwise from `load`.
    pub async fn get_or_load<T, E, F>(&self, key: String, load: F) -> Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T, E>>,
    {
        let generation = self.generation.load(Ordering::SeqCst);
        let expired = match self.entries.lock() {
            Ok(entries) => match entries.get(&key) {
                // Only an entry from the current generation may be served: after a change
                // on this instance everybody waits for fresh data.
                Some((at, entry_generation, value)) if *entry_generation == generation => {
                    match value.clone().downcast::<T>() {
                        Ok(value) if at.elapsed() < LIFETIME => return Ok(value),
                        Ok(value) => Some(value),
                        Err(_) => None,
                    }
                }
                _ => None,
            },
            Err(_) => None,
        };
        let reloading_elsewhere = match self.loading.lock() {
            Ok(mut loading) => !loading.insert(key.clone()),
            Err(_) => false,
        };
        if let (true, Some(stale)) = (reloading_elsewhere, expired) {
            return Ok(stale);
        }
        // Clears the mark even if this request is dropped half-way through loading.
        let _mark = (!reloading_elsewhere).then(|| LoadingMark {
            cache: self,
            key: key.clone(),
        });
        let value = Arc::new(load.await?);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), generation, value.clone()));
        }
        Ok(value)
    }
}

struct LoadingMark<'a> {
    cache: &'a ReadCache,
    key: String,
}

impl Drop for LoadingMark<'_> {
    fn drop(&mut self) {
        if let Ok(mut loading) = self.cache.loading.lock() {
            loading.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_reused_until_invalidated() {
        let cache = ReadCache::default();
        let loads = AtomicU64::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(42)
        };
        assert_eq!(*cache.get_or_load("a".into(), load()).await.unwrap(), 42);
        assert_eq!(*cache.get_or_load("a".into(), load()).await.unwrap(), 42);
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        cache.invalidate();
        cache.get_or_load("a".into(), load()).await.unwrap();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn while_one_request_reloads_others_get_the_expired_value() {
        let cache = ReadCache::default();
        cache
            .get_or_load("a".into(), async { Ok::<_, ()>(1) })
            .await
            .unwrap();
        tokio::time::sleep(LIFETIME + Duration::from_millis(50)).await;
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = cache.get_or_load("a".into(), async {
            let _ = wait.await;
            Ok::<_, ()>(2)
        });
        let fast = async {
            // The slow reload has registered itself by the time this runs.
            tokio::task::yield_now().await;
            let stale = cache
                .get_or_load("a".into(), async { Ok::<_, ()>(3) })
                .await
                .unwrap();
            let _ = release.send(());
            stale
        };
        let (fresh, stale) = tokio::join!(slow, fast);
        assert_eq!(*stale, 1, "served the expired value");
        assert_eq!(*fresh.unwrap(), 2);
    }

    #[tokio::test]
    async fn entries_expire_after_a_second() {
        let cache = ReadCache::default();
        cache
            .get_or_load("a".into(), async { Ok::<_, ()>(1) })
            .await
            .unwrap();
        tokio::time::sleep(LIFETIME + Duration::from_millis(50)).await;
        let fresh = cache
            .get_or_load("a".into(), async { Ok::<_, ()>(2) })
            .await
            .unwrap();
        assert_eq!(*fresh, 2);
    }
}
