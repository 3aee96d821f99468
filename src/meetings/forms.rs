//! What people send to the meeting forms, parsed into values the services accept, with a
//! message per field when something is wrong (the form is shown again, as typed).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use entity::meeting_action::ActionStatus;
use serde::{Deserialize, Serialize};

use crate::web::text;

pub use crate::web::text::{FieldErrors, single};

fn multi(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: Option<&str>,
) -> Option<String> {
    match text::multi_line(value) {
        Err(m) => {
            errors.insert(field, m);
            None
        }
        Ok(t) if t.trim().is_empty() => {
            if let Some(m) = required {
                errors.insert(field, m.into());
            }
            None
        }
        Ok(t) if t.chars().count() > max => {
            errors.insert(field, format!("Use {max} characters or fewer."));
            None
        }
        Ok(t) => Some(t.trim().to_string()),
    }
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

pub fn parse_time(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()
}

/// A local date and time in the site's zone; a message when the clocks skip that time.
fn local(date: NaiveDate, time: NaiveTime, tz: Tz) -> Result<DateTime<Utc>, String> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            "That time does not exist on that day (the clocks change). Choose another.".into()
        })
}

/// When a meeting is: a date, a start and an optional end, in the site's zone.
fn when(
    errors: &mut FieldErrors,
    date: &str,
    start: &str,
    end: &str,
    tz: Tz,
) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let Some(day) = parse_date(date) else {
        errors.insert("date", "Enter the date, such as 2027-01-14.".into());
        return None;
    };
    let Some(from) = parse_time(start) else {
        errors.insert("start", "Enter the start time, such as 10:00.".into());
        return None;
    };
    let starts_at = match local(day, from, tz) {
        Ok(t) => t,
        Err(m) => {
            errors.insert("start", m);
            return None;
        }
    };
    let ends_at = if end.trim().is_empty() {
        None
    } else {
        let Some(to) = parse_time(end) else {
            errors.insert(
                "end",
                "Enter the end time, such as 13:00, or leave it empty.".into(),
            );
            return None;
        };
        match local(day, to, tz) {
            Ok(t) if t > starts_at => Some(t),
            Ok(_) => {
                errors.insert("end", "The meeting must end after it starts.".into());
                return None;
            }
            Err(m) => {
                errors.insert("end", m);
                return None;
            }
        }
    };
    Some((starts_at, ends_at))
}

/// A meeting's details, as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct MeetingForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub place: String,
    /// A member's id, or empty.
    #[serde(default)]
    pub chair: String,
    #[serde(default)]
    pub secretary: String,
    /// The address of the event (or of one date of a series) this meeting is.
    #[serde(default)]
    pub event: String,
}

#[derive(Debug, Clone)]
pub struct MeetingInput {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: String,
    pub chair_id: Option<i64>,
    pub secretary_id: Option<i64>,
    /// The event's slug and, for a series, the date.
    pub event: Option<(String, Option<NaiveDate>)>,
}

/// `/events/SLUG` or `/events/SLUG/YYYY-MM-DD`, with or without the site's address.
pub fn parse_event_address(text: &str) -> Option<(String, Option<NaiveDate>)> {
    let t = text.trim();
    let path = match t.find("/events/") {
        Some(i) => &t[i + "/events/".len()..],
        None => return None,
    };
    let path = path
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    let mut parts = path.split('/');
    let slug = parts.next().filter(|s| !s.is_empty())?;
    if !slug.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let date = match parts.next() {
        None => None,
        Some(d) => Some(parse_date(d)?),
    };
    if parts.next().is_some() {
        return None;
    }
    Some((slug.to_string(), date))
}

fn person_id(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<i64> {
    let t = value.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.insert(field, "Choose a member from the list.".into());
            None
        }
    }
}

