//! What the RSVP templates receive, and all their wording: the panel on an event page, the
//! attendee list, the sign-in sheet, the CSV export, "My events".

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::rsvp::{self, Response};
use entity::{event, user};
use serde::Serialize;

use crate::events::views::when_text;
use crate::rsvp::forms::{DEFAULT_EXTRA, FieldErrors};
use crate::rsvp::queries::Counts;
use crate::rsvp::slots::Slot;
use crate::rsvp::workflow::Outcome;

/// What the event offers besides itself, by its name ("Lunch").
pub fn extra_label(e: &event::Model) -> Option<String> {
    e.lunch_provided.then(|| {
        e.extra_label
            .clone()
            .unwrap_or_else(|| DEFAULT_EXTRA.into())
    })
}

/// "Tuesday 10 March 2027, 18:00".
pub fn moment(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%A %-d %B %Y, %H:%M")
        .to_string()
}

/// The links only organisers and admins see.
#[derive(Serialize, Clone)]
pub struct ManageLinks {
    pub attendees_href: String,
    pub sheet_href: String,
    pub csv_href: String,
    pub places_href: String,
}

impl ManageLinks {
    pub fn new(e: &event::Model, slot_href: &str) -> Self {
        ManageLinks {
            attendees_href: format!("{slot_href}/attendees"),
            sheet_href: format!("{slot_href}/attendees/sheet"),
            csv_href: format!("{slot_href}/attendees.csv"),
            places_href: format!("/events/{}/places", e.slug),
        }
    }
}

/// A member's own answer, as the panel shows it.
#[derive(Serialize, Default)]
pub struct MyAnswer {
    pub going: bool,
    pub waiting: bool,
    pub apologies: bool,
    /// "You're going.", "You're number 2 on the waiting list."
    pub summary: String,
    pub extra: bool,
    pub note: String,
}

/// Someone going, as other members see them (only those who allow it).
#[derive(Serialize)]
pub struct NameRow {
    pub name: String,
    pub organisation: Option<String>,
}

/// The panel on an event page (or a date's page).
#[derive(Serialize, Default)]
pub struct PanelView {
    /// Where the answer form posts (and its own page, for changing an answer).
    pub action: String,
    pub signed_in: bool,
    pub signin_href: String,
    /// Answers are taken now.
    pub open: bool,
    /// Why not, when they are not.
    pub closed_reason: Option<String>,
    /// "Answers close on Tuesday 10 March 2027, 18:00."
    pub closes: Option<String>,
    pub capacity: Option<i32>,
    pub going: u64,
    pub places_left: Option<u64>,
    pub full: bool,
    pub waiting: u64,
    pub apologies: u64,
    pub extra_label: Option<String>,
    pub extra_count: u64,
    /// Whether the member has answered; `mine` is their answer (all false when not).
    pub answered: bool,
    pub mine: MyAnswer,
    pub can_see_names: bool,
    pub names: Vec<NameRow>,
    /// Going, but not named (they have not allowed it, or are guests).
    pub unnamed: u64,
    pub manage: Option<ManageLinks>,
    /// On a series' own page: answers are per date; the next date's page.
    pub next_date_href: Option<String>,
    pub next_date_label: Option<String>,
}

impl PanelView {
    pub fn counts(&mut self, e: &event::Model, counts: Counts) {
        self.capacity = e.capacity;
        self.going = counts.going;
        self.waiting = counts.waiting;
        self.apologies = counts.apologies;
        self.extra_label = extra_label(e);
        self.extra_count = counts.extra;
        self.places_left = e
            .capacity
            .map(|c| u64::try_from(c).unwrap_or(0).saturating_sub(counts.going));
        self.full = self.places_left == Some(0);
    }
}

pub fn my_answer(row: &rsvp::Model, position: Option<u64>) -> MyAnswer {
    MyAnswer {
        going: row.response == Response::Going,
        waiting: row.response == Response::Waiting,
        apologies: row.response == Response::Apologies,
        summary: match row.response {
            Response::Going => "You're going.".into(),
            Response::Waiting => match position {
                Some(1) => "You're next on the waiting list.".into(),
                Some(n) => format!("You're number {n} on the waiting list."),
                None => "You're on the waiting list.".into(),
            },
            Response::Apologies => "You sent your apologies.".into(),
        },
        extra: row.extra,
        note: row.note.clone().unwrap_or_default(),
    }
}

