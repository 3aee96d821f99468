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

#[derive(Default)]
pub struct ReadCache {
    entries: Mutex<HashMap<String, Entry>>,
    generation: AtomicU64,
}

impl ReadCache {
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
        if let Ok(entries) = self.entries.lock()
            && let Some((at, entry_generation, value)) = entries.get(&key)
            && *entry_generation == generation
            && at.elapsed() < LIFETIME
            && let Ok(value) = value.clone().downcast::<T>()
        {
            return Ok(value);
        }
        let value = Arc::new(load.await?);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (Instant::now(), generation, value.clone()));
        }
        Ok(value)
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
