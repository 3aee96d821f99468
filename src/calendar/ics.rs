//! Turning events into iCalendar text with the `icalendar` crate (CRLF, folding at 75 octets
//! on character boundaries, escaping), plus the VTIMEZONE components it does not make.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::event::{self, EventStatus};
use entity::event_exception;
use icalendar::{Calendar, Component, Property};

use crate::calendar::vtimezone::vtimezone;
use crate::web::markdown;

/// What a feed says about itself.
pub struct FeedInfo<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub site_zone: Tz,
    pub refresh_minutes: u32,
}

/// An event with what the feed needs beside the row itself.
pub struct FeedEvent<'a> {
    pub event: &'a event::Model,
    pub tags: &'a [String],
    pub exceptions: &'a [event_exception::Model],
    /// The event page, absolute.
    pub url: String,
}

/// A property value before it is written.
#[derive(Clone, Copy)]
pub enum Value<'a> {
    /// TEXT (RFC 5545 section 3.3.11): any words people typed.
    Text(&'a str),
    /// A list of TEXT values, such as CATEGORIES.
    TextList(&'a [String]),
    /// Values with their own grammar that Convene makes itself (UID, URI, RECUR, numbers,
    /// dates): written as they are, less any control character.
    Raw(&'a str),
}

/// What a value keeps of its text: line breaks of any kind become LF (TEXT escapes them),
/// and every other control character goes. Unicode's line and paragraph separators count as
/// line breaks, because some parsers split lines on them.
fn clean(text: &str, keep_line_breaks: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' | '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{b}' | '\u{c}' => {
                if keep_line_breaks {
                    out.push('\n');
                }
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in clean(text, true).chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// Every value Convene writes into a calendar goes through here: cleaned of control
/// characters and escaped for its type, so no value can end its line and start another.
pub fn escape(value: Value<'_>) -> String {
    match value {
        Value::Text(text) => escape_text(text),
        Value::TextList(items) => items
            .iter()
            .map(|item| escape_text(item))
            .filter(|item| !item.is_empty())
            .collect::<Vec<_>>()
            .join(","),
        Value::Raw(text) => clean(text, false),
    }
}

/// Whether the `icalendar` crate escapes this property's value as TEXT when it writes it.
/// Asked of the crate itself rather than assumed, so that a new version that escapes more
/// or less cannot double-escape a value or let one through unescaped.
fn crate_escapes(key: &str) -> bool {
    let line: Result<String, _> = Property::new(key, ",").try_into();
    line.is_ok_and(|l| l.contains("\\,"))
}

/// A property with its value escaped by [`escape`], whatever the crate does or does not
/// escape: where the crate escapes TEXT itself it is given the cleaned text to escape.
pub fn property(key: &str, value: Value<'_>) -> Property {
    match value {
        Value::Text(text) if crate_escapes(key) => Property::new(key, clean(text, true)),
        value => Property::new(key, escape(value)),
    }
}

fn local_stamp(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

fn date_stamp(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y%m%d").to_string()
}

fn timed(key: &str, at: DateTime<Utc>, tz: Tz) -> Property {
    let mut p = Property::new(key, local_stamp(at, tz));
    p.add_parameter("TZID", tz.name());
    p
}

fn dated(key: &str, at: DateTime<Utc>, tz: Tz) -> Property {
    let mut p = Property::new(key, date_stamp(at, tz));
    p.add_parameter("VALUE", "DATE");
    p
}

fn when(key: &str, at: DateTime<Utc>, tz: Tz, all_day: bool) -> Property {
    if all_day {
        dated(key, at, tz)
    } else {
        timed(key, at, tz)
    }
}

/// The venue and its address, a line each as the organiser wrote them.
fn location(e: &event::Model) -> Option<String> {
    let address = e.address.as_deref().map(|a| {
        a.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    });
    match (&e.place_name, address) {
        (Some(place), Some(address)) => Some(format!("{place}\n{address}")),
        (Some(place), None) => Some(place.clone()),
        (None, Some(address)) => Some(address),
        (None, None) => e.online_url.clone(),
    }
}

fn description(fe: &FeedEvent<'_>, postponed_date: Option<&event_exception::Model>) -> String {
    let e = fe.event;
    let url = &fe.url;
    let mut text = e.summary.clone();
    let body = markdown::to_plain_text(&e.description);
    if !body.is_empty() {
        text.push_str("\n\n");
        text.push_str(&body);
    }
    if let Some(online) = &e.online_url {
        text.push_str("\n\nJoin online: ");
        text.push_str(online);
    }
    // Cancelled dates leave calendars through EXDATE, which carries no words: the series'
    // description says why.
    let tz = e.zone();
    let mut cancelled_dates = fe
        .exceptions
        .iter()
        .filter(|x| x.cancelled && x.note.is_some())
        .peekable();
    if cancelled_dates.peek().is_some() {
        text.push_str("\n\nCancelled dates:");
        for x in cancelled_dates {
            text.push_str(&format!(
                "\n- {}: {}",
                x.occurrence_start.with_timezone(&tz).format("%-d %B %Y"),
                x.note.as_deref().unwrap_or_default()
            ));
        }
    }
    if let Some(previous) = e.previous_starts_at.filter(|_| e.rrule.is_none()) {
        text = format!(
            "MOVED from {}.\n\n{text}",
            previous.with_timezone(&tz).format(if e.all_day {
                "%A %-d %B %Y"
            } else {
                "%A %-d %B %Y, %H:%M"
            })
        );
    }
    match (e.status, e.postponed_at, postponed_date) {
        (EventStatus::Cancelled, _, _) => {
            if let Some(note) = &e.cancel_note {
                text = format!("CANCELLED: {note}\n\n{text}");
            }
        }
        (_, Some(_), _) => {
            text = format!(
                "POSTPONED: {}A new date will follow.\n\n{text}",
                e.postpone_note
                    .as_deref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default()
            );
        }
        (_, None, Some(x)) => {
            text = format!(
                "POSTPONED: {}A new date will follow.\n\n{text}",
                x.note
                    .as_deref()
                    .map(|n| format!("{n} "))
                    .unwrap_or_default()
            );
        }
        _ => {}
    }
    text.push_str("\n\n");
    text.push_str(url);
    text
}

/// The properties every VEVENT of this event shares (the master and its overrides);
/// `postponed_date` for the override of one postponed date.
fn common(
    ev: &mut icalendar::Event,
    fe: &FeedEvent<'_>,
    postponed_date: Option<&event_exception::Model>,
) {
    let e = fe.event;
    let postponed = e.postponed_at.is_some() || postponed_date.is_some();
    let summary = if postponed && e.status != EventStatus::Cancelled {
        format!("Postponed: {}", e.title)
    } else {
        e.title.clone()
    };
    ev.sequence(e.sequence.max(0) as u32)
        .timestamp(e.updated_at)
        .created(e.created_at)
        .last_modified(e.updated_at);
    for p in [
        property("UID", Value::Raw(&e.uid)),
        property("SUMMARY", Value::Text(&summary)),
        property("DESCRIPTION", Value::Text(&description(fe, postponed_date))),
        property("URL", Value::Raw(&fe.url)),
        property(
            "STATUS",
            Value::Raw(if e.status == EventStatus::Cancelled {
                "CANCELLED"
            } else if postponed {
                // Kept on its planned date, marked as not certain, until a new one is set.
                "TENTATIVE"
            } else {
                "CONFIRMED"
            }),
        ),
    ] {
        ev.append_property(p);
    }
    if let Some(place) = location(e) {
        ev.append_property(property("LOCATION", Value::Text(&place)));
    }
    let categories = property("CATEGORIES", Value::TextList(fe.tags));
    if !categories.value().is_empty() {
        ev.append_multi_property(categories);
    }
}

fn vevents(fe: &FeedEvent<'_>) -> Vec<icalendar::Event> {
    let e = fe.event;
    let tz = e.zone();
    let mut master = icalendar::Event::new();
    common(&mut master, fe, None);
    master.append_property(when("DTSTART", e.starts_at, tz, e.all_day));
    master.append_property(when("DTEND", e.ends_at, tz, e.all_day));
    let mut out = Vec::new();
    // Only a rule that parses is written, re-written from its parsed form: a stored rule
    // can never carry anything else into the feed.
    if let Some(rule) = e
        .rrule
        .as_deref()
        .and_then(crate::events::recurrence::normalised)
    {
        let rule = if e.all_day {
            until_as_date(&rule, tz)
        } else {
            rule
        };
        master.append_property(property("RRULE", Value::Raw(&rule)));
        let duration = e.ends_at - e.starts_at;
        for x in fe.exceptions {
            if x.cancelled {
                master.append_multi_property(when("EXDATE", x.occurrence_start, tz, e.all_day));
            } else {
                let mut moved = icalendar::Event::new();
                common(&mut moved, fe, Some(x).filter(|x| x.postponed));
                moved.append_property(when("RECURRENCE-ID", x.occurrence_start, tz, e.all_day));
                let starts = x.new_starts_at.unwrap_or(x.occurrence_start);
                let ends = x.new_ends_at.unwrap_or(starts + duration);
                moved.append_property(when("DTSTART", starts, tz, e.all_day));
                moved.append_property(when("DTEND", ends, tz, e.all_day));
                out.push(moved);
            }
        }
    }
    out.insert(0, master);
    out
}

/// An all-day series starts on a DATE, so its UNTIL must be a DATE too (RFC 5545 3.3.10):
/// the stored end of the last local day becomes that day.
fn until_as_date(rule: &str, tz: Tz) -> String {
    rule.split(';')
        .map(|part| {
            let until = part
                .strip_prefix("UNTIL=")
                .and_then(|v| chrono::NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%SZ").ok());
            match until {
                Some(at) => format!("UNTIL={}", at.and_utc().with_timezone(&tz).format("%Y%m%d")),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// One event's part of a feed: its VEVENT text and the zone that text refers to.
pub struct Entry {
    pub vevents: String,
    pub zone: Option<ZoneSpan>,
}

/// A time zone and the years (inclusive) its VTIMEZONE must cover.
pub struct ZoneSpan {
    pub name: String,
    pub from: i32,
    pub to: i32,
}

/// Renders one event (a series with its changed occurrences) for a feed.
pub fn entry(fe: &FeedEvent<'_>) -> Entry {
    let e = fe.event;
    let mut text = String::with_capacity(1024);
    for ev in vevents(fe) {
        write_folded(&ev, &mut text);
    }
    let zone = (!e.all_day).then(|| {
        // An open-ended series gets the zone's rules for thirty years (clamped to 2100).
        let mut to = match (&e.rrule, e.series_ends_at) {
            (Some(_), None) => e.starts_at.year() + 30,
            (_, end) => end.unwrap_or(e.ends_at).year() + 1,
        };
        for x in fe.exceptions {
            if let Some(moved) = x.new_ends_at {
                to = to.max(moved.year() + 1);
            }
        }
        ZoneSpan {
            name: e.time_zone.clone(),
            from: e.starts_at.year() - 1,
            to,
        }
    });
    Entry {
        vevents: text,
        zone,
    }
}

/// The zones a feed's events use, each over the years it is needed.
#[derive(Default)]
pub struct Zones(BTreeMap<String, (i32, i32)>);

impl Zones {
    pub fn add(&mut self, name: &str, from: i32, to: i32) {
        match self.0.get_mut(name) {
            Some(span) => {
                span.0 = span.0.min(from);
                span.1 = span.1.max(to);
            }
            None => {
                self.0.insert(name.to_string(), (from, to));
            }
        }
    }
}

/// The line that ends a calendar object.
pub const END: &str = "END:VCALENDAR\r\n";

/// What comes before the events' VEVENT texts (which are followed by [`END`]): the feed's
/// own properties and a VTIMEZONE for each zone used, before the first event as RFC 5545
/// clients expect.
pub fn head(info: &FeedInfo<'_>, zones: &Zones) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"));
    cal.append_property(Property::new(
        "PRODID",
        concat!("-//Convene//Convene ", env!("CARGO_PKG_VERSION"), "//EN"),
    ));
    cal.append_property(Property::new("CALSCALE", "GREGORIAN"));
    cal.append_property(Property::new("METHOD", "PUBLISH"));
    // NAME (RFC 7986), and X-WR-CALNAME, which older clients read.
    cal.append_property(property("NAME", Value::Text(info.name)));
    cal.append_property(property("X-WR-CALNAME", Value::Text(info.name)));
    cal.append_property(property("DESCRIPTION", Value::Text(info.description)));
    cal.append_property(property("X-WR-CALDESC", Value::Text(info.description)));
    cal.append_property(property("X-WR-TIMEZONE", Value::Raw(info.site_zone.name())));
    let refresh = format!("PT{}M", info.refresh_minutes);
    let mut interval = Property::new("REFRESH-INTERVAL", refresh.as_str());
    interval.add_parameter("VALUE", "DURATION");
    cal.append_property(interval);
    cal.append_property(Property::new("X-PUBLISHED-TTL", refresh.as_str()));
    let mut head = cal.to_string();
    if head.ends_with(END) {
        head.truncate(head.len() - END.len());
    }
    for (name, (from, to)) in &zones.0 {
        if let Ok(tz) = name.parse::<Tz>() {
            head.push_str(&vtimezone(tz, *from, *to));
        }
    }
    head
}

/// One date of a series as a calendar file of its own, for adding that date alone: a single
/// VEVENT with a UID of its own (the series' UID with the date), so that it never stands in
/// for the whole series in a calendar that also subscribes to the feed.
pub fn render_occurrence(
    info: &FeedInfo<'_>,
    fe: &FeedEvent<'_>,
    original: DateTime<Utc>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    cancelled: bool,
) -> String {
    let ev = single(fe, Some(original), starts_at, ends_at, cancelled);
    let mut zones = Zones::default();
    add_zone(&mut zones, fe.event, starts_at, ends_at);
    let mut text = head(info, &zones);
    write_folded(&ev, &mut text);
    text.push_str(END);
    text
}

fn add_zone(zones: &mut Zones, e: &event::Model, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) {
    if !e.all_day {
        zones.add(
            e.time_zone.as_str(),
            starts_at.year() - 1,
            ends_at.year() + 1,
        );
    }
}

/// One VEVENT for one event, or for the date of a series planned for `original`: then with
/// the series' UID and the date as its own UID.
fn single(
    fe: &FeedEvent<'_>,
    original: Option<DateTime<Utc>>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    cancelled: bool,
) -> icalendar::Event {
    let e = fe.event;
    let tz = e.zone();
    let mut ev = icalendar::Event::new();
    let postponed_date = original.and_then(|original| {
        fe.exceptions
            .iter()
            .find(|x| x.occurrence_start == original && x.postponed)
    });
    common(&mut ev, fe, postponed_date);
    if let Some(original) = original {
        let uid = match e.uid.split_once('@') {
            Some((local, domain)) => format!("{local}-{}@{domain}", date_stamp(original, tz)),
            None => format!("{}-{}", e.uid, date_stamp(original, tz)),
        };
        ev.append_property(property("UID", Value::Raw(&uid)));
    }
    if cancelled {
        ev.append_property(property("STATUS", Value::Raw("CANCELLED")));
    }
    ev.append_property(when("DTSTART", starts_at, tz, e.all_day));
    ev.append_property(when("DTEND", ends_at, tz, e.all_day));
    ev
}

/// Someone's answer, as their personal feed says it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PartStat {
    /// Going.
    Accepted,
    /// On the waiting list.
    Tentative,
}

/// An event, or one date of a series, in a member's personal feed.
pub struct Attending<'a> {
    pub fe: FeedEvent<'a>,
    /// The date of the series it is (as planned), for a series.
    pub original: Option<DateTime<Utc>>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    pub partstat: PartStat,
}

/// A member's personal feed: each event or date they are going to (or waiting for) as a
/// VEVENT of its own, with them as its ATTENDEE and their answer as PARTSTAT.
pub fn render_personal(
    info: &FeedInfo<'_>,
    name: &str,
    email: &str,
    items: &[Attending<'_>],
) -> String {
    // A parameter value may not hold a double quote at all (RFC 5545 3.2).
    let cn = clean(name, false).replace('"', "'");
    let mut zones = Zones::default();
    let mut body = String::new();
    for item in items {
        let mut ev = single(
            &item.fe,
            item.original,
            item.starts_at,
            item.ends_at,
            item.cancelled,
        );
        if item.partstat == PartStat::Tentative && !item.cancelled {
            let title = format!("Waiting list: {}", item.fe.event.title);
            ev.append_property(property("SUMMARY", Value::Text(&title)));
        }
        let mut attendee = property("ATTENDEE", Value::Raw(&format!("mailto:{email}")));
        attendee.add_parameter("CN", &cn);
        attendee.add_parameter(
            "PARTSTAT",
            match item.partstat {
                PartStat::Accepted => "ACCEPTED",
                PartStat::Tentative => "TENTATIVE",
            },
        );
        ev.append_property(attendee);
        add_zone(&mut zones, item.fe.event, item.starts_at, item.ends_at);
        write_folded(&ev, &mut body);
    }
    let mut text = head(info, &zones);
    text.push_str(&body);
    text.push_str(END);
    text
}

/// Writes a component with every content line folded to at most 75 octets (RFC 5545 3.1).
/// The icalendar crate folds too, but lets the last piece of a long line reach 76 octets
/// with its leading space: its lines are unfolded and folded again here.
fn write_folded(ev: &icalendar::Event, out: &mut String) {
    let mut written = String::with_capacity(1024);
    // Writing into a String cannot fail.
    let _ = ev.fmt_write(&mut written);
    let unfolded = written.replace("\r\n ", "");
    for line in unfolded.split_terminator("\r\n") {
        fold_into(line, out);
    }
}

/// One content line, folded on character boundaries: 75 octets on the first physical line,
/// a space and 74 on each of the others. A piece never starts with a space of the value,
/// which careless unfolders drop.
fn fold_into(line: &str, out: &mut String) {
    let mut rest = line;
    let mut limit = 75;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) || rest[cut..].starts_with([' ', '\t']) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

/// The whole feed as iCalendar text, every event rendered now.
pub fn render(info: &FeedInfo<'_>, events: &[FeedEvent<'_>]) -> String {
    let entries: Vec<Entry> = events.iter().map(entry).collect();
    let mut zones = Zones::default();
    for z in entries.iter().filter_map(|e| e.zone.as_ref()) {
        zones.add(&z.name, z.from, z.to);
    }
    let mut text = head(info, &zones);
    for e in &entries {
        text.push_str(&e.vevents);
    }
    text.push_str(END);
    text
}

#[cfg(test)]
mod folding {
    use super::*;

    #[test]
    fn an_all_day_series_ends_on_a_date() {
        assert_eq!(
            until_as_date(
                "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270731T225959Z",
                chrono_tz::Europe::London
            ),
            "FREQ=WEEKLY;BYDAY=SA;UNTIL=20270731"
        );
        assert_eq!(
            until_as_date("FREQ=WEEKLY;COUNT=3", chrono_tz::Europe::London),
            "FREQ=WEEKLY;COUNT=3"
        );
    }

    #[test]
    fn no_physical_line_is_longer_than_75_octets_and_unfolding_restores_the_line() {
        // 12 + 63 + 75 octets: the crate's own folding left the last piece at 76 here.
        for line in [
            format!("DESCRIPTION:{}{}", "a".repeat(63), "b".repeat(75)),
            format!("SUMMARY:{}", "é€🚌x".repeat(40)),
            "SHORT:line".to_string(),
            format!("DESCRIPTION:{} {}", "c".repeat(62), "d".repeat(90)),
            format!("X:{}", "y".repeat(73)),
        ] {
            let mut out = String::new();
            fold_into(&line, &mut out);
            assert!(out.ends_with("\r\n"));
            for physical in out.split_terminator("\r\n") {
                assert!(
                    physical.len() <= 75,
                    "{} octets: {physical:?}",
                    physical.len()
                );
                assert!(!physical.starts_with("  "), "{physical:?}");
            }
            assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any text at all: every Unicode scalar, control characters and line breaks included.
    fn any_text() -> impl Strategy<Value = String> {
        prop::collection::vec(any::<char>(), 0..24).prop_map(|c| c.into_iter().collect())
    }

    fn any_rule() -> impl Strategy<Value = Option<String>> {
        prop_oneof![
            Just(None),
            Just(Some("FREQ=WEEKLY;COUNT=4;BYDAY=WE".to_string())),
            any_text().prop_map(|t| Some(format!("FREQ=WEEKLY;COUNT=3{t}"))),
            any_text().prop_map(|t| Some(format!(
                "FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:{t}"
            ))),
            any_text().prop_map(Some),
        ]
    }

    #[derive(Debug, Clone)]
    struct Case {
        texts: (String, String, String, String),
        optional: (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ),
        tags: Vec<String>,
        rule: Option<String>,
        cancelled: bool,
    }

    fn any_case() -> impl Strategy<Value = Case> {
        (
            (any_text(), any_text(), any_text(), any_text()),
            (
                prop::option::of(any_text()),
                prop::option::of(any_text()),
                prop::option::of(any_text()),
                prop::option::of(any_text()),
            ),
            prop::collection::vec(any_text().prop_filter("a tag", |t| !t.is_empty()), 0..4),
            any_rule(),
            any::<bool>(),
        )
            .prop_map(|(texts, optional, tags, rule, cancelled)| Case {
                texts,
                optional,
                tags,
                rule,
                cancelled,
            })
    }

    fn event(n: usize, case: &Case) -> event::Model {
        let (title, summary, description, organiser) = case.texts.clone();
        let (place_name, address, online_url, cancel_note) = case.optional.clone();
        event::Model {
            id: n as i64,
            uid: format!("event-{n}@convene"),
            slug: format!("event-{n}"),
            title,
            summary,
            description,
            // Feeds do not show the organiser: arbitrary text there must change nothing.
            organiser_contact: Some(organiser),
            place_name,
            address,
            online_url,
            cancel_note,
            rrule: case.rule.clone(),
            sequence: 1,
            ..crate::events::sample_event(if case.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Published
            })
        }
    }

    /// A property's value as the crate's parser reads it: it unescapes the TEXT properties
    /// it knows itself, and the others (NAME) are unescaped here with its function.
    fn value(props: &[icalendar::parser::Property<'_>], name: &str) -> Option<String> {
        props.iter().find(|p| p.name.as_str() == name).map(|p| {
            if crate_escapes(name) {
                p.val.as_str().to_string()
            } else {
                p.val.clone().unescape_text().as_str().to_string()
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever people type, a feed holds exactly the events it should, each under its
        /// own UID, and every value reads back as written (less control characters).
        #[test]
        fn any_text_round_trips_and_adds_no_component(
            cases in prop::collection::vec(any_case(), 1..4),
            name in any_text(),
        ) {
            let events: Vec<event::Model> =
                cases.iter().enumerate().map(|(n, c)| event(n, c)).collect();
            let feed_events: Vec<FeedEvent<'_>> = events
                .iter()
                .zip(&cases)
                .map(|(e, c)| FeedEvent {
                    event: e,
                    tags: &c.tags,
                    exceptions: &[],
                    url: format!("https://forum.example/events/{}", e.slug),
                })
                .collect();
            let info = FeedInfo {
                name: &name,
                description: "Events",
                site_zone: chrono_tz::Europe::London,
                refresh_minutes: 60,
            };
            let text = render(&info, &feed_events);

            // Nothing but CRLF ends a line, and every line is a property or a fold.
            prop_assert!(!text.replace("\r\n", "").chars().any(|c| c.is_control() && c != '\t'));
            let unfolded = icalendar::parser::unfold(&text);
            for line in unfolded.split("\r\n").filter(|l| !l.is_empty()) {
                let name_end = line.find([':', ';']).unwrap_or(0);
                prop_assert!(
                    name_end > 0 && line[..name_end].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'),
                    "not a property line: {:?}", line
                );
            }

            let parsed = icalendar::parser::read_calendar(&unfolded)
                .map_err(|e| TestCaseError::fail(format!("unreadable: {e}")))?;
            prop_assert_eq!(value(&parsed.properties, "NAME"), Some(clean(&name, true)));
            let vevents: Vec<_> =
                parsed.components.iter().filter(|c| c.name.as_str() == "VEVENT").collect();
            prop_assert_eq!(vevents.len(), events.len());
            prop_assert!(parsed
                .components
                .iter()
                .all(|c| matches!(c.name.as_str(), "VEVENT" | "VTIMEZONE")));
            for ((component, e), fe) in vevents.iter().zip(&events).zip(&feed_events) {
                let props = &component.properties;
                prop_assert_eq!(value(props, "UID"), Some(e.uid.clone()));
                prop_assert_eq!(value(props, "SUMMARY"), Some(clean(&e.title, true)));
                prop_assert_eq!(
                    value(props, "DESCRIPTION"),
                    Some(clean(&description(fe, None), true))
                );
                prop_assert_eq!(
                    value(props, "LOCATION"),
                    location(e).map(|l| clean(&l, true))
                );
                let rule = props
                    .iter()
                    .find(|p| p.name.as_str() == "RRULE")
                    .map(|p| p.val.as_str().to_string());
                prop_assert_eq!(
                    rule,
                    e.rrule.as_deref().and_then(crate::events::recurrence::normalised)
                );
                let categories = icalendar::CalendarComponent::from((*component).clone());
                let categories = match categories {
                    icalendar::CalendarComponent::Event(ev) => {
                        icalendar::EventLike::get_categories(&ev)
                    }
                    _ => None,
                };
                let expected: Vec<String> = fe
                    .tags
                    .iter()
                    .map(|t| clean(t, true))
                    .filter(|t| !t.is_empty())
                    .collect();
                prop_assert_eq!(categories, (!expected.is_empty()).then_some(expected));
            }
        }
    }

    #[test]
    fn a_line_break_in_a_name_stays_inside_its_value() {
        let line: String = property(
            "NAME",
            Value::Text("Forum\r\nEND:VCALENDAR\nBEGIN:VEVENT,;\\"),
        )
        .try_into()
        .unwrap();
        assert_eq!(
            line,
            "NAME:Forum\\nEND:VCALENDAR\\nBEGIN:VEVENT\\,\\;\\\\\r\n"
        );
        let line: String = property("SUMMARY", Value::Text("a\r\nb\u{0}\u{2028}c,"))
            .try_into()
            .unwrap();
        assert_eq!(line, "SUMMARY:a\\nb\\nc\\,\r\n");
    }
}
