//! The event form as typed, and its parsing into an [`EventInput`] the service accepts. Every
//! mistake gets a message next to its field; the form is shown again with what was typed.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::events::recurrence::{self, Repeat};
use crate::web::text;

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 500;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_TAGS: usize = 10;
/// The longest an event may last; listings rely on it to find running events quickly.
pub const MAX_EVENT_DAYS: i64 = 31;

/// Exactly what the form sent, kept as text so it can be shown again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EventForm {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub time_zone: String,
    pub all_day: Option<String>,
    pub start_date: String,
    pub start_time: String,
    pub end_date: String,
    pub end_time: String,
    pub place_name: String,
    pub address: String,
    pub online_url: String,
    pub tags: String,
    pub organiser_contact: String,
    /// A checkbox: present when ticked.
    pub show_organiser_contact: Option<String>,
    pub note_to_admins: String,
    /// none | weekly | monthly_weekday | monthly_day | custom
    pub repeat: String,
    pub repeat_interval: String,
    pub repeat_until: String,
    pub repeat_rule: String,
    /// A checkbox, asked for when the start has passed: "it is a past event".
    pub confirm_past: Option<String>,
    /// Which button: save | submit | publish | preview
    pub action: String,
    /// Which version of the event the edit form showed (see `service::version_token`).
    pub version: String,
}

/// A valid event, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInput {
    pub title: String,
    pub summary: String,
    pub description: String,
    pub time_zone: String,
    pub all_day: bool,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place_name: Option<String>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    pub tags: Vec<String>,
    pub organiser_contact: Option<String>,
    /// Changes proposed before the question was asked have no answer: not shown.
    #[serde(default)]
    pub show_organiser_contact: bool,
    pub note_to_admins: Option<String>,
    pub rrule: Option<String>,
    pub series_ends_at: Option<DateTime<Utc>>,
}

pub type FieldErrors = BTreeMap<&'static str, String>;

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

fn first_local_date(starts_at: DateTime<Utc>, tz: Tz) -> chrono::NaiveDate {
    starts_at.with_timezone(&tz).date_naive()
}