/// What the member is told after answering.
pub fn outcome_message(outcome: Outcome, extra: Option<&str>, staying: bool) -> String {
    match outcome {
        Outcome::Going => match (extra, staying) {
            (Some(label), true) => format!(
                "You're going, and staying for {}. See you there.",
                label.to_lowercase()
            ),
            _ => "You're going. See you there.".into(),
        },
        Outcome::Waiting(1) => {
            "It's full, so you're next on the waiting list. If a place comes free, it's yours at once, and My events will show it.".into()
        }
        Outcome::Waiting(n) => format!(
            "It's full, so you're number {n} on the waiting list. If enough places come free, one is yours at once, and My events will show it."
        ),
        Outcome::Apologies => "Your apologies are noted. Thank you for letting us know.".into(),
        Outcome::Withdrawn => "Your answer is withdrawn.".into(),
    }
}

/// One row of the attendee list, for organisers.
#[derive(Serialize)]
pub struct AttendeeRow {
    pub id: i64,
    pub name: String,
    pub organisation: Option<String>,
    /// Guests' addresses, as the organiser typed them.
    pub email: Option<String>,
    pub guest: bool,
    pub response: &'static str,
    pub position: Option<usize>,
    pub extra: bool,
    pub note: Option<String>,
    pub checked_in: bool,
    pub checked_in_at: Option<String>,
    pub answered: String,
}

/// The name an answer goes by: the member's current name, the guest's, or "Former member"
/// for a history that was erased.
pub fn name_of(row: &rsvp::Model, person: Option<&user::Model>) -> (String, Option<String>) {
    match (person, &row.guest_name) {
        (Some(p), _) => (p.display_name.clone(), p.organisation.clone()),
        (None, Some(name)) => (name.clone(), row.guest_organisation.clone()),
        (None, None) => ("Former member (history erased)".into(), None),
    }
}

pub fn response_label(r: Response) -> &'static str {
    match r {
        Response::Going => "Going",
        Response::Waiting => "Waiting list",
        Response::Apologies => "Apologies",
    }
}

pub fn attendee_rows(rows: &[(rsvp::Model, Option<user::Model>)], tz: Tz) -> Vec<AttendeeRow> {
    let mut place = 0;
    rows.iter()
        .map(|(row, person)| {
            let (name, organisation) = name_of(row, person.as_ref());
            let position = (row.response == Response::Waiting).then(|| {
                place += 1;
                place
            });
            AttendeeRow {
                id: row.id,
                name,
                organisation,
                email: row.guest_email.clone(),
                guest: row.user_id.is_none() && row.guest_name.is_some(),
                response: response_label(row.response),
                position,
                extra: row.extra,
                note: row.note.clone(),
                checked_in: row.checked_in_at.is_some(),
                checked_in_at: row
                    .checked_in_at
                    .map(|at| at.with_timezone(&tz).format("%H:%M").to_string()),
                answered: crate::web::format::date_time(row.queued_at, tz),
            }
        })
        .collect()
}

/// The organisers' page for one event or date.
#[derive(Serialize)]
pub struct AttendeesView {
    pub title: String,
    pub event_href: String,
    pub when: String,
    pub date_label: Option<String>,
    pub capacity: Option<i32>,
    pub going: Vec<AttendeeRow>,
    pub waiting: Vec<AttendeeRow>,
    pub apologies: Vec<AttendeeRow>,
    pub extra_label: Option<String>,
    pub extra_count: usize,
    pub notes_count: usize,
    /// Going and ticked in at the door.
    pub checked_in: usize,
    /// Ticked in although on the waiting list (the organiser let them in).
    pub checked_in_waiting: usize,
    pub links: ManageLinks,
    pub guest_action: String,
    pub guest_form: crate::rsvp::forms::GuestForm,
    /// The register's names, offered as a guest's organisation is typed.
    pub organisation_names: Vec<String>,
    pub invalid: bool,
    pub errors: serde_json::Value,
    /// Where the check-in and remove buttons post: `{prefix}/{id}/check-in`.
    pub row_action_prefix: String,
    /// The sign-in sheet only: who to list (going, then the waiting list).
    pub sheet: bool,
    pub printed_at: String,
    pub notes_days: i64,
}

/// A form's errors with every field the template may ask about present (strict templates
/// refuse a missing key), `null` where there is nothing wrong.
pub fn errors_for(errors: &FieldErrors, fields: &[&str]) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    errors.get(f).map_or(serde_json::Value::Null, |m| {
                        serde_json::Value::String(m.clone())
                    }),
                )
            })
            .collect(),
    )
}

