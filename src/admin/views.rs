//! What the admin pages say: the audit log's action names, and each entry turned into a row a
//! person can read (names as they are now, links to the records, details in words).

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use entity::audit_log;
use serde::Serialize;

use crate::admin::forms::{AuditFilter, COMMAND_LINE, FilterErrors};
use crate::admin::service::{AuditPage, COMMAND_LINE_LABEL, EventRef, LogPeople};
use crate::web::format;

/// An action code the code base writes, and how the log names it.
struct Action {
    code: &'static str,
    label: &'static str,
    group: &'static str,
}

const PEOPLE: &str = "People and roles";
const EVENTS: &str = "Events";
const DATES: &str = "Dates in a series";
const ANSWERS: &str = "Answers (RSVP)";
const MEETINGS: &str = "Meetings";
const ORGANISATIONS: &str = "Organisations";
const FILES: &str = "Files";
const FORUM: &str = "Forum";
const DATA_REQUESTS: &str = "Dataset requests";
const API: &str = "API tokens";

/// Every action written with `audit::record`, in the order the filter lists them.
const ACTIONS: &[Action] = &[
    Action {
        code: "role.grant",
        label: "Granted the admin role",
        group: PEOPLE,
    },
    Action {
        code: "role.revoke",
        label: "Took away the admin role",
        group: PEOPLE,
    },
    Action {
        code: "account.disable",
        label: "Disabled an account",
        group: PEOPLE,
    },
    Action {
        code: "account.enable",
        label: "Enabled an account again",
        group: PEOPLE,
    },
    Action {
        code: "event.publish",
        label: "Published an event",
        group: EVENTS,
    },
    Action {
        code: "event.approve",
        label: "Approved an event",
        group: EVENTS,
    },
    Action {
        code: "event.request_changes",
        label: "Asked for changes to an event",
        group: EVENTS,
    },
    Action {
        code: "event.reject",
        label: "Rejected an event",
        group: EVENTS,
    },
    Action {
        code: "event.edit",
        label: "Edited a published event",
        group: EVENTS,
    },
    Action {
        code: "event.revision.approve",
        label: "Approved a change to an event",
        group: EVENTS,
    },
    Action {
        code: "event.revision.reject",
        label: "Turned down a change to an event",
        group: EVENTS,
    },
    Action {
        code: "event.cancel",
        label: "Cancelled an event",
        group: EVENTS,
    },
    Action {
        code: "event.postpone",
        label: "Postponed an event",
        group: EVENTS,
    },
    Action {
        code: "event.reinstate",
        label: "Reinstated an event",
        group: EVENTS,
    },
    Action {
        code: "event.delete",
        label: "Deleted an unpublished event",
        group: EVENTS,
    },
    Action {
        code: "event.move_occurrence",
        label: "Moved a date",
        group: DATES,
    },
    Action {
        code: "event.cancel_occurrence",
        label: "Cancelled a date",
        group: DATES,
    },
    Action {
        code: "event.postpone_occurrence",
        label: "Postponed a date",
        group: DATES,
    },
    Action {
        code: "event.reinstate_occurrence",
        label: "Reinstated a date",
        group: DATES,
    },
    Action {
        code: "rsvp.remove",
        label: "Removed someone's answer",
        group: ANSWERS,
    },
    Action {
        code: "rsvp.lower_capacity",
        label: "Lowered the places, moving people to the waiting list",
        group: ANSWERS,
    },
    Action {
        code: "meeting.create",
        label: "Added a meeting",
        group: MEETINGS,
    },
    Action {
        code: "meeting.import",
        label: "Imported old minutes as a meeting",
        group: MEETINGS,
    },
    Action {
        code: "meeting.edit",
        label: "Changed a meeting's details",
        group: MEETINGS,
    },
    Action {
        code: "meeting.postpone",
        label: "Postponed a meeting",
        group: MEETINGS,
    },
    Action {
        code: "meeting.publish_agenda",
        label: "Published an agenda",
        group: MEETINGS,
    },
    Action {
        code: "meeting.publish_minutes",
        label: "Published minutes",
        group: MEETINGS,
    },
    Action {
        code: "meeting.agree_minutes",
        label: "Recorded minutes as agreed",
        group: MEETINGS,
    },
    Action {
        code: "meeting.amend_minutes",
        label: "Amended agreed minutes",
        group: MEETINGS,
    },
    Action {
        code: "organisation.create",
        label: "Added an organisation to the register",
        group: ORGANISATIONS,
    },
    Action {
        code: "organisation.edit",
        label: "Changed an organisation",
        group: ORGANISATIONS,
    },
    Action {
        code: "organisation.merge",
        label: "Merged a duplicate organisation",
        group: ORGANISATIONS,
    },
    Action {
        code: "file.upload",
        label: "Uploaded a file",
        group: FILES,
    },
    Action {
        code: "file.replace",
        label: "Replaced a file with a new version",
        group: FILES,
    },
    Action {
        code: "file.delete",
        label: "Deleted a file",
        group: FILES,
    },
    Action {
        code: "forum.category.create",
        label: "Added a forum category",
        group: FORUM,
    },
    Action {
        code: "forum.category.edit",
        label: "Changed a forum category",
        group: FORUM,
    },
    Action {
        code: "forum.report.dismiss",
        label: "Dismissed reports on a forum post",
        group: FORUM,
    },
    Action {
        code: "forum.category.move",
        label: "Moved a forum category",
        group: FORUM,
    },
    Action {
        code: "forum.thread.pin",
        label: "Pinned a forum thread",
        group: FORUM,
    },
    Action {
        code: "forum.thread.unpin",
        label: "Unpinned a forum thread",
        group: FORUM,
    },
    Action {
        code: "forum.thread.lock",
        label: "Locked a forum thread",
        group: FORUM,
    },
    Action {
        code: "forum.thread.unlock",
        label: "Unlocked a forum thread",
        group: FORUM,
    },
    Action {
        code: "forum.thread.hide",
        label: "Hid a forum thread",
        group: FORUM,
    },
    Action {
        code: "forum.thread.show",
        label: "Showed a hidden forum thread again",
        group: FORUM,
    },
    Action {
        code: "forum.post.hide",
        label: "Hid a forum post",
        group: FORUM,
    },
    Action {
        code: "forum.post.show",
        label: "Showed a hidden forum post again",
        group: FORUM,
    },
    Action {
        code: "forum.post.approve",
        label: "Approved a new member's forum post",
        group: FORUM,
    },
    Action {
        code: "forum.post.reject",
        label: "Turned down a new member's forum post",
        group: FORUM,
    },
    Action {
        code: "data_request.create",
        label: "Asked for a dataset",
        group: DATA_REQUESTS,
    },
    Action {
        code: "data_request.edit",
        label: "Changed a dataset request",
        group: DATA_REQUESTS,
    },
    Action {
        code: "data_request.status",
        label: "Recorded where a dataset request stands",
        group: DATA_REQUESTS,
    },
    Action {
        code: "api_token.create",
        label: "Made an API token",
        group: API,
    },
    Action {
        code: "api_token.revoke",
        label: "Revoked an API token",
        group: API,
    },
];