impl MeetingForm {
    pub fn parse(&self, tz: Tz) -> Result<MeetingInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = single(
            &mut errors,
            "title",
            &self.title,
            200,
            Some("Enter a title, such as Forum meeting."),
        );
        let when = when(&mut errors, &self.date, &self.start, &self.end, tz);
        let place = single(
            &mut errors,
            "place",
            &self.place,
            300,
            Some("Enter where it meets, such as the council's address, or Online."),
        );
        let chair_id = person_id(&mut errors, "chair", &self.chair);
        let secretary_id = person_id(&mut errors, "secretary", &self.secretary);
        let event = if self.event.trim().is_empty() {
            None
        } else {
            match parse_event_address(&self.event) {
                Some(e) => Some(e),
                None => {
                    errors.insert(
                        "event",
                        "Paste the address of an event page, such as /events/forum-meeting/2027-01-14.".into(),
                    );
                    None
                }
            }
        };
        match (title, when, place) {
            (Some(title), Some((starts_at, ends_at)), Some(place)) if errors.is_empty() => {
                Ok(MeetingInput {
                    title,
                    starts_at,
                    ends_at,
                    place,
                    chair_id,
                    secretary_id,
                    event,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Postponing: the new date and the reason.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct PostponeForm {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct PostponeInput {
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub reason: String,
}

impl PostponeForm {
    pub fn parse(&self, tz: Tz) -> Result<PostponeInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let when = when(&mut errors, &self.date, &self.start, &self.end, tz);
        let reason = multi(
            &mut errors,
            "reason",
            &self.reason,
            1000,
            Some("Say why, in a sentence: members will read it on the meeting's page."),
        );
        match (when, reason) {
            (Some((starts_at, ends_at)), Some(reason)) if errors.is_empty() => Ok(PostponeInput {
                starts_at,
                ends_at,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// An agenda item, as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ItemForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub start_time: String,
    #[serde(default)]
    pub presenters: String,
    #[serde(default)]
    pub duration: String,
    #[serde(default)]
    pub note: String,
    /// A checkbox: members' updates go under this item.
    #[serde(default)]
    pub round_robin: Option<String>,
    /// Where it goes on the agenda (1 is first); empty puts it last.
    #[serde(default)]
    pub position: String,
}

#[derive(Debug, Clone)]
pub struct ItemInput {
    pub title: String,
    pub start_time: Option<String>,
    pub presenters: Option<String>,
    pub duration_minutes: Option<i32>,
    pub note: Option<String>,
    pub round_robin: bool,
    pub position: Option<i32>,
}

impl ItemForm {
    pub fn parse(&self) -> Result<ItemInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = single(
            &mut errors,
            "title",
            &self.title,
            200,
            Some("Enter the item's title."),
        );
        let start_time = if self.start_time.trim().is_empty() {
            None
        } else {
            match parse_time(&self.start_time) {
                Some(t) => Some(t.format("%H:%M").to_string()),
                None => {
                    errors.insert(
                        "start_time",
                        "Enter a time such as 10:30, or leave it empty.".into(),
                    );
                    None
                }
            }
        };
        let presenters = single(&mut errors, "presenters", &self.presenters, 300, None);
        let duration_minutes = if self.duration.trim().is_empty() {
            None
        } else {
            match self.duration.trim().parse::<i32>() {
                Ok(n) if (1..=600).contains(&n) => Some(n),
                _ => {
                    errors.insert(
                        "duration",
                        "Enter minutes from 1 to 600, or leave it empty.".into(),
                    );
                    None
                }
            }
        };
        let note = multi(&mut errors, "note", &self.note, 2000, None);
        let position = if self.position.trim().is_empty() {
            None
        } else {
            match self.position.trim().parse::<i32>() {
                Ok(n) if n >= 1 => Some(n),
                _ => {
                    errors.insert(
                        "position",
                        "Enter a number from 1, or leave it empty to put it last.".into(),
                    );
                    None
                }
            }
        };
        match title {
            Some(title) if errors.is_empty() => Ok(ItemInput {
                title,
                start_time,
                presenters,
                duration_minutes,
                note,
                round_robin: self.round_robin.is_some(),
                position,
            }),
            _ => Err(errors),
        }
    }
}

/// A member's one-page update.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct UpdateForm {
    #[serde(default)]
    pub body: String,
}

/// About one page of text.
pub const UPDATE_MAX: usize = 6000;

impl UpdateForm {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        let body = multi(
            &mut errors,
            "body",
            &self.body,
            UPDATE_MAX,
            Some("Write your update, or go back without saving."),
        );
        body.filter(|_| errors.is_empty()).ok_or(errors)
    }
}

/// Someone added to the attendance by hand.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct AttendeeForm {
    /// A member's initials, or the name of someone without an account.
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub organisation: String,
    /// attended | apologies
    #[serde(default)]
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct AttendeeInput {
    pub person: String,
    pub organisation: Option<String>,
    pub attended: bool,
}

impl AttendeeForm {
    pub fn parse(&self) -> Result<AttendeeInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let person = single(
            &mut errors,
            "person",
            &self.person,
            100,
            Some("Enter a member's initials or a person's name."),
        );
        let organisation = single(&mut errors, "organisation", &self.organisation, 200, None);
        let attended = match self.status.as_str() {
            "attended" => true,
            "apologies" => false,
            _ => {
                errors.insert("status", "Choose Attended or Apologies.".into());
                false
            }
        };
        match person {
            Some(person) if errors.is_empty() => Ok(AttendeeInput {
                person,
                organisation,
                attended,
            }),
            _ => Err(errors),
        }
    }
}

/// Minutes are long; a whole meeting's stays well under this.
pub const MINUTES_MAX: usize = 50_000;

/// Minutes as written: the general notes, and each item's text by the item's id.
pub type MinutesInput = (Option<String>, Vec<(i64, Option<String>)>);

/// The minutes as sent: `notes`, and `item-ID` for each agenda item.
/// What was wrong with the minutes as sent: the general notes, and each item's text by the
/// item's id.
#[derive(Debug, Default)]
pub struct MinutesErrors {
    pub fields: FieldErrors,
    pub items: BTreeMap<i64, String>,
}

impl MinutesErrors {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.items.is_empty()
    }
}

pub fn parse_minutes(fields: &[(String, String)]) -> Result<MinutesInput, MinutesErrors> {
    let mut errors = MinutesErrors::default();
    let mut notes = None;
    let mut items = Vec::new();
    for (name, value) in fields {
        if name == "notes" {
            notes = multi(&mut errors.fields, "notes", value, MINUTES_MAX, None);
        } else if let Some(id) = name
            .strip_prefix("item-")
            .and_then(|i| i.parse::<i64>().ok())
        {
            let mut own = FieldErrors::new();
            let text = multi(&mut own, "item", value, MINUTES_MAX, None);
            if let Some(m) = own.remove("item") {
                errors.items.insert(id, m);
            }
            items.push((id, text));
        }
    }
    if errors.is_empty() {
        Ok((notes, items))
    } else {
        Err(errors)
    }
}

/// An action, as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ActionForm {
    /// The agenda item's id, or empty.
    #[serde(default)]
    pub item: String,
    /// "PR, PW" or names, separated by commas or "and".
    #[serde(default)]
    pub owners: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub due: String,
}

#[derive(Debug, Clone)]
pub struct ActionInput {
    pub item_id: Option<i64>,
    pub owners: Vec<String>,
    pub text: String,
    pub due_on: Option<NaiveDate>,
}

/// Owners as the minutes write them: "PR, PW", "PR and Jo Bloggs", "PR & PW".
pub fn split_owners(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in text.split([',', ';', '&', '/']) {
        for piece in part.split(" and ") {
            let p = piece.trim();
            if !p.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                out.push(p.to_string());
            }
        }
    }
    out
}

impl ActionForm {
    pub fn parse(&self) -> Result<ActionInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = multi(
            &mut errors,
            "text",
            &self.text,
            2000,
            Some("Say what is to be done."),
        );
        let owners = match single(
            &mut errors,
            "owners",
            &self.owners,
            300,
            Some("Name who will do it: a member's initials, or a name."),
        ) {
            Some(o) => split_owners(&o),
            None => Vec::new(),
        };
        if owners.len() > 10 {
            errors.insert("owners", "Name ten owners at most.".into());
        }
        if owners.iter().any(|o| o.chars().count() > 100) {
            errors.insert(
                "owners",
                "Each owner's name must be 100 characters or fewer.".into(),
            );
        }
        let due_on = if self.due.trim().is_empty() {
            None
        } else {
            match parse_date(&self.due) {
                Some(d) => Some(d),
                None => {
                    errors.insert(
                        "due",
                        "Enter a date such as 2027-03-01, or leave it empty.".into(),
                    );
                    None
                }
            }
        };
        let item_id = self.item.trim().parse::<i64>().ok();
        match text {
            Some(text) if errors.is_empty() && !owners.is_empty() => Ok(ActionInput {
                item_id,
                owners,
                text,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

/// Progress on an action.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ProgressForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub note: String,
    /// The meeting recording it (its slug), if any.
    #[serde(default)]
    pub meeting: String,
}

#[derive(Debug, Clone)]
pub struct ProgressInput {
    pub status: ActionStatus,
    pub note: Option<String>,
}

impl ProgressForm {
    pub fn parse(&self) -> Result<ProgressInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let status = ActionStatus::parse(&self.status);
        if status.is_none() {
            errors.insert(
                "status",
                "Choose Open, In progress, Complete or Dropped.".into(),
            );
        }
        let note = multi(&mut errors, "note", &self.note, 2000, None);
        match status {
            Some(status) if errors.is_empty() => Ok(ProgressInput { status, note }),
            _ => Err(errors),
        }
    }
}

/// A correction to agreed minutes.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct AmendmentForm {
    #[serde(default)]
    pub item: String,
    #[serde(default)]
    pub text: String,
}

impl AmendmentForm {
    pub fn parse(&self) -> Result<(Option<i64>, String), FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = multi(
            &mut errors,
            "text",
            &self.text,
            5000,
            Some("Write the correction, such as \"Item 3: for 'June' read 'July'\"."),
        );
        match text {
            Some(t) if errors.is_empty() => Ok((self.item.trim().parse().ok(), t)),
            _ => Err(errors),
        }
    }
}

/// Deferring an item that was not reached.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct DeferForm {
    #[serde(default)]
    pub note: String,
}

impl DeferForm {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        let note = multi(&mut errors, "note", &self.note, 500, None);
        if errors.is_empty() {
            Ok(note.unwrap_or_else(|| "Not reached; deferred to this meeting.".into()))
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_split_as_the_minutes_write_them() {
        assert_eq!(split_owners("PR, PW"), vec!["PR", "PW"]);
        assert_eq!(
            split_owners("PR and Jo Bloggs & pr"),
            vec!["PR", "Jo Bloggs"]
        );
        assert!(split_owners(" , ").is_empty());
    }

    #[test]
    fn an_action_needs_text_and_an_owner() {
        let errors = ActionForm::default().parse().unwrap_err();
        assert!(errors.contains_key("text") && errors.contains_key("owners"));
        let ok = ActionForm {
            owners: "PR".into(),
            text: "Liaise with PW re a Midlands open data camp".into(),
            due: "2027-03-01".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.owners, vec!["PR"]);
        assert_eq!(ok.due_on, NaiveDate::from_ymd_opt(2027, 3, 1));
    }

    #[test]
    fn event_addresses_name_an_event_or_one_date() {
        assert_eq!(
            parse_event_address("https://forum.example/events/forum-meeting/2027-01-14"),
            Some(("forum-meeting".into(), NaiveDate::from_ymd_opt(2027, 1, 14)))
        );
        assert_eq!(
            parse_event_address("/events/hack-day/"),
            Some(("hack-day".into(), None))
        );
        assert_eq!(parse_event_address("/meetings/x"), None);
        assert_eq!(parse_event_address("/events/a/2027-02-30"), None);
    }

    #[test]
    fn a_meeting_ends_after_it_starts_and_times_that_do_not_exist_are_refused() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let mut form = MeetingForm {
            title: "Forum meeting".into(),
            date: "2027-03-28".into(),
            start: "01:30".into(),
            place: "Town hall".into(),
            ..Default::default()
        };
        assert!(
            form.parse(tz).unwrap_err().contains_key("start"),
            "clocks go forward"
        );
        form.start = "10:00".into();
        form.end = "09:00".into();
        assert!(form.parse(tz).unwrap_err().contains_key("end"));
        form.end = "13:00".into();
        let ok = form.parse(tz).unwrap();
        assert_eq!(
            ok.ends_at.unwrap() - ok.starts_at,
            chrono::Duration::hours(3)
        );
    }
}

/// Old minutes pasted in, to make an archived past meeting.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ImportForm {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub place: String,
    /// auto | html | markdown
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct ImportInput {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub place: String,
    /// The minutes, as Markdown.
    pub minutes: String,
}

/// What pasted minutes can be as sent (an old site's page is bigger than its text).
pub const IMPORT_MAX: usize = 400_000;

/// Whether pasted text is HTML: it has the tags minutes pages are made of.
pub fn looks_like_html(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "<p", "<h1", "<h2", "<h3", "<ul", "<ol", "<li", "<table", "<div", "<br", "<html", "<body",
        "<strong", "<em",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// Pasted minutes into Markdown: HTML through `htmd`, Markdown as it is; a message when it
/// is neither (a PDF or a Word file pasted as text, or nothing).
pub fn minutes_markdown(text: &str, format: &str) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Paste the old minutes: the HTML of their page, or Markdown.".into());
    }
    if t.starts_with("%PDF") || t.starts_with("PK\u{3}\u{4}") || t.starts_with("{\\rtf") {
        return Err("That is a PDF, Word or RTF file, not HTML or Markdown: open it, copy its text and paste that.".into());
    }
    let html = match format {
        "html" => {
            if !looks_like_html(t) {
                return Err("That does not look like HTML (no paragraphs, headings or lists). Choose Markdown, or paste the page's HTML.".into());
            }
            true
        }
        "markdown" => false,
        _ => looks_like_html(t),
    };
    let markdown = if html {
        htmd::HtmlToMarkdown::builder()
            .skip_tags(vec![
                "script", "style", "head", "nav", "footer", "iframe", "form",
            ])
            .build()
            .convert(t)
            .map_err(|_| {
                "That HTML could not be read. Paste the minutes as Markdown instead.".to_string()
            })?
    } else {
        t.to_string()
    };
    let markdown = markdown.trim().to_string();
    if markdown.is_empty() {
        return Err("No text was found in what you pasted.".into());
    }
    if markdown.chars().count() > MINUTES_MAX {
        return Err(format!(
            "The minutes are longer than {MINUTES_MAX} characters once converted: split them, or shorten them."
        ));
    }
    Ok(markdown)
}

