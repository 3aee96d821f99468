//! What the meeting pages show: the page of one meeting (agenda with members' updates,
//! attendance, minutes, actions and "Matters arising"), built from a fixed number of queries
//! whatever its size, and the rows of the action tracker.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::meeting::{self, MinutesStatus};
use entity::meeting_action::{self, ActionStatus};
use entity::meeting_attendance::Presence;
use entity::{action_note, action_owner, agenda_item, user};
use serde::Serialize;

use crate::web::format;
use crate::web::markdown;

#[derive(Serialize, Clone)]
pub struct MeetingLink {
    pub title: String,
    pub href: String,
    pub when: String,
    pub place: String,
}

pub fn href(m: &meeting::Model) -> String {
    format!("/meetings/{}", m.slug)
}

/// "Thursday 14 January 2027, 10:00 to 13:00".
pub fn when(m: &meeting::Model, tz: Tz) -> String {
    let start = m.starts_at.with_timezone(&tz);
    match m.ends_at {
        Some(end) => format!(
            "{}, {} to {}",
            start.format("%A %-d %B %Y"),
            start.format("%H:%M"),
            end.with_timezone(&tz).format("%H:%M")
        ),
        None => format!(
            "{}, {}",
            start.format("%A %-d %B %Y"),
            start.format("%H:%M")
        ),
    }
}

pub fn day(at: DateTime<Utc>, tz: Tz) -> String {
    format::day(at, tz)
}

pub fn link(m: &meeting::Model, tz: Tz) -> MeetingLink {
    MeetingLink {
        title: m.title.clone(),
        href: href(m),
        when: when(m, tz),
        place: m.place.clone(),
    }
}

#[derive(Serialize, Clone)]
pub struct Person {
    pub name: String,
    pub initials: Option<String>,
    pub organisation: Option<String>,
}

pub fn person(u: &user::Model) -> Person {
    Person {
        name: u.display_name.clone(),
        initials: u.initials.clone(),
        organisation: u.organisation.clone(),
    }
}

/// How the minutes name someone: initials when they have them.
pub fn short_name(u: &user::Model) -> String {
    u.initials.clone().unwrap_or_else(|| u.display_name.clone())
}

#[derive(Serialize, Clone)]
pub struct NoteView {
    pub when: String,
    pub status: &'static str,
    pub note: Option<String>,
    pub meeting: Option<MeetingLink>,
}

#[derive(Serialize, Clone)]
pub struct ActionView {
    pub id: i64,
    pub href: String,
    /// "A12"
    pub number: String,
    pub text: String,
    pub owners: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub status: &'static str,
    pub status_code: &'static str,
    pub closed: bool,
    pub raised_at: Option<MeetingLink>,
    pub item_title: Option<String>,
    pub history: Vec<NoteView>,
    /// Where an officer records progress on it at the meeting being shown.
    pub progress_href: Option<String>,
}

/// What is needed to show actions: their owners, progress notes, people and meetings, each
/// read in one query for all of them.
pub struct ActionContext {
    pub owners: Vec<action_owner::Model>,
    pub notes: Vec<action_note::Model>,
    pub people: HashMap<i64, user::Model>,
    pub meetings: HashMap<i64, meeting::Model>,
    pub items: HashMap<i64, String>,
    pub tz: Tz,
    pub today: NaiveDate,
}

pub fn owners_text(owners: &[&action_owner::Model], people: &HashMap<i64, user::Model>) -> String {
    owners
        .iter()
        .map(
            |o| match (o.user_id.and_then(|id| people.get(&id)), &o.name) {
                (Some(u), _) => short_name(u),
                (None, Some(name)) => name.clone(),
                (None, None) => "(a former member)".into(),
            },
        )
        .collect::<Vec<_>>()
        .join(", ")
}

impl ActionContext {
    pub fn view(&self, a: &meeting_action::Model) -> ActionView {
        let owners: Vec<_> = self.owners.iter().filter(|o| o.action_id == a.id).collect();
        let history = self
            .notes
            .iter()
            .filter(|n| n.action_id == a.id)
            .map(|n| NoteView {
                when: day(n.at, self.tz),
                status: n.status.label(),
                note: n.note.clone(),
                meeting: n
                    .meeting_id
                    .and_then(|id| self.meetings.get(&id))
                    .map(|m| link(m, self.tz)),
            })
            .collect();
        ActionView {
            id: a.id,
            href: format!("/actions/{}", a.id),
            number: format!("A{}", a.id),
            text: a.text.clone(),
            owners: owners_text(&owners, &self.people),
            due: a.due_on.map(|d| d.format("%-d %B %Y").to_string()),
            overdue: !a.status.is_closed() && a.due_on.is_some_and(|d| d < self.today),
            status: a.status.label(),
            status_code: a.status.as_str(),
            closed: a.status.is_closed(),
            raised_at: self.meetings.get(&a.meeting_id).map(|m| link(m, self.tz)),
            item_title: a.agenda_item_id.and_then(|id| self.items.get(&id).cloned()),
            history,
            progress_href: None,
        }
    }
}

#[derive(Serialize, Clone)]
pub struct UpdateView {
    pub author: Person,
    pub body: String,
    pub body_html: String,
    pub updated: String,
    pub mine: bool,
}