/// The code as the log knows it, if it is one.
pub fn known_action(code: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|a| a.code == code).map(|a| a.code)
}

/// How an action reads in the log; a code nobody has worded yet reads as itself.
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|a| a.code == code)
        .map_or(code, |a| a.label)
}

#[derive(Serialize)]
pub struct ActionOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Serialize)]
pub struct ActionGroup {
    pub label: &'static str,
    pub actions: Vec<ActionOption>,
}

#[derive(Serialize)]
pub struct PersonOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form as sent, so a mistake can be corrected where it was made.
#[derive(Serialize)]
pub struct FilterForm {
    pub actions: Vec<ActionGroup>,
    pub people: Vec<PersonOption>,
    pub from: String,
    pub to: String,
    pub errors: FilterErrorsView,
    pub error_count: usize,
    /// Whether any filter is in use (and "Clear filters" is worth offering).
    pub active: bool,
}

#[derive(Serialize, Default)]
pub struct FilterErrorsView {
    pub action: Option<String>,
    pub person: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Who acted, as a cell of the log.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct PersonCell {
    pub name: String,
    pub email: Option<String>,
    pub href: Option<String>,
    /// Said after the name: the command line's explanation, or that the account is gone.
    pub note: Option<&'static str>,
}

/// The record an entry is about.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct RecordCell {
    /// "Event", "Account"...
    pub kind: &'static str,
    pub name: String,
    pub secondary: Option<String>,
    pub href: Option<String>,
    pub deleted: bool,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct DetailLine {
    pub label: Option<&'static str>,
    pub value: String,
}

#[derive(Serialize)]
pub struct AuditRow {
    pub at: String,
    pub at_iso: String,
    pub actor: PersonCell,
    pub action: String,
    pub record: Option<RecordCell>,
    pub details: Vec<DetailLine>,
}

#[derive(Serialize)]
pub struct AuditView {
    pub form: FilterForm,
    /// Empty when the filters need correcting first.
    pub entries: Vec<AuditRow>,
    /// Whether entries were looked up (false while the filters are wrong).
    pub searched: bool,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    /// Whether there is more than one page (and links between them).
    pub paged: bool,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
}

/// The filter form, from what was sent and what it meant (if it made sense).
pub fn filter_form(
    sent: &crate::admin::forms::AuditQuery,
    errors: &FilterErrors,
    people: &LogPeople,
) -> FilterForm {
    let sent_action = sent.action.as_deref().map(str::trim).unwrap_or("");
    let sent_person = sent.person.as_deref().map(str::trim).unwrap_or("");
    let mut groups: Vec<ActionGroup> = Vec::new();
    for a in ACTIONS {
        let option = ActionOption {
            code: a.code,
            label: a.label,
            selected: a.code == sent_action,
        };
        match groups.last_mut() {
            Some(g) if g.label == a.group => g.actions.push(option),
            _ => groups.push(ActionGroup {
                label: a.group,
                actions: vec![option],
            }),
        }
    }
    let mut options: Vec<PersonOption> = people
        .people
        .iter()
        .map(|p| PersonOption {
            value: p.id.to_string(),
            label: format!("{} ({})", p.display_name, p.email),
            selected: p.id.to_string() == sent_person,
        })
        .collect();
    if people.command_line {
        options.push(PersonOption {
            value: COMMAND_LINE.to_string(),
            label: "The command line, on the server".into(),
            selected: sent_person == COMMAND_LINE,
        });
    }
    let errors_view = FilterErrorsView {
        action: errors.action.clone(),
        person: errors.person.clone(),
        from: errors.from.clone(),
        to: errors.to.clone(),
    };
    let error_count = [&errors.action, &errors.person, &errors.from, &errors.to]
        .iter()
        .filter(|e| e.is_some())
        .count();
    FilterForm {
        actions: groups,
        people: options,
        from: sent.from.clone().unwrap_or_default(),
        to: sent.to.clone().unwrap_or_default(),
        errors: errors_view,
        error_count,
        active: [&sent.action, &sent.person, &sent.from, &sent.to]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty())),
    }
}

