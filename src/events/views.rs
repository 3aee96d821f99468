//! What the event templates receive, and the plain-English time texts they show.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::event;
use serde::Serialize;

use crate::events::forms::{EventForm, EventInput, FieldErrors};
use crate::events::listings::Occurrence;

/// "Wednesday 8 July 2026, 10:30 to 12:00", "Friday 18 to Saturday 19 September 2026".
pub fn when_text(start: DateTime<Utc>, end: DateTime<Utc>, all_day: bool, tz: Tz) -> String {
    let s = start.with_timezone(&tz);
    if all_day {
        let last = (end - Duration::days(1)).with_timezone(&tz);
        if s.date_naive() >= last.date_naive() {
            return s.format("%A %-d %B %Y (all day)").to_string();
        }
        return format!(
            "{} to {} (all day)",
            s.format("%A %-d %B %Y"),
            last.format("%A %-d %B %Y")
        );
    }
    let e = end.with_timezone(&tz);
    if s.date_naive() == e.date_naive() {
        format!(
            "{}, {} to {}",
            s.format("%A %-d %B %Y"),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    } else {
        format!(
            "{} to {}",
            s.format("%A %-d %B %Y, %H:%M"),
            e.format("%A %-d %B %Y, %H:%M")
        )
    }
}

/// A repeat rule in words, as far as words go: "Every 2 weeks on Tuesday, 6 times", "Every
/// 2 months on the second Wednesday, until 31 December 2026". Pages show the rule as written
/// beside it, so a part that has no words here is still seen.
pub fn rule_in_words(rule: &str, tz: Tz) -> String {
    rule_in_words_at(rule, tz, None)
}

/// The same, with the times of day after the days: "Every 2 months on the second Wednesday,
/// 10:30 to 12:00, until 31 December 2026".
pub fn rule_in_words_at(rule: &str, tz: Tz, times: Option<&str>) -> String {
    use rrule::{Frequency, NWeekday};
    let Some(parts) = crate::events::recurrence::parts(rule) else {
        return "A repeat rule that cannot be read".into();
    };
    let interval = parts.get_interval().max(1);
    let unit = match parts.get_freq() {
        Frequency::Yearly => "year",
        Frequency::Monthly => "month",
        Frequency::Weekly => "week",
        Frequency::Daily => "day",
        Frequency::Hourly => "hour",
        Frequency::Minutely => "minute",
        Frequency::Secondly => "second",
    };
    let mut text = if interval == 1 {
        format!("Every {unit}")
    } else {
        format!("Every {interval} {unit}s")
    };
    let day_name = |d: chrono::Weekday| match d {
        chrono::Weekday::Mon => "Monday",
        chrono::Weekday::Tue => "Tuesday",
        chrono::Weekday::Wed => "Wednesday",
        chrono::Weekday::Thu => "Thursday",
        chrono::Weekday::Fri => "Friday",
        chrono::Weekday::Sat => "Saturday",
        chrono::Weekday::Sun => "Sunday",
    };
    let nth = |n: i16| match n {
        1 => "first".to_string(),
        2 => "second".to_string(),
        3 => "third".to_string(),
        4 => "fourth".to_string(),
        5 => "fifth".to_string(),
        -1 => "last".to_string(),
        -2 => "second to last".to_string(),
        n => format!("number {n}"),
    };
    let days: Vec<String> = parts
        .get_by_weekday()
        .iter()
        .map(|d| match d {
            NWeekday::Every(day) => day_name(*day).to_string(),
            NWeekday::Nth(n, day) => format!("the {} {}", nth(*n), day_name(*day)),
        })
        .collect();
    if !days.is_empty() {
        text.push_str(" on ");
        text.push_str(&join_words(&days));
    }
    let month_days: Vec<String> = parts
        .get_by_month_day()
        .iter()
        .map(|d| match d {
            -1 => "the last day".to_string(),
            d => format!("day {d}"),
        })
        .collect();
    if !month_days.is_empty() {
        text.push_str(" on ");
        text.push_str(&join_words(&month_days));
    }
    let months: Vec<String> = parts
        .get_by_month()
        .iter()
        .filter_map(|m| {
            chrono::NaiveDate::from_ymd_opt(2000, u32::from(*m), 1)
                .map(|d| d.format("%B").to_string())
        })
        .collect();
    if !months.is_empty() {
        text.push_str(" in ");
        text.push_str(&join_words(&months));
    }
    if let Some(times) = times {
        text.push_str(", ");
        text.push_str(times);
    }
    if let Some(count) = parts.get_count() {
        text.push_str(&format!(", {count} times"));
    }
    if let Some(until) = parts.get_until() {
        text.push_str(&format!(
            ", until {}",
            until.with_timezone(&tz).format("%-d %B %Y")
        ));
    } else if parts.get_count().is_none() {
        text.push_str(", with no end date");
    }
    text
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A repeat rule as pages show it: in words, and as written.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub words: String,
    pub written: String,
}

impl RuleView {
    pub fn new(rule: &str, tz: Tz) -> Self {
        RuleView {
            words: rule_in_words(rule, tz),
            written: rule.to_string(),
        }
    }

    /// A series' rule with its times of day, in the organiser's zone.
    pub fn for_event(e: &event::Model, rule: &str) -> Self {
        let tz = e.zone();
        let times = (!e.all_day).then(|| {
            format!(
                "{} to {}",
                e.starts_at.with_timezone(&tz).format("%H:%M"),
                e.ends_at.with_timezone(&tz).format("%H:%M")
            )
        });
        RuleView {
            words: rule_in_words_at(rule, tz, times.as_deref()),
            written: rule.to_string(),
        }
    }
}

/// One changed field, for the reviewing admin: both versions in pieces, the pieces that
/// differ marked, word by word, so a three-word edit in a long description stands out.
#[derive(Debug, Clone, Serialize)]
pub struct FieldChange {
    pub label: &'static str,
    pub before: Vec<Piece>,
    pub after: Vec<Piece>,
    pub before_empty: bool,
    pub after_empty: bool,
}

/// A run of text in one version of a field, and whether the other version lacks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Piece {
    pub text: String,
    pub changed: bool,
}

