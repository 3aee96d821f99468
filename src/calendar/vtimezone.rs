//! VTIMEZONE components generated from the tz database, so calendar apps place every
//! occurrence of a series at the organiser's local time on both sides of a clock change.
//! Each transition in the years covered becomes its own observance (no RRULE guesswork).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// The years any VTIMEZONE may cover, whatever dates are stored: forms accept dates up to
/// twenty years ahead, and rows from before that rule must not make a feed describe
/// centuries of clock changes.
pub const FIRST_YEAR: i32 = 1970;
pub const LAST_YEAR: i32 = 2100;

struct Transition {
    at: DateTime<Utc>,
    from: i32,
    to: i32,
    name: String,
    dst: bool,
}

/// The offset in force at `at`, from chrono-tz (the database event times are computed with).
fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let name = offset
        .abbreviation()
        .map(str::to_string)
        .unwrap_or_else(|| format_offset(offset.fix().local_minus_utc()));
    (
        offset.fix().local_minus_utc(),
        !offset.dst_offset().is_zero(),
        name,
    )
}

/// The changes of offset between `from` and `to`, found day by day and narrowed to the
/// second. chrono-tz, which every event time is computed with, does not publish its list of
/// transitions, and a second copy of the tz database (jiff's) is another release that
/// disagrees with it (on Africa/Casablanca, for one): the offsets must come from the same
/// place as the event times, so they are read from chrono-tz. The years are bounded by
/// [`FIRST_YEAR`] and [`LAST_YEAR`], so a build is at most some 47,000 lookups, once per
/// zone and span (the result is cached).
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Transition> {
    let mut found = Vec::new();
    let mut t = from;
    let (mut current, _, _) = offset_at(tz, t);
    while t < to {
        let next = t + Duration::days(1);
        let (offset, _, _) = offset_at(tz, next);
        if offset != current {
            // Narrow the change down to the second.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid).0 == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let (to_offset, dst, name) = offset_at(tz, hi);
            found.push(Transition {
                at: hi,
                from: current,
                to: to_offset,
                name,
                dst,
            });
            current = offset;
        }
        t = next;
    }
    found
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

fn observance(out: &mut String, dst: bool, onset_local: &str, from: i32, to: i32, name: &str) {
    let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
    out.push_str(&format!(
        "BEGIN:{kind}\r\nDTSTART:{onset_local}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
        format_offset(from),
        format_offset(to),
        crate::calendar::ics::escape(crate::calendar::ics::Value::Text(name)),
    ));
}

fn build(tz: Tz, from_year: i32, to_year: i32) -> String {
    let year_start = |year: i32| {
        Utc.with_ymd_and_hms(year.clamp(FIRST_YEAR, LAST_YEAR + 1), 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::UNIX_EPOCH)
    };
    let start = year_start(from_year);
    let end = year_start(to_year + 1).max(start);
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let (offset, dst, name) = offset_at(tz, start);
    // What applies from the start of the range until its first change.
    let onset = (start + Duration::seconds(i64::from(offset)))
        .format("%Y%m%dT%H%M%S")
        .to_string();
    observance(&mut out, dst, &onset, offset, offset, &name);
    for t in transitions(tz, start, end) {
        // DTSTART is the wall-clock time of the change in the offset in force before it.
        let onset = (t.at + Duration::seconds(i64::from(t.from)))
            .format("%Y%m%dT%H%M%S")
            .to_string();
        observance(&mut out, t.dst, &onset, t.from, t.to, &t.name);
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

type Cache = Mutex<HashMap<(Tz, i32, i32), Arc<str>>>;

/// The VTIMEZONE for `tz` covering the years `from_year..=to_year`, built once per process.
pub fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> Arc<str> {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let from_year = from_year.clamp(FIRST_YEAR, LAST_YEAR);
    let key = (tz, from_year, to_year.clamp(from_year, LAST_YEAR));
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return found;
    }
    let built: Arc<str> = build(tz, from_year, to_year).into();
    if let Ok(mut c) = cache.lock() {
        c.insert(key, built.clone());
    }
    built
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_2027_has_both_changes_at_the_right_wall_times() {
        let text = vtimezone(chrono_tz::Europe::London, 2027, 2027);
        assert!(text.starts_with("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
        assert!(text.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20270328T010000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0100\r\nTZNAME:BST\r\nEND:DAYLIGHT\r\n"
        ), "{text}");
        assert!(text.contains(
            "BEGIN:STANDARD\r\nDTSTART:20271031T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0000\r\nTZNAME:GMT\r\nEND:STANDARD\r\n"
        ), "{text}");
    }

    #[test]
    fn absurd_years_are_cut_to_the_years_any_feed_needs() {
        let started = std::time::Instant::now();
        let text = vtimezone(chrono_tz::Europe::London, 2026, 100_000);
        let last = text.rfind("DTSTART:").unwrap();
        let year: i32 = text[last + 8..last + 12].parse().unwrap();
        assert!((2099..=LAST_YEAR).contains(&year), "{}", &text[last..]);
        assert!(text.matches("BEGIN:").count() < 2 * (LAST_YEAR - 2026 + 2) as usize);
        // Not a speed target: a guard against stepping to year 100000 again, which took
        // tens of seconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let negative = vtimezone(chrono_tz::Europe::London, -262_143, -1);
        assert!(negative.contains("DTSTART:1970"), "{negative}");
    }

    #[test]
    fn a_zone_without_clock_changes_has_one_observance() {
        let text = vtimezone(chrono_tz::Asia::Tokyo, 2026, 2027);
        assert_eq!(text.matches("BEGIN:STANDARD").count(), 1);
        assert!(text.contains("TZOFFSETTO:+0900"));
        assert!(!text.contains("DAYLIGHT"));
    }
}