/// A page of entries as rows, with links to the pages before and after it.
pub fn audit_page(form: FilterForm, filter: &AuditFilter, page: AuditPage, tz: Tz) -> AuditView {
    let href = |n: u64| {
        let query = filter.query_string(n);
        if query.is_empty() {
            "/admin/audit".to_string()
        } else {
            format!("/admin/audit?{query}")
        }
    };
    AuditView {
        form,
        searched: true,
        total: page.total,
        previous_href: (page.page > 1).then(|| href(page.page - 1)),
        next_href: (page.page < page.pages).then(|| href(page.page + 1)),
        page: page.page,
        pages: page.pages,
        paged: page.pages > 1,
        entries: page.entries.iter().map(|e| row(e, &page, tz)).collect(),
    }
}

/// The form alone, with its mistakes, and no entries.
pub fn invalid_filters(form: FilterForm) -> AuditView {
    AuditView {
        form,
        entries: Vec::new(),
        searched: false,
        total: 0,
        page: 1,
        pages: 1,
        paged: false,
        previous_href: None,
        next_href: None,
    }
}

fn user_href(id: i64) -> String {
    format!("/admin/users#user-{id}")
}

fn actor_cell(e: &audit_log::Model, page: &AuditPage) -> PersonCell {
    match e.actor_user_id.and_then(|id| page.people.get(&id)) {
        Some(p) => PersonCell {
            name: p.display_name.clone(),
            email: Some(p.email.clone()),
            href: Some(user_href(p.id)),
            note: None,
        },
        None if e.actor_user_id.is_none() && e.actor_label == COMMAND_LINE_LABEL => PersonCell {
            name: "Command line".into(),
            email: None,
            href: None,
            note: Some("an operator on the server"),
        },
        None => PersonCell {
            name: e.actor_label.clone(),
            email: None,
            href: None,
            note: Some("account deleted"),
        },
    }
}