/// The two versions of a text split into runs, compared word by word (`similar`): the live
/// one with what the change removes marked, the proposed one with what it adds.
pub fn word_diff(before: &str, after: &str) -> (Vec<Piece>, Vec<Piece>) {
    use similar::{ChangeTag, TextDiff};
    fn push(pieces: &mut Vec<Piece>, text: &str, changed: bool) {
        match pieces.last_mut() {
            Some(last) if last.changed == changed => last.text.push_str(text),
            _ => pieces.push(Piece {
                text: text.to_string(),
                changed,
            }),
        }
    }
    let diff = TextDiff::from_words(before, after);
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            ChangeTag::Equal => {
                push(&mut old, text, false);
                push(&mut new, text, false);
            }
            ChangeTag::Delete => push(&mut old, text, true),
            ChangeTag::Insert => push(&mut new, text, true),
        }
    }
    (joined(old), joined(new))
}

/// Two changed runs with only a space between them read as one change.
fn joined(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    let mut iter = pieces.into_iter().peekable();
    while let Some(piece) = iter.next() {
        let bridges = !piece.changed
            && piece.text.chars().all(|c| c == ' ')
            && out.last().is_some_and(|p| p.changed)
            && iter.peek().is_some_and(|p| p.changed);
        match out.last_mut() {
            Some(last) if bridges || last.changed == piece.changed => {
                last.text.push_str(&piece.text)
            }
            _ => out.push(piece),
        }
    }
    out
}

pub fn diff(
    live: &event::Model,
    live_tags: &[String],
    proposed: &EventInput,
    shown_in: chrono_tz::Tz,
) -> Vec<FieldChange> {
    let when =
        |s: DateTime<Utc>, e: DateTime<Utc>, all_day: bool| when_text(s, e, all_day, shown_in);
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let repeats = |rule: &Option<String>, zone: &str| {
        rule.as_deref().map_or_else(String::new, |rule| {
            let tz = zone.parse().unwrap_or(shown_in);
            format!("{} ({rule})", rule_in_words(rule, tz))
        })
    };
    let rows: Vec<(&'static str, String, String)> = vec![
        ("Title", live.title.clone(), proposed.title.clone()),
        ("Summary", live.summary.clone(), proposed.summary.clone()),
        (
            "Description",
            live.description.clone(),
            proposed.description.clone(),
        ),
        (
            "When",
            when(live.starts_at, live.ends_at, live.all_day),
            when(proposed.starts_at, proposed.ends_at, proposed.all_day),
        ),
        (
            "Time zone",
            live.time_zone.clone(),
            proposed.time_zone.clone(),
        ),
        (
            "Repeats",
            repeats(&live.rrule, &live.time_zone),
            repeats(&proposed.rrule, &proposed.time_zone),
        ),
        ("Place", opt(&live.place_name), opt(&proposed.place_name)),
        ("Address", opt(&live.address), opt(&proposed.address)),
        (
            "Online link",
            opt(&live.online_url),
            opt(&proposed.online_url),
        ),
        ("Tags", live_tags.join(", "), proposed.tags.join(", ")),
        (
            "Organiser contact",
            opt(&live.organiser_contact),
            opt(&proposed.organiser_contact),
        ),
        (
            "Contact shown publicly",
            if live.show_organiser_contact {
                "Yes"
            } else {
                "No"
            }
            .into(),
            if proposed.show_organiser_contact {
                "Yes"
            } else {
                "No"
            }
            .into(),
        ),
    ];
    rows.into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(label, before, after)| {
            let (old, new) = word_diff(&before, &after);
            FieldChange {
                label,
                before: old,
                after: new,
                before_empty: before.trim().is_empty(),
                after_empty: after.trim().is_empty(),
            }
        })
        .collect()
}

