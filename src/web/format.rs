//! Showing times to people: always in the site's time zone, in plain British style.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// "24 Nov 2026, 10:15".
pub fn date_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %b %Y, %H:%M").to_string()
}

/// "24 November 2026": a day, without the time.
pub fn day(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %B %Y").to_string()
}

/// The first instant of a day in `tz`. Where a clock change skips midnight, the day starts at
/// the first hour that exists.
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    (0..24)
        .find_map(|hour| {
            date.and_hms_opt(hour, 0, 0)
                .and_then(|local| tz.from_local_datetime(&local).earliest())
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN)))
}

/// The machine-readable form for `<time datetime=...>`.
pub fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "1 event", "12 events", or "1000 or more events" when a search stopped counting.
pub fn counted(n: usize, more: bool, one: &str, many: &str) -> String {
    match n {
        n if more => format!("{n} or more {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shown_in_the_site_zone_across_clock_changes() {
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 17, 0, 0).unwrap();
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 18, 0, 0).unwrap();
        let london = chrono_tz::Europe::London;
        assert_eq!(date_time(summer, london), "1 Jul 2026, 18:00");
        assert_eq!(date_time(winter, london), "1 Dec 2026, 18:00");
    }

    #[test]
    fn counts_say_when_a_search_stopped_counting() {
        assert_eq!(counted(1, false, "event", "events"), "1 event");
        assert_eq!(counted(0, false, "event", "events"), "0 events");
        assert_eq!(
            counted(1000, true, "event", "events"),
            "1000 or more events"
        );
    }
}