impl ImportForm {
    pub fn parse(&self, tz: Tz, today: NaiveDate) -> Result<ImportInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = single(
            &mut errors,
            "title",
            &self.title,
            200,
            Some("Enter a title, such as Forum meeting."),
        );
        let place = single(
            &mut errors,
            "place",
            &self.place,
            300,
            Some("Enter where it met, as the minutes say."),
        );
        let starts_at = match parse_date(&self.date) {
            Some(day) if day < today => match parse_time("10:00").map(|t| local(day, t, tz)) {
                Some(Ok(at)) => Some(at),
                _ => None,
            },
            Some(_) => {
                errors.insert(
                    "date",
                    "Imports are for past meetings: add a coming one as a new meeting.".into(),
                );
                None
            }
            None => {
                errors.insert("date", "Enter the date it met, such as 2024-03-13.".into());
                None
            }
        };
        let minutes = if self.text.chars().count() > IMPORT_MAX {
            errors.insert("text", format!("That is more than {IMPORT_MAX} characters: paste one meeting's minutes at a time."));
            None
        } else {
            match text::multi_line(&self.text).and_then(|t| minutes_markdown(&t, &self.format)) {
                Ok(m) => Some(m),
                Err(m) => {
                    errors.insert("text", m);
                    None
                }
            }
        };
        match (title, place, starts_at, minutes) {
            (Some(title), Some(place), Some(starts_at), Some(minutes)) if errors.is_empty() => {
                Ok(ImportInput {
                    title,
                    starts_at,
                    place,
                    minutes,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod import_tests {
    use super::*;

    #[test]
    fn html_minutes_become_markdown_and_other_things_are_refused() {
        let md = minutes_markdown("<h2>Present</h2><ul><li>PS (Chair)</li></ul><p>Actions: <strong>PR</strong> to liaise with PW.</p><script>x()</script>", "auto").unwrap();
        assert!(md.contains("## Present"), "{md}");
        assert!(md.contains("PS (Chair)") && md.contains("**PR**"), "{md}");
        assert!(!md.contains("x()"));
        assert_eq!(
            minutes_markdown("# Minutes\n\n- PS", "auto").unwrap(),
            "# Minutes\n\n- PS"
        );
        assert!(
            minutes_markdown("%PDF-1.7 ...", "auto")
                .unwrap_err()
                .contains("PDF")
        );
        assert!(
            minutes_markdown("Just words", "html")
                .unwrap_err()
                .contains("does not look like HTML")
        );
        assert!(minutes_markdown("  ", "auto").is_err());
    }
}
