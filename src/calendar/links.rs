//! "Add to calendar" links built from an event: Google Calendar and Outlook.com templates,
//! and webcal:// subscriptions.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use url::form_urlencoded::byte_serialize;

use crate::config::Config;

fn enc(text: &str) -> String {
    byte_serialize(text.as_bytes()).collect()
}

/// The same feed URL with the `webcal` scheme, which calendar apps open as a subscription.
pub fn webcal(config: &Config, path: &str) -> String {
    let absolute = config.absolute_url(path);
    match absolute.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => absolute,
    }
}

#[derive(Clone)]
pub struct LinkEvent<'a> {
    pub title: &'a str,
    pub details: &'a str,
    pub location: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub all_day: bool,
    pub tz: Tz,
    /// For a series: its RRULE, as it runs from `starts_at` (see [`rule_from`]).
    pub recur: Option<String>,
}

/// A series' rule as it runs from a later date than its first: a count of occurrences would
/// start counting again there, so it becomes the date of the last one (`UNTIL`). An
/// open-ended series (no last start) stays open-ended.
pub fn rule_from(rule: &str, last_start: Option<DateTime<Utc>>) -> String {
    let mut parts: Vec<String> = rule
        .split(';')
        .filter(|p| !p.starts_with("COUNT=") && !p.starts_with("UNTIL="))
        .map(str::to_string)
        .collect();
    if let Some(last_start) = last_start {
        parts.push(format!("UNTIL={}", last_start.format("%Y%m%dT%H%M%SZ")));
    }
    parts.join(";")
}

pub fn google(e: &LinkEvent<'_>) -> String {
    let dates = if e.all_day {
        format!(
            "{}/{}",
            e.starts_at.with_timezone(&e.tz).format("%Y%m%d"),
            e.ends_at.with_timezone(&e.tz).format("%Y%m%d")
        )
    } else {
        format!(
            "{}/{}",
            e.starts_at.format("%Y%m%dT%H%M%SZ"),
            e.ends_at.format("%Y%m%dT%H%M%SZ")
        )
    };
    let mut url = format!(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text={}&dates={dates}&details={}&ctz={}",
        enc(e.title),
        enc(e.details),
        enc(e.tz.name())
    );
    if let Some(place) = e.location {
        url.push_str(&format!("&location={}", enc(place)));
    }
    if let Some(rule) = &e.recur {
        url.push_str(&format!("&recur={}", enc(&format!("RRULE:{rule}"))));
    }
    url
}

pub fn outlook(e: &LinkEvent<'_>) -> String {
    let (start, end) = if e.all_day {
        (
            e.starts_at
                .with_timezone(&e.tz)
                .format("%Y-%m-%d")
                .to_string(),
            (e.ends_at - Duration::days(1))
                .with_timezone(&e.tz)
                .format("%Y-%m-%d")
                .to_string(),
        )
    } else {
        (
            e.starts_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            e.ends_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
    };
    let mut url = format!(
        "https://outlook.live.com/calendar/0/action/compose?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent&subject={}&startdt={}&enddt={}&allday={}&body={}",
        enc(e.title),
        enc(&start),
        enc(&end),
        e.all_day,
        enc(e.details)
    );
    if let Some(place) = e.location {
        url.push_str(&format!("&location={}", enc(place)));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn links_carry_the_event() {
        let e = LinkEvent {
            title: "Bus Data Hack Day",
            details: "Build tools & maps",
            location: Some("Digital Hub, Eastmere"),
            starts_at: Utc.with_ymd_and_hms(2026, 7, 8, 8, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 7, 8, 16, 0, 0).unwrap(),
            all_day: false,
            tz: chrono_tz::Europe::London,
            recur: None,
        };
        let g = google(&e);
        assert!(g.contains("text=Bus+Data+Hack+Day"));
        assert!(g.contains("dates=20260708T083000Z/20260708T160000Z"));
        assert!(g.contains("details=Build+tools+%26+maps"));
        let o = outlook(&e);
        assert!(o.contains("startdt=2026-07-08T08%3A30%3A00Z"));
        assert!(o.contains("location=Digital+Hub%2C+Eastmere"));
        assert!(!g.contains("recur="));
        let series = LinkEvent {
            recur: Some(rule_from(
                "FREQ=MONTHLY;COUNT=6;INTERVAL=2;BYDAY=2WE",
                Some(Utc.with_ymd_and_hms(2027, 5, 12, 9, 30, 0).unwrap()),
            )),
            ..e.clone()
        };
        assert!(
            google(&series)
                .contains("recur=RRULE%3AFREQ%3DMONTHLY%3BINTERVAL%3D2%3BBYDAY%3D2WE%3BUNTIL%3D20270512T093000Z"),
            "{}",
            google(&series)
        );
        let open_ended = LinkEvent {
            recur: Some(rule_from("FREQ=WEEKLY;BYDAY=TH", None)),
            ..e
        };
        assert!(
            google(&open_ended).ends_with("recur=RRULE%3AFREQ%3DWEEKLY%3BBYDAY%3DTH"),
            "{}",
            google(&open_ended)
        );
    }
}