/// Split rows by answer.
pub fn split(rows: Vec<AttendeeRow>) -> (Vec<AttendeeRow>, Vec<AttendeeRow>, Vec<AttendeeRow>) {
    let mut going = Vec::new();
    let mut waiting = Vec::new();
    let mut apologies = Vec::new();
    for row in rows {
        match row.response {
            "Going" => going.push(row),
            "Waiting list" => waiting.push(row),
            _ => apologies.push(row),
        }
    }
    (going, waiting, apologies)
}

pub use crate::web::text::formula_safe;

/// The attendee list as CSV (RFC 4180: quoted where needed, CRLF line ends), every cell
/// formula-safe.
pub fn csv(rows: &[AttendeeRow], extra: Option<&str>) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "Name",
        "Organisation",
        "Guest email",
        "Answer",
        "Place on the waiting list",
        extra.unwrap_or("Extra"),
        "Note",
        "Checked in",
        "Answered",
    ])?;
    for r in rows {
        let record = [
            r.name.clone(),
            r.organisation.clone().unwrap_or_default(),
            r.email.clone().unwrap_or_default(),
            r.response.to_string(),
            r.position.map(|p| p.to_string()).unwrap_or_default(),
            if extra.is_some() && r.extra {
                "Yes"
            } else {
                ""
            }
            .to_string(),
            r.note.clone().unwrap_or_default(),
            r.checked_in_at.clone().unwrap_or_default(),
            r.answered.clone(),
        ];
        out.write_record(record.iter().map(|cell| formula_safe(cell)))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The "Places and answers" form.
#[derive(Serialize)]
pub struct SettingsView {
    pub title: String,
    pub event_href: String,
    pub action: String,
    pub form: crate::rsvp::forms::SettingsForm,
    pub invalid: bool,
    pub errors: serde_json::Value,
    pub series: bool,
}

/// The question before places go below the number going.
#[derive(Serialize)]
pub struct ConfirmMovesView {
    pub title: String,
    pub event_href: String,
    pub action: String,
    pub form: crate::rsvp::forms::SettingsForm,
    pub groups: Vec<MoveGroup>,
    pub total: usize,
}

#[derive(Serialize)]
pub struct MoveGroup {
    pub when: String,
    pub names: Vec<String>,
}

/// "My events": what the member is going to or waiting for, and their feed.
#[derive(Serialize)]
pub struct MyAnswersView {
    pub rows: Vec<MyAnswerRow>,
    pub feed_https: String,
    pub feed_webcal: String,
}

#[derive(Serialize)]
pub struct MyAnswerRow {
    pub title: String,
    pub href: String,
    pub when: String,
    pub going: bool,
    pub status: String,
    pub extra: Option<String>,
    pub start_iso: String,
}

pub fn when_of(e: &event::Model, slot: &Slot, site: Tz) -> String {
    when_text(
        slot.starts_at,
        slot.ends_at,
        e.all_day,
        crate::events::views::shown_zone(e, site),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, note: &str) -> AttendeeRow {
        AttendeeRow {
            id: 1,
            name: name.into(),
            organisation: Some("Northvale, \"Data\" Team".into()),
            email: None,
            guest: false,
            response: "Going",
            position: None,
            extra: true,
            note: Some(note.into()),
            checked_in: false,
            checked_in_at: None,
            answered: "1 Mar 2027, 10:00".into(),
        }
    }

    #[test]
    fn csv_quotes_as_rfc_4180_says_and_runs_no_formulas() {
        let bytes = csv(
            &[
                row("=HYPERLINK(\"http://evil.example\")", "line one\nline two"),
                row("+44 1234", "-2 chairs"),
            ],
            Some("Lunch"),
        )
        .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[0].starts_with("Name,Organisation,Guest email,Answer,"));
        assert!(lines[0].contains(",Lunch,"));
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
            "{text}"
        );
        assert!(text.contains("\"Northvale, \"\"Data\"\" Team\""));
        assert!(
            text.contains("\"line one\nline two\""),
            "a line break stays inside quotes"
        );
        assert!(text.contains("'+44 1234") && text.contains("'-2 chairs"));
        // Read back by a CSV reader: the same cells.
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        let first = reader.records().next().unwrap().unwrap();
        assert_eq!(&first[0], "'=HYPERLINK(\"http://evil.example\")");
        assert_eq!(&first[6], "line one\nline two");
    }
}