#[derive(Serialize)]
pub struct ItemView {
    pub id: i64,
    pub number: usize,
    pub anchor: String,
    /// What later features add to this item (its files).
    pub parts: Vec<crate::events::extensions::PagePart>,
    pub start_time: Option<String>,
    pub title: String,
    pub presenters: Option<String>,
    pub duration: Option<i32>,
    pub note_html: Option<String>,
    pub note_text: Option<String>,
    pub minutes_html: Option<String>,
    pub minutes_text: String,
    pub round_robin: bool,
    pub deferred_note: Option<String>,
    pub deferred_from: Option<MeetingLink>,
    pub deferred_to: Option<MeetingLink>,
    pub updates: Vec<UpdateView>,
    pub actions: Vec<ActionView>,
    pub amendments: Vec<AmendmentView>,
    pub edit_href: String,
}

#[derive(Serialize, Clone)]
pub struct AmendmentView {
    pub when: String,
    pub text: String,
    pub text_html: String,
    pub item: Option<String>,
}

#[derive(Serialize)]
pub struct AttendeeView {
    pub id: i64,
    pub name: String,
    pub initials: Option<String>,
    pub organisation: Option<String>,
    pub source: &'static str,
}

/// Agenda times that overlap or run backwards: shown to officers as warnings, not errors.
pub fn timing_warnings(items: &[agenda_item::Model]) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut last: Option<(chrono::NaiveTime, Option<i32>, &str)> = None;
    for item in items {
        let Some(start) = item
            .start_time
            .as_deref()
            .and_then(crate::meetings::forms::parse_time)
        else {
            continue;
        };
        if let Some((prev, duration, title)) = last {
            if start < prev {
                warnings.push(
                    format!(
                        "\u{201c}{}\u{201d} starts at {} , before \u{201c}{title}\u{201d} ({}).",
                        item.title,
                        start.format("%H:%M"),
                        prev.format("%H:%M")
                    )
                    .replace(" ,", ","),
                );
            } else if let Some(d) = duration {
                let ends = prev + chrono::Duration::minutes(i64::from(d));
                if start < ends {
                    warnings.push(format!(
                        "\u{201c}{title}\u{201d} runs until {}, after \u{201c}{}\u{201d} starts at {}.",
                        ends.format("%H:%M"),
                        item.title,
                        start.format("%H:%M")
                    ));
                }
            }
        }
        last = Some((start, item.duration_minutes, item.title.as_str()));
    }
    warnings
}

pub fn minutes_label(status: MinutesStatus) -> &'static str {
    match status {
        MinutesStatus::None => "Not written yet",
        MinutesStatus::Draft => "Draft",
        MinutesStatus::Published => "Published, to be agreed at the next meeting",
        MinutesStatus::Agreed => "Agreed",
    }
}

pub fn attendance_lists(
    rows: &[entity::meeting_attendance::Model],
    people: &HashMap<i64, user::Model>,
) -> (Vec<AttendeeView>, Vec<AttendeeView>) {
    let mut attended = Vec::new();
    let mut apologies = Vec::new();
    for r in rows {
        let member = r.user_id.and_then(|id| people.get(&id));
        let view = AttendeeView {
            id: r.id,
            name: member.map_or_else(|| r.name.clone(), |u| u.display_name.clone()),
            initials: member.and_then(|u| u.initials.clone()),
            organisation: r.organisation.clone(),
            source: match r.source {
                entity::meeting_attendance::Source::Rsvp => "from answers",
                entity::meeting_attendance::Source::Door => "ticked in at the door",
                entity::meeting_attendance::Source::Manual => "added by hand",
            },
        };
        match r.status {
            Presence::Attended => attended.push(view),
            Presence::Apologies => apologies.push(view),
        }
    }
    (attended, apologies)
}

pub fn markdown_html(text: Option<&str>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty()).map(markdown::to_html)
}

pub fn status_options(current: ActionStatus) -> Vec<StatusOption> {
    [
        ActionStatus::Open,
        ActionStatus::InProgress,
        ActionStatus::Done,
        ActionStatus::Dropped,
    ]
    .into_iter()
    .map(|s| StatusOption {
        value: s.as_str(),
        label: s.label(),
        selected: s == current,
    })
    .collect()
}

#[derive(Serialize)]
pub struct StatusOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn date_time(at: DateTime<Utc>, tz: Tz) -> String {
    format::date_time(at, tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str, start: &str, minutes: Option<i32>) -> agenda_item::Model {
        let now = Utc::now();
        agenda_item::Model {
            id: 1,
            meeting_id: 1,
            position: 1,
            start_time: Some(start.into()),
            title: title.into(),
            presenters: None,
            duration_minutes: minutes,
            note: None,
            minutes: None,
            round_robin: false,
            deferred_from_id: None,
            deferred_note: None,
            deferred_to_meeting_id: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn overlapping_and_backward_times_are_warned_about() {
        let fine = [
            item("Welcome", "10:00", Some(10)),
            item("Updates", "10:10", None),
        ];
        assert!(timing_warnings(&fine).is_empty());
        let overlap = [
            item("Welcome", "10:00", Some(30)),
            item("Updates", "10:10", None),
        ];
        assert_eq!(
            timing_warnings(&overlap),
            vec![
                "\u{201c}Welcome\u{201d} runs until 10:30, after \u{201c}Updates\u{201d} starts at 10:10."
            ]
        );
        let backwards = [item("Welcome", "10:00", None), item("Lunch", "09:30", None)];
        assert_eq!(
            timing_warnings(&backwards),
            vec!["\u{201c}Lunch\u{201d} starts at 09:30, before \u{201c}Welcome\u{201d} (10:00)."]
        );
    }
}
