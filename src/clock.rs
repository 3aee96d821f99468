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

/// The real time, shifted by however far a test has moved it forward: time still passes
/// (each change gets its own instant), and a test that needs "later" moves the clock instead
/// of sleeping.
#[derive(Default)]
pub struct ShiftedClock(Mutex<Duration>);

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        if let Ok(mut shift) = self.0.lock() {
            *shift += by;
        }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let shift = self.0.lock().map_or(Duration::zero(), |s| *s);
        Utc::now() + shift
    }
}