#[derive(Serialize)]
pub struct TagLink {
    pub name: String,
    pub href: String,
}

pub fn tag_links(tags: &[String]) -> Vec<TagLink> {
    tags.iter()
        .map(|t| TagLink {
            name: t.clone(),
            href: format!("/events/tags/{t}"),
        })
        .collect()
}

#[derive(Serialize)]
pub struct EventCard {
    pub title: String,
    pub href: String,
    pub summary: String,
    pub when: String,
    pub start_iso: String,
    pub day: String,
    pub month: String,
    pub place: Option<String>,
    pub online: bool,
    pub cancelled: bool,
    pub moved: bool,
    pub postponed: bool,
    pub series: bool,
    /// For a series: "then every 2 months on the second Wednesday, until ...".
    pub then_every: Option<String>,
    /// For a series: its page, which lists all its dates.
    pub all_dates_href: Option<String>,
    pub tags: Vec<TagLink>,
}

/// "Moved from Wednesday 11 March 2026, 10:30" (without the time for all-day events).
pub fn moved_from(previous_start: DateTime<Utc>, all_day: bool, tz: Tz) -> String {
    format!(
        "Moved from {}",
        previous_start.with_timezone(&tz).format(if all_day {
            "%A %-d %B %Y"
        } else {
            "%A %-d %B %Y, %H:%M"
        })
    )
}

/// The zone an event's dates are shown in: the site's, except for all-day events, whose
/// dates are the organiser's calendar dates.
pub fn shown_zone(e: &event::Model, site: Tz) -> Tz {
    if e.all_day { e.zone() } else { site }
}

/// The page of one date of a series: `/events/{slug}/{YYYY-MM-DD}`, the date the occurrence
/// was planned for (in the organiser's zone), which stays its address if it moves.
pub fn occurrence_href(e: &event::Model, original_start: DateTime<Utc>) -> String {
    format!(
        "/events/{}/{}",
        e.slug,
        original_start.with_timezone(&e.zone()).format("%Y-%m-%d")
    )
}

impl EventCard {
    pub fn from_occurrence(o: &Occurrence, tz: Tz) -> Self {
        // All-day dates are the organiser's calendar dates (see `page::assemble`).
        let tz = if o.event.all_day { o.event.zone() } else { tz };
        let local = o.starts_at.with_timezone(&tz);
        EventCard {
            title: o.event.title.clone(),
            href: match o.occurrence_start {
                Some(original) => occurrence_href(&o.event, original),
                None => format!("/events/{}", o.event.slug),
            },
            summary: o.event.summary.clone(),
            when: when_text(o.starts_at, o.ends_at, o.event.all_day, tz),
            start_iso: crate::web::format::iso(o.starts_at),
            day: local.format("%-d").to_string(),
            month: local.format("%b").to_string(),
            place: o.event.place_name.clone(),
            online: o.event.online_url.is_some(),
            cancelled: o.cancelled,
            moved: o.moved || o.event.previous_starts_at.is_some(),
            postponed: o.postponed && !o.cancelled,
            series: o.occurrence_start.is_some(),
            then_every: o
                .occurrence_start
                .and(o.event.rrule.as_deref())
                .map(|rule| {
                    let words = rule_in_words(rule, o.event.zone());
                    let mut chars = words.chars();
                    match chars.next() {
                        Some(first) => format!("then {}{}", first.to_lowercase(), chars.as_str()),
                        None => words,
                    }
                }),
            all_dates_href: o
                .occurrence_start
                .map(|_| format!("/events/{}", o.event.slug)),
            tags: tag_links(&o.tags),
        }
    }
}

