//! What people answer for: a one-off event, or one date of a series (by the date it was
//! planned for, as in the address of its page), with its times after any change to it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::event::{self, EventStatus};
use entity::event_exception;

use crate::events::page;

/// An event, or one date of a series, as answers see it.
#[derive(Debug, Clone)]
pub struct Slot {
    /// `""` for a one-off event, `YYYY-MM-DD` for a date of a series (`rsvp.occurrence`).
    pub key: String,
    pub date: Option<NaiveDate>,
    /// For a date of a series: the start it was planned for.
    pub original: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    pub postponed: bool,
}

impl Slot {
    /// When answers close: the organiser's deadline before the start, or the start.
    pub fn closes_at(&self, e: &event::Model) -> DateTime<Utc> {
        self.starts_at - Duration::hours(i64::from(e.rsvp_closes_hours.unwrap_or(0).max(0)))
    }

    /// Its page.
    pub fn href(&self, e: &event::Model) -> String {
        match self.date {
            Some(date) => format!("/events/{}/{}", e.slug, date.format("%Y-%m-%d")),
            None => format!("/events/{}", e.slug),
        }
    }

    pub fn is_over(&self, now: DateTime<Utc>) -> bool {
        self.ends_at <= now
    }
}

/// The key stored for a date (or for a one-off event).
pub fn key_of(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A one-off event when `date` is none; the date of a series planned for `date` otherwise.
/// None when there is no such thing: a date given for a one-off event, none for a series, or
/// a day the series does not meet.
pub fn resolve(
    e: &event::Model,
    exceptions: &[event_exception::Model],
    date: Option<NaiveDate>,
) -> Option<Slot> {
    match (e.rrule.is_some(), date) {
        (false, None) => Some(Slot {
            key: String::new(),
            date: None,
            original: None,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            cancelled: e.status == EventStatus::Cancelled,
            postponed: e.postponed_at.is_some(),
        }),
        (true, Some(date)) => page::occurrence_on(e, exceptions, date).map(|at| Slot {
            key: key_of(Some(date)),
            date: Some(date),
            original: Some(at.original),
            starts_at: at.starts_at,
            ends_at: at.ends_at,
            cancelled: at.cancelled,
            postponed: at.postponed,
        }),
        _ => None,
    }
}

/// The slot a stored key stands for.
pub fn from_key(
    e: &event::Model,
    exceptions: &[event_exception::Model],
    key: &str,
) -> Option<Slot> {
    if key.is_empty() {
        resolve(e, exceptions, None)
    } else {
        let date = NaiveDate::parse_from_str(key, "%Y-%m-%d").ok()?;
        resolve(e, exceptions, Some(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_off_event_has_one_slot_and_a_series_one_per_date() {
        let mut e = crate::events::sample_event(EventStatus::Published);
        let one = resolve(&e, &[], None).unwrap();
        assert_eq!(one.key, "");
        assert!(resolve(&e, &[], NaiveDate::from_ymd_opt(2026, 7, 8)).is_none());

        e.rrule = Some("FREQ=WEEKLY;COUNT=4".into());
        assert!(resolve(&e, &[], None).is_none(), "a series needs a date");
        let second = resolve(&e, &[], NaiveDate::from_ymd_opt(2026, 7, 15)).unwrap();
        assert_eq!(second.key, "2026-07-15");
        assert_eq!(second.starts_at, e.starts_at + Duration::days(7));
        assert!(
            resolve(&e, &[], NaiveDate::from_ymd_opt(2026, 7, 16)).is_none(),
            "not a day the series meets"
        );
        assert_eq!(
            from_key(&e, &[], "2026-07-15").unwrap().starts_at,
            second.starts_at
        );
    }

    #[test]
    fn answers_close_at_the_deadline_before_the_start() {
        let mut e = crate::events::sample_event(EventStatus::Published);
        let slot = resolve(&e, &[], None).unwrap();
        assert_eq!(slot.closes_at(&e), e.starts_at);
        e.rsvp_closes_hours = Some(48);
        assert_eq!(slot.closes_at(&e), e.starts_at - Duration::hours(48));
    }
}
