//! Series: an RRULE kept in the organiser's time zone, expanded into occurrences with the
//! `rrule` crate, so an 18:00 meeting stays at 18:00 local time through clock changes.

use chrono::{DateTime, Duration, Utc};
use rrule::{RRule, RRuleSet, Unvalidated};

/// A series that ends may not produce more than this many occurrences; pages, listings and
/// feeds never expand more than this many of any series at once.
pub const MAX_OCCURRENCES: u16 = 500;

/// A rule that passed [`validate`]: re-written from its parsed form, so that what is stored
/// and written into calendar feeds is exactly what was understood, never the text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRule {
    pub rule: String,
    /// When the last occurrence starts; `None` for an open-ended series (no UNTIL or COUNT).
    pub last_start: Option<DateTime<Utc>>,
}

/// Whether every character could belong to an RRULE value (RFC 5545 section 3.3.10): names
/// and numbers, `=`, `;`, `,`, signs, and the `:` of an `RRULE:` prefix. Everything else
/// (line breaks above all, which would start new lines in calendar feeds) is refused before
/// the rule is parsed.
fn grammar_characters_only(rule: &str) -> bool {
    rule.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '=' | ';' | ',' | '+' | '-' | ':'))
}

/// A parsed rule written out again. The rrule crate writes "the first Thursday" (`1TH`) as
/// `TH`, which means every Thursday: its BYDAY part is written here instead.
fn write(parsed: &RRule<Unvalidated>) -> String {
    let by_day = parsed
        .get_by_weekday()
        .iter()
        .map(|day| match day {
            rrule::NWeekday::Every(d) => weekday_code(*d).to_string(),
            rrule::NWeekday::Nth(n, d) => format!("{n}{}", weekday_code(*d)),
        })
        .collect::<Vec<_>>()
        .join(",");
    parsed
        .to_string()
        .split(';')
        .map(|part| {
            if part.starts_with("BYDAY=") {
                format!("BYDAY={by_day}")
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

fn weekday_code(day: chrono::Weekday) -> &'static str {
    match day {
        chrono::Weekday::Mon => "MO",
        chrono::Weekday::Tue => "TU",
        chrono::Weekday::Wed => "WE",
        chrono::Weekday::Thu => "TH",
        chrono::Weekday::Fri => "FR",
        chrono::Weekday::Sat => "SA",
        chrono::Weekday::Sun => "SU",
    }
}

fn parse(rule: &str) -> Result<RRule<Unvalidated>, String> {
    let rule = rule.trim_matches(' ');
    if !grammar_characters_only(rule) {
        return Err(
            "A repeat rule has only letters, digits and = ; , + - (for example \
             FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;COUNT=6)."
                .into(),
        );
    }
    // Names in iCalendar are case-insensitive; the parser wants capitals.
    let rule = rule.to_ascii_uppercase();
    let body = rule.strip_prefix("RRULE:").unwrap_or(&rule);
    if body.contains(':') {
        return Err("Give one repeat rule, without DTSTART or other properties.".into());
    }
    body.parse()
        .map_err(|e: rrule::RRuleError| format!("This repeat rule cannot be read: {e}"))
}

/// Checks a rule (`FREQ=...;...`, with or without `RRULE:`) against the series' first start.
/// A rule that ends (UNTIL or COUNT) may have at most [`MAX_OCCURRENCES`] occurrences, none
/// starting after `latest`. A rule without an end makes an open-ended series: it must repeat
/// daily or less often, and produce an occurrence before `latest`. Returns the rule re-written
/// from its parsed form and when its last occurrence starts.
pub fn validate(
    rule: &str,
    first_start: DateTime<Utc>,
    tz: chrono_tz::Tz,
    latest: DateTime<Utc>,
) -> Result<CheckedRule, String> {
    let parsed = parse(rule)?;
    let open_ended = parsed.get_until().is_none() && parsed.get_count().is_none();
    if open_ended
        && matches!(
            parsed.get_freq(),
            rrule::Frequency::Hourly | rrule::Frequency::Minutely | rrule::Frequency::Secondly
        )
    {
        return Err(
            "A series without an end repeats at most once a day: give an end date (UNTIL) \
             or a number of occurrences (COUNT)."
                .into(),
        );
    }
    if parsed
        .get_count()
        .is_some_and(|c| c > u32::from(MAX_OCCURRENCES))
    {
        return Err(format!(
            "A series can have at most {MAX_OCCURRENCES} occurrences."
        ));
    }
    let normalised = write(&parsed);
    let set = parsed
        .build(first_start.with_timezone(&rrule::Tz::Tz(tz)))
        .map_err(|e| format!("This repeat rule cannot be used: {e}"))?;
    let result = set
        .before(latest.with_timezone(&rrule::Tz::Tz(tz)))
        .all(MAX_OCCURRENCES + 1);
    if result.dates.is_empty() {
        return Err(
            "That repeat rule produces no occurrence: check the end date and the days chosen."
                .into(),
        );
    }
    if open_ended {
        return Ok(CheckedRule {
            rule: normalised,
            last_start: None,
        });
    }
    if result.dates.len() > usize::from(MAX_OCCURRENCES) {
        return Err(format!(
            "That series has more than {MAX_OCCURRENCES} occurrences; choose an earlier end."
        ));
    }
    let last_start = result.dates.last().map(|last| last.with_timezone(&Utc));
    // Anything beyond `latest` was cut off above: a rule that goes on past it is refused.
    let beyond = build(&normalised, first_start, tz).ok().and_then(|set| {
        set.after(latest.with_timezone(&rrule::Tz::Tz(tz)))
            .all(1)
            .dates
            .first()
            .copied()
    });
    if beyond.is_some() {
        return Err(format!(
            "A series must end by {}: choose an earlier end date or fewer occurrences.",
            latest.format("%-d %B %Y")
        ));
    }
    Ok(CheckedRule {
        rule: normalised,
        last_start,
    })
}

/// Whether a stored rule has no end (neither UNTIL nor COUNT).
pub fn is_open_ended(rule: &str) -> bool {
    parse(rule).is_ok_and(|r| r.get_until().is_none() && r.get_count().is_none())
}

/// A rule's parts, for describing it in words; `None` when it cannot be read.
pub fn parts(rule: &str) -> Option<RRule<Unvalidated>> {
    parse(rule).ok()
}

/// A stored rule re-written from its parsed form, or `None` when it cannot be read (rules
/// stored before rules were checked this way). Feeds write only what this returns.
pub fn normalised(rule: &str) -> Option<String> {
    parse(rule).ok().map(|r| write(&r))
}

/// The starts of a series' occurrences that end at or after `from` and start before `to`,
/// in order, at most `limit` of them.
pub fn starts_between(
    rule: &str,
    first_start: DateTime<Utc>,
    duration: Duration,
    tz: chrono_tz::Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
) -> Vec<DateTime<Utc>> {
    let Ok(set) = build(rule, first_start, tz) else {
        return Vec::new();
    };
    let rtz = rrule::Tz::Tz(tz);
    // An occurrence that started before `from` may still be running.
    let after = (from - duration - Duration::seconds(1)).with_timezone(&rtz);
    let before = to.with_timezone(&rtz);
    set.after(after)
        .before(before)
        .all(MAX_OCCURRENCES)
        .dates
        .into_iter()
        .map(|d| d.with_timezone(&Utc))
        .filter(|start| *start + duration >= from)
        .take(limit)
        .collect()
}

fn build(rule: &str, first_start: DateTime<Utc>, tz: chrono_tz::Tz) -> Result<RRuleSet, String> {
    parse(rule)?
        .build(first_start.with_timezone(&rrule::Tz::Tz(tz)))
        .map_err(|e| e.to_string())
}

/// "Every 2 months on the second Wednesday" style rules from the event form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Weekly,
    /// The same weekday in the same week of the month as the first occurrence.
    MonthlyByWeekday,
    MonthlyByDay,
}

/// Writes the RRULE for a simple repeat chosen on the form. `until_utc` is the end of the last
/// local day; without one the series is open-ended.
pub fn rule_for(
    repeat: Repeat,
    interval: u16,
    first_start_local: chrono::NaiveDateTime,
    until_utc: Option<DateTime<Utc>>,
) -> String {
    use chrono::Datelike;
    let until = match until_utc {
        Some(until) => format!(";UNTIL={}", until.format("%Y%m%dT%H%M%SZ")),
        None => String::new(),
    };
    let day = first_start_local.date();
    let weekday = weekday_code(day.weekday());
    match repeat {
        Repeat::Weekly => format!("FREQ=WEEKLY;INTERVAL={interval};BYDAY={weekday}{until}"),
        Repeat::MonthlyByWeekday => {
            let nth = (day.day() - 1) / 7 + 1;
            // The fifth week does not exist every month: call it "the last" instead.
            let nth = if nth >= 5 {
                "-1".to_string()
            } else {
                nth.to_string()
            };
            format!("FREQ=MONTHLY;INTERVAL={interval};BYDAY={nth}{weekday}{until}")
        }
        Repeat::MonthlyByDay => format!(
            "FREQ=MONTHLY;INTERVAL={interval};BYMONTHDAY={}{until}",
            day.day()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use chrono_tz::Europe::London;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        London
            .from_local_datetime(
                &NaiveDate::from_ymd_opt(y, m, d)
                    .unwrap()
                    .and_hms_opt(h, min, 0)
                    .unwrap(),
            )
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn far() -> DateTime<Utc> {
        local(2046, 1, 1, 0, 0)
    }

    #[test]
    fn an_evening_series_keeps_its_local_time_across_clock_changes() {
        let first = local(2026, 3, 4, 18, 0); // winter time (UTC+0)
        let rule = "FREQ=WEEKLY;INTERVAL=4;BYDAY=WE;UNTIL=20261231T235959Z";
        validate(rule, first, London, far()).unwrap();
        let starts = starts_between(
            rule,
            first,
            Duration::hours(2),
            London,
            first,
            local(2027, 1, 1, 0, 0),
            100,
        );
        assert!(starts.len() >= 10);
        for start in &starts {
            let here = start.with_timezone(&London);
            assert_eq!(here.format("%H:%M").to_string(), "18:00", "{here}");
        }
        // And the UTC instants really differ between summer and winter.
        let utc_hours: std::collections::BTreeSet<u32> =
            starts.iter().map(chrono::Timelike::hour).collect();
        assert_eq!(utc_hours, [17, 18].into_iter().collect());
    }

    #[test]
    fn the_second_wednesday_of_alternate_months() {
        let first = local(2026, 1, 14, 10, 30);
        let rule = rule_for(
            Repeat::MonthlyByWeekday,
            2,
            first.with_timezone(&London).naive_local(),
            Some(local(2026, 12, 31, 23, 59)),
        );
        assert_eq!(
            rule,
            "FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE;UNTIL=20261231T235900Z"
        );
        let last = validate(&rule, first, London, far())
            .unwrap()
            .last_start
            .unwrap();
        let starts = starts_between(
            &rule,
            first,
            Duration::minutes(90),
            London,
            first,
            last + Duration::days(1),
            100,
        );
        let days: Vec<String> = starts
            .iter()
            .map(|s| s.with_timezone(&London).format("%d %b %H:%M").to_string())
            .collect();
        assert_eq!(
            days,
            [
                "14 Jan 10:30",
                "11 Mar 10:30",
                "13 May 10:30",
                "08 Jul 10:30",
                "09 Sep 10:30",
                "11 Nov 10:30"
            ]
        );
    }

    #[test]
    fn open_ended_series_repeat_at_most_daily_and_empty_rules_are_refused() {
        let first = local(2026, 1, 14, 10, 30);
        let open = validate("FREQ=WEEKLY;BYDAY=WE", first, London, far()).unwrap();
        assert_eq!(open.last_start, None);
        assert!(is_open_ended(&open.rule));
        assert!(!is_open_ended("FREQ=WEEKLY;COUNT=3"));
        assert!(
            validate("FREQ=HOURLY", first, London, far())
                .unwrap_err()
                .contains("at most once a day")
        );
        let ended_before_it_began =
            validate("FREQ=WEEKLY;UNTIL=20250101T000000Z", first, London, far());
        assert!(ended_before_it_began.is_err());
        assert!(
            validate(
                "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;UNTIL=20301231T000000Z",
                first,
                London,
                far()
            )
            .unwrap_err()
            .contains("no occurrence")
        );
        assert!(validate("FREQ=SOMETIMES;COUNT=3", first, London, far()).is_err());
        assert!(validate("FREQ=DAILY;COUNT=100000", first, London, far()).is_err());
    }
}

#[cfg(test)]
mod checked_rules {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Europe::London;

    fn first() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 14, 10, 30, 0).unwrap()
    }

    fn latest() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2046, 1, 1, 0, 0, 0).unwrap()
    }

    #[test]
    fn a_rule_is_stored_as_parsed_not_as_typed() {
        let checked = validate(
            "rrule:freq=weekly;interval=1;byday=we;count=4",
            first(),
            London,
            latest(),
        )
        .unwrap();
        assert_eq!(checked.rule, "FREQ=WEEKLY;COUNT=4;BYDAY=WE");
        assert_eq!(
            normalised("RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=WE").as_deref(),
            Some("FREQ=WEEKLY;COUNT=4;BYDAY=WE")
        );
    }

    #[test]
    fn the_first_weekday_of_the_month_stays_the_first() {
        let checked = validate(
            "FREQ=MONTHLY;BYDAY=+1TH,-1FR;COUNT=4",
            first(),
            London,
            latest(),
        )
        .unwrap();
        assert_eq!(checked.rule, "FREQ=MONTHLY;COUNT=4;BYDAY=1TH,-1FR");
        assert_eq!(
            normalised("FREQ=MONTHLY;BYDAY=1TH").as_deref(),
            Some("FREQ=MONTHLY;BYDAY=1TH")
        );
        // Four dates, not every Thursday and Friday of two months.
        let starts = starts_between(
            &checked.rule,
            first(),
            Duration::hours(1),
            London,
            first(),
            latest(),
            100,
        );
        assert_eq!(starts.len(), 4, "{starts:?}");
    }

    #[test]
    fn line_breaks_and_other_properties_cannot_ride_along() {
        for smuggled in [
            "FREQ=WEEKLY;COUNT=3\nBEGIN:VEVENT",
            "FREQ=WEEKLY;COUNT=3\r\nUID:evil",
            "FREQ=WEEKLY;COUNT=3\rX",
            "FREQ=WEEKLY;COUNT=3;X-NAME=\"quoted\"",
            "DTSTART:20260101T000000Z;FREQ=WEEKLY;COUNT=3",
            "FREQ=WEEKLY;\u{2028}COUNT=3",
        ] {
            assert!(
                validate(smuggled, first(), London, latest()).is_err(),
                "{smuggled:?} was accepted"
            );
            assert_eq!(normalised(smuggled), None, "{smuggled:?}");
        }
    }

    #[test]
    fn a_series_may_not_run_past_the_latest_date() {
        let message = validate("FREQ=YEARLY;COUNT=400", first(), London, latest()).unwrap_err();
        assert!(message.contains("must end by 1 January 2046"), "{message}");
        assert!(validate("FREQ=YEARLY;COUNT=20", first(), London, latest()).is_ok());
    }
}
