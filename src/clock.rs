//! What time it is, asked of one place. Handlers read [`Clock::now`] from the app state and
//! hand the instant to the services, so tests can fix the time or move it forward instead of
//! sleeping. This is the only code that reads the system's clock.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A time that moves only when told to (tests).
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(now))
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.lock().map_or(DateTime::UNIX_EPOCH, |now| *now)
    }
}