fn row(e: &audit_log::Model, page: &AuditPage, tz: Tz) -> AuditRow {
    let target_id = e.target_id.as_deref().and_then(|id| id.parse::<i64>().ok());
    let event = match (e.target_type.as_str(), target_id) {
        ("event", Some(id)) => page.events.get(&id),
        _ => None,
    };
    let said = read_detail(&e.action, e.detail.as_deref(), event, tz);
    let mut details = said.lines;
    let record = match (e.target_type.as_str(), target_id) {
        ("event", Some(id)) => Some(match event {
            Some(ev) => {
                if let Some(then) = said.title.as_deref().filter(|t| *t != ev.title) {
                    details.push(DetailLine {
                        label: Some("Title then"),
                        value: quoted(then),
                    });
                }
                RecordCell {
                    kind: "Event",
                    name: ev.title.clone(),
                    secondary: None,
                    href: Some(format!("/events/{}", ev.slug)),
                    deleted: false,
                }
            }
            None => RecordCell {
                kind: "Event",
                name: said.title.clone().unwrap_or_else(|| format!("Event {id}")),
                secondary: None,
                href: None,
                deleted: true,
            },
        }),
        ("user", Some(id)) => Some(match page.people.get(&id) {
            Some(p) => {
                if let Some(then) = said.email.as_deref().filter(|m| *m != p.email) {
                    details.push(DetailLine {
                        label: Some("E-mail then"),
                        value: then.to_string(),
                    });
                }
                RecordCell {
                    kind: "Account",
                    name: p.display_name.clone(),
                    secondary: Some(p.email.clone()),
                    href: Some(user_href(p.id)),
                    deleted: false,
                }
            }
            None => RecordCell {
                kind: "Account",
                name: said
                    .email
                    .clone()
                    .unwrap_or_else(|| format!("Account {id}")),
                secondary: None,
                href: None,
                deleted: true,
            },
        }),
        (kind, _) => Some(RecordCell {
            kind: "Record",
            name: match &e.target_id {
                Some(id) => format!("{kind} {id}"),
                None => kind.to_string(),
            },
            secondary: None,
            href: None,
            deleted: false,
        }),
    };
    AuditRow {
        at: format::date_time(e.at, tz),
        at_iso: format::iso(e.at),
        actor: actor_cell(e, page),
        action: action_label(&e.action).to_string(),
        record,
        details,
    }
}

/// What an entry's stored detail says, taken apart where its wording is known.
#[derive(Debug, Default, PartialEq, Eq)]
struct Said {
    /// The event's title when it happened.
    title: Option<String>,
    /// The account's e-mail address when it happened.
    email: Option<String>,
    lines: Vec<DetailLine>,
}

fn quoted(title: &str) -> String {
    format!("\u{201c}{title}\u{201d}")
}

fn line(label: Option<&'static str>, value: impl Into<String>) -> DetailLine {
    DetailLine {
        label,
        value: value.into(),
    }
}

/// `“Title”` or `“Title”: note`, as the event workflow writes them.
fn title_and_note(text: &str) -> Option<(&str, Option<&str>)> {
    let inner = text.strip_prefix('\u{201c}')?;
    match inner.split_once("\u{201d}: ") {
        Some((title, note)) => Some((title, Some(note))),
        None => Some((inner.strip_suffix('\u{201d}')?, None)),
    }
}

/// `5 March 2026 occurrence of “Title”...`: the date and what follows the title's opening.
fn occurrence(text: &str) -> Option<(NaiveDate, &str)> {
    let (date, rest) = text.split_once(" occurrence of \u{201c}")?;
    Some((NaiveDate::parse_from_str(date, "%d %B %Y").ok()?, rest))
}

