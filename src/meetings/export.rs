//! A meeting as one Markdown file: details, agenda, attendance, minutes, actions and
//! "Matters arising", from the same view the page shows (so it shows no more than the page).

use std::fmt::Write;

use crate::meetings::page::MeetingPage;
use crate::meetings::views::ActionView;

fn action_line(out: &mut String, a: &ActionView) {
    let _ = write!(out, "- **{}** {}: {}", a.number, a.owners, a.text);
    if let Some(due) = &a.due {
        let _ = write!(out, " (due {due})");
    }
    let _ = writeln!(out, " — {}", a.status);
}

fn history(out: &mut String, a: &ActionView) {
    for n in &a.history {
        let at = if n.meeting.is_some() {
            " (at the meeting)"
        } else {
            ""
        };
        let _ = write!(out, "  - {}{}: {}", n.when, at, n.status);
        if let Some(note) = &n.note {
            let _ = write!(out, ". {}", note.replace('\n', " "));
        }
        out.push('\n');
    }
}

pub fn markdown(site: &str, base_url: &str, page: &MeetingPage) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}: {}\n", page.title, page.when);
    let _ = writeln!(
        out,
        "{site}. {}{}\n",
        base_url.trim_end_matches('/'),
        page.href
    );
    let _ = writeln!(out, "- **Place:** {}", page.place);
    if let Some(c) = &page.chair {
        let _ = writeln!(out, "- **Chair:** {}", c.name);
    }
    if let Some(s) = &page.secretary {
        let _ = writeln!(out, "- **Secretary:** {}", s.name);
    }
    if let Some(p) = &page.postponed {
        let _ = writeln!(out, "- **Postponed** from {}: {}", p.from, p.reason);
    }
    if let Some(n) = &page.next {
        let _ = writeln!(out, "- **Next meeting:** {}, {}", n.when, n.place);
    }
    out.push('\n');
    if page.attendance_visible && (!page.attended.is_empty() || !page.apologies.is_empty()) {
        let _ = writeln!(out, "## Attendance\n");
        for (heading, list) in [("Present", &page.attended), ("Apologies", &page.apologies)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "**{heading}:**\n");
            for p in list {
                let initials = p
                    .initials
                    .as_ref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default();
                let org = p
                    .organisation
                    .as_ref()
                    .map(|o| format!(", {o}"))
                    .unwrap_or_default();
                let _ = writeln!(out, "- {}{initials}{org}", p.name);
            }
            out.push('\n');
        }
    }
    if let Some(prev) = &page.previous_minutes
        && prev.agreed_here
    {
        let _ = writeln!(
            out,
            "The minutes of the last meeting ({}) were agreed.\n",
            prev.link.when
        );
    }
    if !page.carried.is_empty() || !page.closed_since.is_empty() {
        let _ = writeln!(out, "## Matters arising\n");
        for a in &page.carried {
            action_line(&mut out, a);
            history(&mut out, a);
        }
        if !page.closed_since.is_empty() {
            let _ = writeln!(out, "\nClosed since the last meeting:\n");
            for a in &page.closed_since {
                action_line(&mut out, a);
            }
        }
        out.push('\n');
    }
    if page.show_items {
        let _ = writeln!(
            out,
            "## Agenda{}\n",
            if page.minutes.visible {
                " and minutes"
            } else {
                ""
            }
        );
        for item in &page.items {
            let time = item
                .start_time
                .as_ref()
                .map(|t| format!("{t} "))
                .unwrap_or_default();
            let _ = writeln!(out, "### {}. {time}{}\n", item.number, item.title);
            if let Some(p) = &item.presenters {
                let _ = writeln!(out, "*{p}*\n");
            }
            if let Some(note) = &item.deferred_note {
                let _ = writeln!(out, "> {note}\n");
            }
            if let Some(note) = &item.note_text {
                let _ = writeln!(out, "{note}\n");
            }
            for u in &item.updates {
                let _ = writeln!(out, "#### Update from {}\n\n{}\n", u.author.name, u.body);
            }
            if page.minutes.visible && !item.minutes_text.is_empty() {
                let _ = writeln!(out, "{}\n", item.minutes_text);
            }
            for a in &item.actions {
                action_line(&mut out, a);
            }
            if !item.actions.is_empty() {
                out.push('\n');
            }
            for am in &item.amendments {
                let _ = writeln!(out, "> Amended {}: {}\n", am.when, am.text);
            }
            if let Some(to) = &item.deferred_to {
                let _ = writeln!(out, "Not reached: deferred to {}.\n", to.when);
            }
        }
    }
    if page.minutes.visible {
        if let Some(notes) = &page.minutes.notes_text {
            let _ = writeln!(out, "## Notes\n\n{notes}\n");
        }
        if !page.general_actions.is_empty() {
            let _ = writeln!(out, "## Other actions\n");
            for a in &page.general_actions {
                action_line(&mut out, a);
            }
            out.push('\n');
        }
        for am in &page.minutes.amendments {
            let _ = writeln!(out, "> Amended {}: {}\n", am.when, am.text);
        }
        let _ = writeln!(out, "Minutes: {}.", page.minutes.status);
    }
    out
}