/// A local date and time in a zone, refusing times the clocks skip or repeat.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> Result<DateTime<Utc>, String> {
    let local = NaiveDateTime::new(date, time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "{} on {} does not exist in {tz}: the clocks go forward then. Choose a time outside the skipped hour.",
            time.format("%H:%M"),
            date.format("%-d %B %Y")
        )),
        LocalResult::Ambiguous(_, _) => Err(format!(
            "{} on {} happens twice in {tz}: the clocks go back then. Choose a time outside the repeated hour.",
            time.format("%H:%M"),
            date.format("%-d %B %Y")
        )),
    }
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// A time of day as a time input sends it. A leap second (`10:00:60`) is not a time anyone
/// means.
pub fn parse_time(text: &str) -> Option<NaiveTime> {
    let t = text.trim();
    NaiveTime::parse_from_str(t, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
        .ok()
        .filter(|t| t.nanosecond() < 1_000_000_000)
}

/// The first year any form accepts.
pub const EARLIEST_YEAR: i32 = 1970;
/// How far ahead any form accepts a date.
pub const YEARS_AHEAD: u32 = 20;

/// The first and last dates a form accepts at `now`: 1 January 1970 to twenty years ahead.
/// Dates outside are mistakes (year 0, year 100000), and would make every calendar feed
/// describe centuries of time-zone history.
pub fn date_range(now: DateTime<Utc>) -> (NaiveDate, NaiveDate) {
    let today = now.date_naive();
    let latest = today
        .checked_add_months(chrono::Months::new(12 * YEARS_AHEAD))
        .unwrap_or(today);
    (
        NaiveDate::from_ymd_opt(EARLIEST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN),
        latest,
    )
}

/// The latest instant any stored date may have: the end of the last day forms accept.
pub fn latest_instant(now: DateTime<Utc>) -> DateTime<Utc> {
    (date_range(now).1 + Duration::days(2))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

/// Why a date field was not accepted.
pub enum DateProblem {
    Unreadable,
    OutOfRange(String),
}

/// A date typed in a form, within [`date_range`].
pub fn date_field(text: &str, now: DateTime<Utc>) -> Result<NaiveDate, DateProblem> {
    let date = parse_date(text).ok_or(DateProblem::Unreadable)?;
    let (first, last) = date_range(now);
    if date < first || date > last {
        return Err(DateProblem::OutOfRange(format!(
            "Choose a date between {} and {}.",
            first.format("%-d %B %Y"),
            last.format("%-d %B %Y")
        )));
    }
    Ok(date)
}

pub fn normalise_tags(text: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for raw in text.split(',') {
        let tag: String = raw
            .trim()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 40 || !tag.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(format!(
                "Tags are short words with letters, digits and dashes; {raw:?} is not one."
            ));
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(format!("Use at most {MAX_TAGS} tags."));
    }
    Ok(tags)
}

impl EventForm {
    pub fn is_all_day(&self) -> bool {
        self.all_day.is_some()
    }

    /// Every field with whether it is a text area, for the control-character check.
    fn texts(&self) -> [(&'static str, &str, bool); 18] {
        [
            ("title", &self.title, false),
            ("summary", &self.summary, true),
            ("description", &self.description, true),
            ("time_zone", &self.time_zone, false),
            ("start_date", &self.start_date, false),
            ("start_time", &self.start_time, false),
            ("end_date", &self.end_date, false),
            ("end_time", &self.end_time, false),
            ("place_name", &self.place_name, false),
            ("address", &self.address, true),
            ("online_url", &self.online_url, false),
            ("tags", &self.tags, false),
            ("organiser_contact", &self.organiser_contact, false),
            ("note_to_admins", &self.note_to_admins, true),
            ("repeat", &self.repeat, false),
            ("repeat_interval", &self.repeat_interval, false),
            ("repeat_until", &self.repeat_until, false),
            ("repeat_rule", &self.repeat_rule, false),
        ]
    }

    /// Validates everything and reports every problem at once. `now` bounds the dates a
    /// form may name (see [`date_in_range`]).
    pub fn parse(&self, site_zone: Tz, now: DateTime<Utc>) -> Result<EventInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        // Checked first and reported last, so that they win over any other message.
        let unreadable: FieldErrors = self
            .texts()
            .into_iter()
            .filter_map(|(field, text, multi)| text::problem(text, multi).map(|m| (field, m)))
            .collect();
        let title = self.title.trim();
        if title.is_empty() {
            errors.insert("title", "Give the event a title.".into());
        } else if too_long(title, MAX_TITLE) {
            errors.insert("title", format!("Use {MAX_TITLE} characters or fewer."));
        }
        let summary = self.summary.trim();
        if summary.is_empty() {
            errors.insert(
                "summary",
                "Say in a sentence what the event is about.".into(),
            );
        } else if too_long(summary, MAX_SUMMARY) {
            errors.insert("summary", format!("Use {MAX_SUMMARY} characters or fewer."));
        }
        if too_long(&self.description, MAX_DESCRIPTION) {
            errors.insert(
                "description",
                format!("Use {MAX_DESCRIPTION} characters or fewer."),
            );
        }

        let tz: Option<Tz> = if self.time_zone.trim().is_empty() {
            Some(site_zone)
        } else {
            match self.time_zone.trim().parse() {
                // An old alias (US/Eastern) is kept as its canonical name.
                Ok(tz) => Some(crate::events::zones::canonical(tz)),
                Err(_) => {
                    errors.insert(
                        "time_zone",
                        format!(
                            "{:?} is not a time zone; choose one such as Europe/London.",
                            self.time_zone.trim()
                        ),
                    );
                    None
                }
            }
        };

        let all_day = self.is_all_day();
        let start_date = match date_field(&self.start_date, now) {
            Ok(date) => Some(date),
            Err(DateProblem::Unreadable) => {
                errors.insert(
                    "start_date",
                    "Enter the date it starts, as YYYY-MM-DD.".into(),
                );
                None
            }
            Err(DateProblem::OutOfRange(m)) => {
                errors.insert("start_date", m);
                None
            }
        };
        let end_date = if self.end_date.trim().is_empty() {
            start_date
        } else {
            match date_field(&self.end_date, now) {
                Ok(date) => Some(date),
                Err(DateProblem::Unreadable) => {
                    errors.insert("end_date", "Enter the date it ends, as YYYY-MM-DD.".into());
                    None
                }
                Err(DateProblem::OutOfRange(m)) => {
                    errors.insert("end_date", m);
                    None
                }
            }
        };
        let (start_time, end_time) = if all_day {
            (Some(NaiveTime::MIN), Some(NaiveTime::MIN))
        } else {
            let s = parse_time(&self.start_time);
            if s.is_none() {
                errors.insert(
                    "start_time",
                    "Enter the time it starts, as HH:MM (24-hour clock).".into(),
                );
            }
            let e = parse_time(&self.end_time);
            if e.is_none() {
                errors.insert(
                    "end_time",
                    "Enter the time it ends, as HH:MM (24-hour clock).".into(),
                );
            }
            (s, e)
        };

        let mut starts_at = None;
        let mut ends_at = None;
        if let (Some(tz), Some(sd), Some(ed), Some(st), Some(et)) =
            (tz, start_date, end_date, start_time, end_time)
        {
            if all_day {
                if ed < sd {
                    errors.insert(
                        "end_date",
                        "The last day cannot be before the first day.".into(),
                    );
                } else {
                    // Midnight exists on every day in the zones we know of; if it did not,
                    // the message says so.
                    match (
                        local_to_utc(tz, sd, st),
                        local_to_utc(tz, ed + Duration::days(1), et),
                    ) {
                        (Ok(s), Ok(e)) => {
                            starts_at = Some(s);
                            ends_at = Some(e);
                        }
                        (Err(m), _) | (_, Err(m)) => {
                            errors.insert("start_date", m);
                        }
                    }
                }
            } else {
                let s = local_to_utc(tz, sd, st);
                let e = local_to_utc(tz, ed, et);
                if let Err(m) = &s {
                    errors.insert("start_time", m.clone());
                }
                if let Err(m) = &e {
                    errors.insert("end_time", m.clone());
                }
                if let (Ok(s), Ok(e)) = (s, e) {
                    if e <= s {
                        errors.insert("end_time", "The end must be after the start.".into());
                    } else if e - s > Duration::days(MAX_EVENT_DAYS) {
                        errors.insert(
                            "end_date",
                            format!("An event can last at most {MAX_EVENT_DAYS} days."),
                        );
                    } else {
                        starts_at = Some(s);
                        ends_at = Some(e);
                    }
                }
            }
        }

        let place_name = optional(&self.place_name);
        if place_name.as_deref().is_some_and(|p| too_long(p, 200)) {
            errors.insert("place_name", "Use 200 characters or fewer.".into());
        }
        let address = optional(&self.address);
        if address.as_deref().is_some_and(|p| too_long(p, 500)) {
            errors.insert("address", "Use 500 characters or fewer.".into());
        }
        let online_url = optional(&self.online_url);
        if let Some(link) = &online_url
            && (!crate::web::text::is_web_address(link) || too_long(link, 2000))
        {
            errors.insert(
                "online_url",
                "Enter a web address starting with https:// (or http://).".into(),
            );
        }
        let tags = match normalise_tags(&self.tags) {
            Ok(tags) => tags,
            Err(m) => {
                errors.insert("tags", m);
                Vec::new()
            }
        };
        let organiser_contact = optional(&self.organiser_contact);
        if organiser_contact
            .as_deref()
            .is_some_and(|c| too_long(c, 320))
        {
            errors.insert("organiser_contact", "Use 320 characters or fewer.".into());
        }
        let note_to_admins = optional(&self.note_to_admins);
        if note_to_admins.as_deref().is_some_and(|n| too_long(n, 2000)) {
            errors.insert("note_to_admins", "Use 2000 characters or fewer.".into());
        }

        let (rrule, series_ends_at) = match (tz, starts_at, ends_at) {
            (Some(tz), Some(s), Some(e)) => match self.repeat_rule(tz, s, now) {
                Ok(None) => (None, None),
                Ok(Some(rule)) => match recurrence::validate(&rule, s, tz, latest_instant(now)) {
                    Ok(checked) => (
                        Some(checked.rule),
                        checked.last_start.map(|last| last + (e - s)),
                    ),
                    Err(m) => {
                        errors.insert(self.repeat_field(), m);
                        (None, None)
                    }
                },
                Err((field, m)) => {
                    errors.insert(field, m);
                    (None, None)
                }
            },
            _ => (None, None),
        };

        errors.extend(unreadable);
        let (Some(starts_at), Some(ends_at), true) = (starts_at, ends_at, errors.is_empty()) else {
            return Err(errors);
        };
        Ok(EventInput {
            title: title.to_string(),
            summary: summary.replace("\r\n", "\n"),
            description: self.description.trim().replace("\r\n", "\n"),
            time_zone: tz.unwrap_or(site_zone).name().to_string(),
            all_day,
            starts_at,
            ends_at,
            place_name,
            address: address.map(|a| a.replace("\r\n", "\n")),
            online_url,
            tags,
            show_organiser_contact: self.show_organiser_contact.is_some()
                && organiser_contact.is_some(),
            organiser_contact,
            note_to_admins: note_to_admins.map(|n| n.replace("\r\n", "\n")),
            rrule,
            series_ends_at,
        })
    }

    fn repeat_field(&self) -> &'static str {
        if self.repeat == "custom" {
            "repeat_rule"
        } else {
            "repeat_until"
        }
    }

    fn repeat_rule(
        &self,
        tz: Tz,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, (&'static str, String)> {
        let repeat = match self.repeat.trim() {
            "" | "none" => return Ok(None),
            "custom" => {
                let rule = self.repeat_rule.trim();
                if rule.is_empty() {
                    return Err((
                        "repeat_rule",
                        "Enter the repeat rule, or choose another repeat option.".into(),
                    ));
                }
                if rule.len() > 400 {
                    return Err(("repeat_rule", "That rule is too long.".into()));
                }
                return Ok(Some(rule.to_string()));
            }
            "weekly" => Repeat::Weekly,
            "monthly_weekday" => Repeat::MonthlyByWeekday,
            "monthly_day" => Repeat::MonthlyByDay,
            other => return Err(("repeat", format!("{other:?} is not a repeat option."))),
        };
        let interval = match self.repeat_interval.trim() {
            "" => 1,
            text => match text.parse::<u16>() {
                Ok(n) if (1..=12).contains(&n) => n,
                _ => {
                    return Err((
                        "repeat_interval",
                        "Repeat every 1 to 12 weeks or months.".into(),
                    ));
                }
            },
        };
        // No last date: an open-ended series, until its organiser ends it.
        let until_utc = if self.repeat_until.trim().is_empty() {
            None
        } else {
            let until = match date_field(&self.repeat_until, now) {
                Ok(until) => until,
                Err(DateProblem::Unreadable) => {
                    return Err((
                        "repeat_until",
                        "Enter the date of the last occurrence as YYYY-MM-DD, or leave it empty \
                         if the series has no end date."
                            .into(),
                    ));
                }
                Err(DateProblem::OutOfRange(m)) => return Err(("repeat_until", m)),
            };
            if until < first_local_date(starts_at, tz) {
                return Err((
                    "repeat_until",
                    "The series cannot end before it starts.".into(),
                ));
            }
            // The end of the last local day, in UTC, as RFC 5545 wants with a zoned start.
            let end_of_day = until.and_time(NaiveTime::MIN) + Duration::seconds(24 * 60 * 60 - 1);
            Some(match tz.from_local_datetime(&end_of_day) {
                LocalResult::Single(t) | LocalResult::Ambiguous(_, t) => t.with_timezone(&Utc),
                LocalResult::None => (end_of_day - Duration::hours(1)).and_utc(),
            })
        };
        Ok(Some(recurrence::rule_for(
            repeat,
            interval,
            starts_at.with_timezone(&tz).naive_local(),
            until_utc,
        )))
    }

    /// The form filled in from a valid input (a change that waits for review), for editing.
    pub fn from_input(input: &EventInput) -> Self {
        let tz: Tz = input.time_zone.parse().unwrap_or(chrono_tz::Europe::London);
        let mut form = Self::from_times(tz, input.starts_at, input.ends_at, input.all_day);
        form.title = input.title.clone();
        form.summary = input.summary.clone();
        form.description = input.description.clone();
        form.time_zone = input.time_zone.clone();
        form.place_name = input.place_name.clone().unwrap_or_default();
        form.address = input.address.clone().unwrap_or_default();
        form.online_url = input.online_url.clone().unwrap_or_default();
        form.tags = input.tags.join(", ");
        form.organiser_contact = input.organiser_contact.clone().unwrap_or_default();
        form.show_organiser_contact = input.show_organiser_contact.then(|| "on".into());
        form.note_to_admins = input.note_to_admins.clone().unwrap_or_default();
        if let Some(rule) = &input.rrule {
            form.repeat = "custom".into();
            form.repeat_rule = rule.clone();
        } else {
            form.repeat = "none".into();
        }
        form
    }

    /// The date and time fields for a stored start and end.
    fn from_times(tz: Tz, starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, all_day: bool) -> Self {
        let start = starts_at.with_timezone(&tz);
        let end = ends_at.with_timezone(&tz);
        let (end_date, end_time) = if all_day {
            (
                (end - Duration::days(1)).format("%Y-%m-%d").to_string(),
                String::new(),
            )
        } else {
            (
                end.format("%Y-%m-%d").to_string(),
                end.format("%H:%M").to_string(),
            )
        };
        EventForm {
            all_day: all_day.then(|| "on".into()),
            start_date: start.format("%Y-%m-%d").to_string(),
            start_time: if all_day {
                String::new()
            } else {
                start.format("%H:%M").to_string()
            },
            end_date,
            end_time,
            ..Default::default()
        }
    }

    /// The form filled in from a stored event, for editing.
    pub fn from_event(event: &entity::event::Model, tags: &[String]) -> Self {
        Self::from_input(&EventInput {
            title: event.title.clone(),
            summary: event.summary.clone(),
            description: event.description.clone(),
            time_zone: event.time_zone.clone(),
            all_day: event.all_day,
            starts_at: event.starts_at,
            ends_at: event.ends_at,
            place_name: event.place_name.clone(),
            address: event.address.clone(),
            online_url: event.online_url.clone(),
            tags: tags.to_vec(),
            organiser_contact: event.organiser_contact.clone(),
            show_organiser_contact: event.show_organiser_contact,
            note_to_admins: event.note_to_admins.clone(),
            rrule: event.rrule.clone(),
            series_ends_at: event.series_ends_at,
        })
    }
}

/// A decision's reason or comment: required, and not a novel.
pub fn review_note(text: &str, what: &str) -> Result<String, String> {
    let t = text::multi_line(text.trim())?;
    if t.is_empty() {
        Err(format!("Give {what}, so the author knows what to do."))
    } else if too_long(&t, 2000) {
        Err("Use 2000 characters or fewer.".into())
    } else {
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    /// The day these tests pretend it is.
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap()
    }

    fn form() -> EventForm {
        EventForm {
            title: "Northvale Open Data Forum".into(),
            summary: "Our bi-monthly meeting.".into(),
            description: "Agenda to follow.".into(),
            time_zone: "Europe/London".into(),
            start_date: "2026-07-08".into(),
            start_time: "10:30".into(),
            end_date: "2026-07-08".into(),
            end_time: "12:00".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_is_stored_in_utc() {
        let input = form().parse(London, now()).unwrap();
        assert_eq!(input.starts_at.to_rfc3339(), "2026-07-08T09:30:00+00:00");
        assert_eq!(input.ends_at.to_rfc3339(), "2026-07-08T11:00:00+00:00");
        assert_eq!(input.time_zone, "Europe/London");
    }

    #[test]
    fn each_bad_input_gets_its_own_message() {
        type Change = Box<dyn Fn(&mut EventForm)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                Box::new(|f| f.title = " ".into()),
                "title",
                "Give the event a title",
            ),
            (
                Box::new(|f| f.title = "x".repeat(201)),
                "title",
                "200 characters",
            ),
            (
                Box::new(|f| f.end_time = "09:00".into()),
                "end_time",
                "after the start",
            ),
            (
                Box::new(|f| {
                    f.start_date = "2026-03-29".into();
                    f.end_date = "2026-03-29".into();
                    f.start_time = "01:30".into();
                    f.end_time = "03:00".into();
                }),
                "start_time",
                "clocks go forward",
            ),
            (
                Box::new(|f| {
                    f.start_date = "2026-10-25".into();
                    f.end_date = "2026-10-25".into();
                    f.start_time = "01:30".into();
                    f.end_time = "03:00".into();
                }),
                "start_time",
                "clocks go back",
            ),
            (
                Box::new(|f| f.online_url = "javascript:alert(1)".into()),
                "online_url",
                "https://",
            ),
            (
                Box::new(|f| f.online_url = "ftp://files.example".into()),
                "online_url",
                "https://",
            ),
            (
                Box::new(|f| f.time_zone = "Europe/Atlantis".into()),
                "time_zone",
                "not a time zone",
            ),
            (
                Box::new(|f| f.start_date = "8/7/2026".into()),
                "start_date",
                "YYYY-MM-DD",
            ),
            (
                Box::new(|f| f.tags = "ok, <b>bad</b>".into()),
                "tags",
                "letters, digits and dashes",
            ),
            (
                Box::new(|f| {
                    f.repeat = "custom".into();
                    f.repeat_rule = "FREQ=HOURLY".into();
                }),
                "repeat_rule",
                "at most once a day",
            ),
            (
                Box::new(|f| {
                    f.repeat = "custom".into();
                    f.repeat_rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=2".into();
                }),
                "repeat_rule",
                "no occurrence",
            ),
            (
                Box::new(|f| {
                    f.repeat = "weekly".into();
                    f.repeat_until = "next July".into();
                }),
                "repeat_until",
                "leave it empty if the series has no end date",
            ),
            (
                Box::new(|f| {
                    f.repeat = "weekly".into();
                    f.repeat_until = "2026-01-01".into();
                }),
                "repeat_until",
                "before it starts",
            ),
            (
                Box::new(|f| f.start_date = "0000-07-08".into()),
                "start_date",
                "between 1 January 1970 and 1 June 2046",
            ),
            (
                Box::new(|f| f.start_date = "-0001-07-08".into()),
                "start_date",
                "between 1 January 1970",
            ),
            (
                Box::new(|f| f.end_date = "+10000-07-08".into()),
                "end_date",
                "between 1 January 1970",
            ),
            (
                Box::new(|f| f.start_time = "10:00:60".into()),
                "start_time",
                "HH:MM",
            ),
            (
                Box::new(|f| {
                    f.repeat = "weekly".into();
                    f.repeat_until = "+262142-01-01".into();
                }),
                "repeat_until",
                "between 1 January 1970",
            ),
            (
                Box::new(|f| {
                    f.repeat = "custom".into();
                    f.repeat_rule = "FREQ=YEARLY;UNTIL=21000101T000000Z".into();
                }),
                "repeat_rule",
                "must end by",
            ),
            (
                Box::new(|f| {
                    f.repeat = "custom".into();
                    f.repeat_rule = "FREQ=WEEKLY;COUNT=2\nBEGIN:VEVENT".into();
                }),
                "repeat_rule",
                "line break",
            ),
            (
                Box::new(|f| {
                    f.repeat = "custom".into();
                    f.repeat_rule = "FREQ=WEEKLY;COUNT=2;X-A=\"b\"".into();
                }),
                "repeat_rule",
                "only letters, digits",
            ),
            (Box::new(|f| f.title = "Data\0Camp".into()), "title", "NUL"),
            (
                Box::new(|f| f.title = "Data\r\nCamp".into()),
                "title",
                "line break",
            ),
            (
                Box::new(|f| f.description = "One\rtwo".into()),
                "description",
                "carriage return",
            ),
            (
                Box::new(|f| f.place_name = "Hall \u{202E}evil".into()),
                "place_name",
                "U+202E",
            ),
            (
                Box::new(|f| f.tags = "open\u{1}data".into()),
                "tags",
                "U+0001",
            ),
        ];
        for (change, field, words) in cases {
            let mut f = form();
            change(&mut f);
            let errors = f.parse(London, now()).unwrap_err();
            let message = errors
                .get(field)
                .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"));
            assert!(message.contains(words), "{field}: {message}");
        }
    }

    #[test]
    fn text_areas_keep_their_line_breaks_as_lf() {
        let mut f = form();
        f.description = "First line\r\nSecond line".into();
        f.address = "1 Bridge Street\r\nRiverside".into();
        let input = f.parse(London, now()).unwrap();
        assert_eq!(input.description, "First line\nSecond line");
        assert_eq!(input.address.as_deref(), Some("1 Bridge Street\nRiverside"));
    }

    #[test]
    fn all_day_events_span_whole_local_days() {
        let mut f = form();
        f.all_day = Some("on".into());
        f.start_date = "2026-09-18".into();
        f.end_date = "2026-09-19".into();
        let input = f.parse(London, now()).unwrap();
        assert_eq!(input.starts_at.to_rfc3339(), "2026-09-17T23:00:00+00:00");
        assert_eq!(input.ends_at.to_rfc3339(), "2026-09-19T23:00:00+00:00");
        let mut stored = crate::events::sample_event(entity::event::EventStatus::Draft);
        stored.all_day = true;
        stored.starts_at = input.starts_at;
        stored.ends_at = input.ends_at;
        let round_trip = EventForm::from_event(&stored, &[]);
        assert_eq!(round_trip.start_date, "2026-09-18");
        assert_eq!(round_trip.end_date, "2026-09-19");
    }

    #[test]
    fn a_monthly_series_from_the_form() {
        let mut f = form();
        f.start_date = "2026-01-14".into();
        f.end_date = "2026-01-14".into();
        f.repeat = "monthly_weekday".into();
        f.repeat_interval = "2".into();
        f.repeat_until = "2026-12-31".into();
        let input = f.parse(London, now()).unwrap();
        assert_eq!(
            input.rrule.as_deref(),
            Some("FREQ=MONTHLY;UNTIL=20261231T235959Z;INTERVAL=2;BYDAY=2WE")
        );
        assert_eq!(
            input.series_ends_at.unwrap().to_rfc3339(),
            "2026-11-11T12:00:00+00:00"
        );
    }
}