/// A date of a series as the site shows dates, naming the series' zone if it is not the site's.
fn series_date(date: NaiveDate, zone: Option<Tz>, site: Tz) -> String {
    match zone {
        Some(z) if z != site => format!("{} ({})", date.format("%-d %b %Y"), z.name()),
        _ => date.format("%-d %b %Y").to_string(),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads the detail the writers store (plain sentences, in `src/auth/service.rs` and the
/// event workflow) back into its parts. Wording it does not recognise is shown as written.
fn read_detail(action: &str, detail: Option<&str>, event: Option<&EventRef>, site: Tz) -> Said {
    let Some(text) = detail.map(str::trim).filter(|t| !t.is_empty()) else {
        return Said::default();
    };
    let zone = event.and_then(|e| e.time_zone.parse::<Tz>().ok());
    let parsed = match action {
        "role.grant" | "role.revoke" => text
            .split_once(" is now ")
            .or_else(|| text.split_once(" is no longer "))
            .map(|(email, _)| Said {
                email: Some(email.to_string()),
                ..Said::default()
            }),
        "account.enable" => text.strip_suffix(" enabled").map(|email| Said {
            email: Some(email.to_string()),
            ..Said::default()
        }),
        "account.disable" => text.split_once(" disabled; ").map(|(email, rest)| Said {
            email: Some(email.to_string()),
            lines: rest
                .strip_suffix(" session(s) ended")
                .and_then(|n| n.parse::<u64>().ok())
                .map(|n| {
                    vec![line(
                        None,
                        match n {
                            0 => "They were not signed in anywhere.".to_string(),
                            1 => "Signed out of 1 session at once.".to_string(),
                            n => format!("Signed out of {n} sessions at once."),
                        },
                    )]
                })
                .unwrap_or_default(),
            ..Said::default()
        }),
        "event.publish" => text
            .strip_prefix("published ")
            .and_then(|t| t.strip_suffix(" directly"))
            .and_then(title_and_note)
            .map(|(title, _)| Said {
                title: Some(title.to_string()),
                lines: vec![line(None, "Published by an admin without review.")],
                ..Said::default()
            }),
        "event.edit" => text
            .strip_prefix("edited the published ")
            .and_then(title_and_note)
            .map(|(title, _)| Said {
                title: Some(title.to_string()),
                ..Said::default()
            }),
        "event.delete" => text
            .strip_prefix("deleted the unpublished ")
            .and_then(title_and_note)
            .map(|(title, _)| Said {
                title: Some(title.to_string()),
                ..Said::default()
            }),
        "event.approve"
        | "event.reject"
        | "event.request_changes"
        | "event.cancel"
        | "event.postpone"
        | "event.revision.approve"
        | "event.revision.reject" => {
            let label = match action {
                "event.request_changes" => "Changes asked for",
                "event.approve" | "event.revision.approve" => "Note",
                _ => "Reason",
            };
            title_and_note(text.strip_prefix("change to ").unwrap_or(text)).map(|(title, note)| {
                Said {
                    title: Some(title.to_string()),
                    lines: note.map(|n| vec![line(Some(label), n)]).unwrap_or_default(),
                    ..Said::default()
                }
            })
        }
        "event.cancel_occurrence" | "event.postpone_occurrence" | "event.reinstate_occurrence" => {
            text.strip_prefix("cancelled the ")
                .or_else(|| text.strip_prefix("postponed the "))
                .or_else(|| text.strip_prefix("reinstated the "))
                .and_then(occurrence)
                .and_then(|(date, rest)| {
                    Some(Said {
                        title: Some(rest.strip_suffix('\u{201d}')?.to_string()),
                        lines: vec![line(Some("Date"), series_date(date, zone, site))],
                        ..Said::default()
                    })
                })
        }
        "event.move_occurrence" => text
            .strip_prefix("moved the ")
            .and_then(occurrence)
            .and_then(|(date, rest)| {
                let (title, to) = rest.rsplit_once("\u{201d} to ")?;
                let to = match zone.and_then(|z| {
                    let local = NaiveDateTime::parse_from_str(to, "%d %B %Y, %H:%M").ok()?;
                    z.from_local_datetime(&local).earliest()
                }) {
                    Some(at) => format::date_time(at.to_utc(), site),
                    None => to.to_string(),
                };
                Some(Said {
                    title: Some(title.to_string()),
                    lines: vec![
                        line(Some("From"), series_date(date, zone, site)),
                        line(Some("To"), to),
                    ],
                    ..Said::default()
                })
            }),
        _ => None,
    };
    parsed.unwrap_or_else(|| Said {
        lines: vec![line(None, capitalised(text))],
        ..Said::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn event(zone: &str) -> EventRef {
        EventRef {
            id: 1,
            slug: "forum".into(),
            title: "Open Data Forum".into(),
            time_zone: zone.into(),
        }
    }

    #[test]
    fn unknown_codes_read_as_themselves() {
        assert_eq!(action_label("event.move_occurrence"), "Moved a date");
        assert_eq!(action_label("test.write"), "test.write");
        assert_eq!(known_action("test.write"), None);
    }

    #[test]
    fn every_code_the_writers_use_has_words() {
        // The writers are the files that call `audit::record`; every dotted code they name
        // must be listed above, or the log (and its filter) would show the bare code.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut missing = Vec::new();
        let mut found = 0;
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                if !text.contains("audit::record(") {
                    continue;
                }
                for piece in text.split('"').skip(1).step_by(2) {
                    let is_code = [
                        "role.",
                        "account.",
                        "event.",
                        "rsvp.",
                        "meeting.",
                        "organisation.",
                        "file.",
                    ]
                    .iter()
                    .any(|p| piece.starts_with(p))
                        && piece
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                    if is_code {
                        found += 1;
                        if known_action(piece).is_none() {
                            missing.push(format!("{piece} in {}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(found >= ACTIONS.len(), "only {found} codes found");
        assert!(missing.is_empty(), "no wording for {missing:?}");
    }

    #[test]
    fn details_are_read_back_into_parts() {
        let said = read_detail(
            "event.request_changes",
            Some("\u{201c}Hack Day\u{201d}: Add a venue"),
            None,
            London,
        );
        assert_eq!(said.title.as_deref(), Some("Hack Day"));
        assert_eq!(
            said.lines,
            vec![line(Some("Changes asked for"), "Add a venue")]
        );
        let said = read_detail(
            "event.revision.reject",
            Some("change to \u{201c}Hack Day\u{201d}"),
            None,
            London,
        );
        assert_eq!(said.title.as_deref(), Some("Hack Day"));
        assert!(said.lines.is_empty());
        let said = read_detail(
            "account.disable",
            Some("gareth@example.org disabled; 2 session(s) ended"),
            None,
            London,
        );
        assert_eq!(said.email.as_deref(), Some("gareth@example.org"));
        assert_eq!(said.lines[0].value, "Signed out of 2 sessions at once.");
        let said = read_detail(
            "role.grant",
            Some("a@b.example is now an admin"),
            None,
            London,
        );
        assert_eq!(said.email.as_deref(), Some("a@b.example"));
        // Wording from elsewhere is shown as written.
        let said = read_detail("test.write", Some("written by a test"), None, London);
        assert_eq!(said.lines, vec![line(None, "Written by a test")]);
    }

    #[test]
    fn a_moved_date_reads_old_to_new_in_the_site_zone() {
        let text = "moved the 5 March 2026 occurrence of \u{201c}Forum: \u{201d} to \u{201d} to 12 March 2026, 18:00";
        let said = read_detail(
            "event.move_occurrence",
            Some(text),
            Some(&event("Europe/London")),
            London,
        );
        assert_eq!(said.title.as_deref(), Some("Forum: \u{201d} to "));
        assert_eq!(
            said.lines,
            vec![
                line(Some("From"), "5 Mar 2026"),
                line(Some("To"), "12 Mar 2026, 18:00")
            ]
        );
        // A series kept in another zone: the new time in the site's, the old date named.
        let said = read_detail(
            "event.move_occurrence",
            Some(
                "moved the 5 March 2026 occurrence of \u{201c}Forum\u{201d} to 12 March 2026, 18:00",
            ),
            Some(&event("Europe/Paris")),
            London,
        );
        assert_eq!(
            said.lines,
            vec![
                line(Some("From"), "5 Mar 2026 (Europe/Paris)"),
                line(Some("To"), "12 Mar 2026, 17:00")
            ]
        );
        let said = read_detail(
            "event.cancel_occurrence",
            Some("cancelled the 7 May 2026 occurrence of \u{201c}Forum\u{201d}"),
            None,
            London,
        );
        assert_eq!(said.lines, vec![line(Some("Date"), "7 May 2026")]);
    }
}