/// Another event on the same day as one waiting for approval.
#[derive(Serialize)]
pub struct ClashLink {
    pub title: String,
    pub href: String,
    pub when: String,
}

/// A tag's calendar feed, to subscribe to.
#[derive(Serialize)]
pub struct TopicFeed {
    pub https: String,
    pub webcal: String,
}

/// A month's events in an upcoming listing, under their month's heading.
#[derive(Serialize)]
pub struct MonthGroup {
    pub label: String,
    pub events: Vec<EventCard>,
}

/// Cards grouped under month headings ("March 2027"), in the order given.
pub fn by_month(cards: Vec<EventCard>, starts: &[DateTime<Utc>], tz: Tz) -> Vec<MonthGroup> {
    let mut groups: Vec<MonthGroup> = Vec::new();
    for (card, start) in cards.into_iter().zip(starts) {
        let label = start.with_timezone(&tz).format("%B %Y").to_string();
        match groups.last_mut() {
            Some(group) if group.label == label => group.events.push(card),
            _ => groups.push(MonthGroup {
                label,
                events: vec![card],
            }),
        }
    }
    groups
}

#[derive(Serialize)]
pub struct ListView {
    pub heading: String,
    pub intro: String,
    /// Which of the Upcoming / Past switch is this page.
    pub upcoming_current: bool,
    pub past_current: bool,
    /// On a tag's page: its calendar feed.
    pub topic_feed: Option<TopicFeed>,
    pub events: Vec<EventCard>,
    /// Upcoming listings: the same events under month headings.
    pub months: Vec<MonthGroup>,
    pub query: String,
    pub tag: Option<String>,
    pub empty_heading: String,
    pub empty_message: String,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
    pub archive: Vec<ArchiveLink>,
    pub can_draft: bool,
    /// With a search: the same words on the site's search page (events and the forum).
    pub site_search_href: Option<String>,
}

#[derive(Serialize)]
pub struct ArchiveLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Serialize)]
pub struct StatusView {
    pub code: &'static str,
    pub label: &'static str,
}

#[derive(Serialize)]
pub struct OccurrenceRow {
    pub when: String,
    pub start_iso: String,
    /// Its own page.
    pub href: String,
    pub cancelled: bool,
    pub moved: bool,
    pub postponed: bool,
    /// The date whose page this is.
    pub current: bool,
}

#[derive(Serialize)]
pub struct SeriesView {
    pub rule: RuleView,
    /// The next date first.
    pub upcoming: Vec<OccurrenceRow>,
    /// The latest dates gone by, newest first.
    pub past: Vec<OccurrenceRow>,
}

/// One date of a series, on its own page.
#[derive(Serialize)]
pub struct OccurrenceView {
    /// `YYYY-MM-DD`, as in its address.
    pub date: String,
    /// The date in words, for headings and breadcrumbs.
    pub date_label: String,
    pub series_href: String,
    pub cancelled: bool,
    pub moved: bool,
    /// This date is postponed (and the whole series is not).
    pub postponed: bool,
    /// "Moved from Wednesday 11 March 2026, 10:30".
    pub moved_from: Option<String>,
    pub note: Option<String>,
    /// Its planned start, which the cancel-this-date form names.
    pub start_iso: String,
}

#[derive(Serialize)]
pub struct RevisionView {
    pub id: i64,
    /// What an approval from the event page carries (see `queries::version_token`).
    pub version: String,
    /// The author's note sent with the change.
    pub note: Option<String>,
    pub changes: Vec<FieldChange>,
}

/// One note in an event's history, for its author and the admins.
#[derive(Serialize)]
pub struct NoteView {
    /// "Gareth Lloyd, to the admins" or "Priya Shah, admin".
    pub by: String,
    pub when: String,
    pub when_iso: String,
    pub body: String,
}

