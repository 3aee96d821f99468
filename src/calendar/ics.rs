//! Turning events into iCalendar text with the `icalendar` crate (CRLF, folding at 75 octets
//! on character boundaries, escaping), plus the VTIMEZONE components it does not make.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::event::{self, EventStatus};
use entity::event_exception;
use icalendar::{Calendar, Component, EventLike, Property};

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

/// TZNAME and similar values are free text without escaping needs beyond control
/// characters; keep them to printable ASCII.
pub fn escape_param_free_text(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect()
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

fn location(e: &event::Model) -> Option<String> {
    let address = e.address.as_deref().map(|a| {
        a.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    });
    match (&e.place_name, address) {
        (Some(place), Some(address)) => Some(format!("{place}, {address}")),
        (Some(place), None) => Some(place.clone()),
        (None, Some(address)) => Some(address),
        (None, None) => e.online_url.clone(),
    }
}

fn description(e: &event::Model, url: &str) -> String {
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
    if e.status == EventStatus::Cancelled
        && let Some(note) = &e.cancel_note
    {
        text = format!("CANCELLED: {note}\n\n{text}");
    }
    text.push_str("\n\n");
    text.push_str(url);
    text
}

/// The properties every VEVENT of this event shares (the master and its overrides).
fn common(ev: &mut icalendar::Event, fe: &FeedEvent<'_>) {
    let e = fe.event;
    ev.uid(&e.uid)
        .sequence(e.sequence.max(0) as u32)
        .timestamp(e.updated_at)
        .created(e.created_at)
        .last_modified(e.updated_at)
        .summary(&e.title)
        .description(&description(e, &fe.url))
        .url(&fe.url)
        .add_property(
            "STATUS",
            if e.status == EventStatus::Cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            },
        );
    if let Some(place) = location(e) {
        ev.location(&place);
    }
    if !fe.tags.is_empty() {
        ev.categories(fe.tags.iter().map(String::as_str));
    }
}

fn vevents(fe: &FeedEvent<'_>) -> Vec<icalendar::Event> {
    let e = fe.event;
    let tz: Tz = e.time_zone.parse().unwrap_or(chrono_tz::Europe::London);
    let mut master = icalendar::Event::new();
    common(&mut master, fe);
    master.append_property(when("DTSTART", e.starts_at, tz, e.all_day));
    master.append_property(when("DTEND", e.ends_at, tz, e.all_day));
    let mut out = Vec::new();
    if let Some(rule) = &e.rrule {
        master.add_property("RRULE", rule);
        let duration = e.ends_at - e.starts_at;
        for x in fe.exceptions {
            if x.cancelled {
                master.append_multi_property(when("EXDATE", x.occurrence_start, tz, e.all_day));
            } else {
                let mut moved = icalendar::Event::new();
                common(&mut moved, fe);
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
        // Writing into a String cannot fail.
        let _ = ev.fmt_write(&mut text);
    }
    let zone = (!e.all_day).then(|| {
        let mut to = e.series_ends_at.unwrap_or(e.ends_at).year() + 1;
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
    // Sets both NAME (RFC 7986) and X-WR-CALNAME, which older clients read.
    cal.name(info.name);
    cal.description(info.description);
    cal.append_property(Property::new("X-WR-TIMEZONE", info.site_zone.name()));
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