impl NoteView {
    pub fn new(note: &crate::events::notes::Note, tz: Tz) -> Self {
        use entity::event_note::NoteKind;
        NoteView {
            by: match note.kind {
                NoteKind::Author => format!("{}, to the admins", note.by),
                NoteKind::Review => format!("{}, admin", note.by),
            },
            when: note
                .at
                .with_timezone(&tz)
                .format("%-d %B %Y, %H:%M")
                .to_string(),
            when_iso: crate::web::format::iso(note.at),
            body: note.body.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct AddToCalendar {
    pub ics_href: String,
    /// The same .ics file's absolute address, shown to copy into a calendar app.
    pub ics_url: String,
    pub webcal_href: String,
    pub google_href: String,
    pub outlook_href: String,
    /// For series, the links for the web calendars add the next date only.
    pub next_date_only: bool,
}

#[derive(Serialize)]
pub struct EventPage {
    /// What an approval from this page carries (see `queries::version_token`).
    pub version: String,
    /// "When", or "Next date" on a series' page.
    pub when_label: &'static str,
    /// Set on the page of one date of a series.
    pub occurrence: Option<OccurrenceView>,
    pub add_to_calendar: Option<AddToCalendar>,
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub description_html: String,
    pub when: String,
    pub start_iso: String,
    pub end_iso: String,
    pub organised_in: Option<String>,
    /// All-day events have dates but no times, so no "(Europe/London time)".
    pub all_day: bool,
    pub status: StatusView,
    pub public: bool,
    pub cancelled: bool,
    pub cancel_note: Option<String>,
    /// Postponed, the new date to follow.
    pub postponed: bool,
    pub postpone_note: Option<String>,
    /// "Moved from ...", for a one-off event given a new date after publication.
    pub moved_from: Option<String>,
    pub place_name: Option<String>,
    pub address: Option<String>,
    pub map_href: Option<String>,
    pub online_url: Option<String>,
    pub organiser_contact: Option<String>,
    pub tags: Vec<TagLink>,
    pub series: Option<SeriesView>,
    pub author_name: String,
    pub review_note: Option<String>,
    pub note_to_admins: Option<String>,
    /// The notes between the author and the admins, oldest first (insiders only).
    pub notes: Vec<NoteView>,
    pub revision: Option<RevisionView>,
    pub can: crate::events::policy::EventPermissions,
    /// What other features show on this page (see `events::extensions`).
    pub parts: Vec<crate::events::extensions::PagePart>,
}

/// Every field of the event form, so templates in strict mode can ask about any of them.
pub const FORM_FIELDS: &[&str] = &[
    "title",
    "summary",
    "description",
    "time_zone",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
    "confirm_past",
    "place_name",
    "address",
    "online_url",
    "tags",
    "organiser_contact",
    "note_to_admins",
    "repeat",
    "repeat_interval",
    "repeat_until",
    "repeat_rule",
];

pub fn all_field_errors(
    errors: &FieldErrors,
) -> std::collections::BTreeMap<&'static str, Option<String>> {
    FORM_FIELDS
        .iter()
        .map(|f| (*f, errors.get(f).cloned()))
        .collect()
}

/// The error summary at the top of a form: each message links to its field.
#[derive(Serialize)]
pub struct ErrorLink {
    pub field: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct FormView {
    pub heading: String,
    /// Why the whole form was not saved (the event changed meanwhile), beside any field
    /// errors.
    pub problem: Option<String>,
    pub action: String,
    pub form: EventForm,
    pub errors: std::collections::BTreeMap<&'static str, Option<String>>,
    pub error_list: Vec<ErrorLink>,
    pub error_count: usize,
    pub preview_html: Option<String>,
    /// The whole page and the listing card, when the form is valid.
    pub preview: Option<EventPreview>,
    /// Admins publish at once, and their edits of published events go live.
    pub can_publish: bool,
    pub published: bool,
    pub time_zones: Vec<ZoneOption>,
    pub repeat_options: Vec<ZoneOption>,
}

/// What "Preview" shows of a valid form: the event page's facts and description, and the
/// card listings will show.
#[derive(Serialize)]
pub struct EventPreview {
    pub page: EventPage,
    pub card: EventCard,
}

#[derive(Serialize)]
pub struct ZoneOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn zone_options(selected: &str, site: Tz) -> Vec<ZoneOption> {
    let selected = if selected.trim().is_empty() {
        site.name()
    } else {
        selected.trim()
    };
    // The site's zone first, then every canonical zone by name.
    let zones = std::iter::once(site).chain(
        crate::events::zones::canonical_zones()
            .iter()
            .copied()
            .filter(|tz| *tz != site),
    );
    let mut options: Vec<ZoneOption> = zones
        .map(|tz| ZoneOption {
            value: tz.name().to_string(),
            label: crate::events::zones::label(tz),
            selected: tz.name() == selected,
        })
        .collect();
    if !options.iter().any(|o| o.selected) {
        // Keep what was typed (or an old alias stored before), so the error message beside
        // it makes sense and an edit does not change the zone unasked.
        options.insert(
            0,
            ZoneOption {
                value: selected.to_string(),
                label: selected.to_string(),
                selected: true,
            },
        );
    }
    options
}

pub fn repeat_options(selected: &str) -> Vec<ZoneOption> {
    [
        ("none", "Does not repeat"),
        ("weekly", "Every week (or every few weeks) on the same day"),
        (
            "monthly_weekday",
            "Every month (or every few months) on the same weekday, e.g. the second Wednesday",
        ),
        (
            "monthly_day",
            "Every month (or every few months) on the same date",
        ),
        ("custom", "A custom rule (iCalendar RRULE)"),
    ]
    .into_iter()
    .map(|(value, label)| ZoneOption {
        value: value.into(),
        label: label.into(),
        selected: value == selected || (selected.is_empty() && value == "none"),
    })
    .collect()
}

#[derive(Serialize)]
pub struct MyEventRow {
    pub title: String,
    pub href: String,
    pub when: String,
    pub status: StatusView,
    pub review_note: Option<String>,
}

#[derive(Serialize)]
pub struct MineView {
    pub events: Vec<MyEventRow>,
    /// What other features show there (see `events::extensions`), before the drafts.
    pub parts: Vec<crate::events::extensions::PagePart>,
}

#[derive(Serialize)]
pub struct QueueEvent {
    pub place: Option<String>,
    pub summary: String,
    /// Other public dates on the same days.
    pub clashes: Vec<ClashLink>,
    pub id: i64,
    pub version: String,
    pub title: String,
    pub href: String,
    pub when: String,
    pub author: String,
    pub note_to_admins: Option<String>,
    pub repeats: Option<RuleView>,
    pub changes_error: Option<String>,
    pub reject_error: Option<String>,
}

#[derive(Serialize)]
pub struct QueueRevision {
    pub reject_error: Option<String>,
    pub id: i64,
    pub version: String,
    pub title: String,
    pub href: String,
    pub author: String,
    /// The author's note sent with the change.
    pub note: Option<String>,
    pub changes: Vec<FieldChange>,
}

#[derive(Serialize)]
pub struct QueueView {
    /// Why the last decision was refused (the event changed while it was being reviewed).
    pub problem: Option<String>,
    /// A reason that was missing, linked to its box.
    pub error_link: Option<ErrorLink>,
    pub events: Vec<QueueEvent>,
    pub revisions: Vec<QueueRevision>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_read_naturally() {
        let tz = chrono_tz::Europe::London;
        let s = Utc.with_ymd_and_hms(2026, 7, 8, 9, 30, 0).unwrap();
        assert_eq!(
            when_text(s, s + Duration::minutes(90), false, tz),
            "Wednesday 8 July 2026, 10:30 to 12:00"
        );
        let day = Utc.with_ymd_and_hms(2026, 9, 17, 23, 0, 0).unwrap();
        assert_eq!(
            when_text(day, day + Duration::days(2), true, tz),
            "Friday 18 September 2026 to Saturday 19 September 2026 (all day)"
        );
        assert_eq!(
            when_text(day, day + Duration::days(1), true, tz),
            "Friday 18 September 2026 (all day)"
        );
    }
}

#[cfg(test)]
mod diff_tests {
    use super::*;

    fn marked(pieces: &[Piece]) -> Vec<&str> {
        pieces
            .iter()
            .filter(|p| p.changed)
            .map(|p| p.text.as_str())
            .collect()
    }

    #[test]
    fn a_small_edit_in_a_long_text_is_marked_word_by_word() {
        let before = "Our regular meeting: updates from members, a guest talk on bus data, \
                      and the actions we carry from meeting to meeting.\n\n* Welcome";
        let after = "Our regular meeting: updates from members, a guest talk on tram timetables, \
                     and the actions we carry from meeting to meeting.\n\n* Welcome";
        let (old, new) = word_diff(before, after);
        assert_eq!(marked(&old), ["bus data,"]);
        assert_eq!(marked(&new), ["tram timetables,"]);
        // Nothing is lost: the pieces join up to each version, line breaks and all.
        assert_eq!(
            old.iter().map(|p| p.text.as_str()).collect::<String>(),
            before
        );
        assert_eq!(
            new.iter().map(|p| p.text.as_str()).collect::<String>(),
            after
        );
    }
}
