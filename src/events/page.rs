//! The event page: what it reads (kept briefly in the read cache) and how it is put together
//! for one viewer, whose permissions decide which parts and buttons they see.

use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use entity::{event_exception, event_revision};

use crate::actor::Actor;
use crate::config::Config;
use crate::error::AppResult;
use crate::events::forms::EventInput;
use crate::events::policy::EventPermissions;
use crate::events::queries::{self, Lookup, apply_exception};
use crate::events::recurrence;
use crate::events::views::*;
use crate::state::AppState;
use crate::web::markdown;
use crate::web::page::PageMeta;

/// What an event page reads from the database, the same for every viewer.
pub struct ShownEvent {
    pub event: event::Model,
    pub tags: Vec<String>,
    pub author_name: String,
    pub exceptions: Vec<event_exception::Model>,
}

pub type ShownLookup = Option<Lookup<ShownEvent>>;

pub async fn load(state: &AppState, slug: &str) -> AppResult<ShownLookup> {
    Ok(match queries::find_by_slug(&state.db, slug).await? {
        Some(Lookup::Found(e)) => {
            let tags = queries::tags_for(&state.db, &[e.id])
                .await?
                .remove(&e.id)
                .unwrap_or_default();
            let author_name = crate::auth::service::find_user(&state.db, e.author_id)
                .await?
                .map(|u| u.display_name)
                .unwrap_or_default();
            let exceptions = queries::exceptions_of(&state.db, &e).await?;
            Some(Lookup::Found(Box::new(ShownEvent {
                event: *e,
                tags,
                author_name,
                exceptions,
            })))
        }
        Some(Lookup::Moved(slug)) => Some(Lookup::Moved(slug)),
        None => None,
    })
}

/// schema.org `Event` for search engines and link previews.
fn json_ld(
    e: &event::Model,
    occurrence: Option<&OccurrenceAt>,
    url: &str,
    tags: &[String],
) -> String {
    let (starts_at, ends_at) =
        occurrence.map_or((e.starts_at, e.ends_at), |at| (at.starts_at, at.ends_at));
    let cancelled = e.status == EventStatus::Cancelled || occurrence.is_some_and(|at| at.cancelled);
    let postponed = e.postponed_at.is_some() || occurrence.is_some_and(|at| at.postponed);
    // Where it was planned before it moved: one date of a series, or a whole event.
    let previous_start = match occurrence {
        Some(at) => at.moved.then_some(at.original),
        None => e.previous_starts_at,
    };
    let status = if cancelled {
        "https://schema.org/EventCancelled"
    } else if postponed {
        "https://schema.org/EventPostponed"
    } else if previous_start.is_some() {
        "https://schema.org/EventRescheduled"
    } else {
        "https://schema.org/EventScheduled"
    };
    let location = match (&e.place_name, &e.online_url) {
        (Some(place), _) => serde_json::json!({
            "@type": "Place",
            "name": place,
            "address": e.address.clone().unwrap_or_default(),
        }),
        (None, Some(link)) => serde_json::json!({ "@type": "VirtualLocation", "url": link }),
        (None, None) => serde_json::Value::Null,
    };
    let value = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.title,
        "description": e.summary,
        "startDate": starts_at.to_rfc3339(),
        "endDate": ends_at.to_rfc3339(),
        "eventStatus": status,
        "eventAttendanceMode": match (&e.place_name, &e.online_url) {
            (Some(_), Some(_)) => "https://schema.org/MixedEventAttendanceMode",
            (None, Some(_)) => "https://schema.org/OnlineEventAttendanceMode",
            _ => "https://schema.org/OfflineEventAttendanceMode",
        },
        "location": location,
        "url": url,
        "keywords": tags.join(", "),
    });
    let mut value = value;
    if let Some(previous) = previous_start.filter(|_| !cancelled && !postponed) {
        value["previousStartDate"] = serde_json::json!(previous.to_rfc3339());
    }
    crate::web::page::script_safe_json(&value)
}

/// A date of a series as it turned out: planned for `original`, perhaps moved or cancelled.
#[derive(Debug, Clone)]
pub struct OccurrenceAt {
    pub original: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    pub moved: bool,
    pub postponed: bool,
    pub note: Option<String>,
}

fn occurrence_at(shown: &ShownEvent, original: DateTime<Utc>) -> OccurrenceAt {
    occurrence_of(&shown.event, &shown.exceptions, original)
}

/// The date of a series planned for `original`, after its exception if it has one.
pub fn occurrence_of(
    e: &event::Model,
    exceptions: &[event_exception::Model],
    original: DateTime<Utc>,
) -> OccurrenceAt {
    let duration = e.ends_at - e.starts_at;
    let (starts_at, ends_at, cancelled, moved) = apply_exception(original, duration, exceptions);
    OccurrenceAt {
        original,
        starts_at,
        ends_at,
        cancelled: cancelled || e.status == EventStatus::Cancelled,
        moved,
        postponed: queries::is_postponed(original, exceptions) || e.postponed_at.is_some(),
        note: exceptions
            .iter()
            .find(|x| x.occurrence_start == original)
            .and_then(|x| x.note.clone()),
    }
}

/// The date of a series planned for `date` (in the organiser's zone), if there is one.
pub fn find_occurrence(shown: &ShownEvent, date: chrono::NaiveDate) -> Option<OccurrenceAt> {
    occurrence_on(&shown.event, &shown.exceptions, date)
}

/// The date of a series planned for `date` (in the organiser's zone), if there is one.
pub fn occurrence_on(
    e: &event::Model,
    exceptions: &[event_exception::Model],
    date: chrono::NaiveDate,
) -> Option<OccurrenceAt> {
    let rule = e.rrule.as_deref()?;
    let tz = e.zone();
    let duration = e.ends_at - e.starts_at;
    let day_start = date.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::Duration::days(1);
    recurrence::starts_between(
        rule,
        e.starts_at,
        duration,
        tz,
        day_start,
        day_start + chrono::Duration::days(3),
        10,
    )
    .into_iter()
    .find(|start| start.with_timezone(&tz).date_naive() == date)
    .map(|start| occurrence_of(e, exceptions, start))
}

fn occurrence_row(shown: &ShownEvent, at: &OccurrenceAt, tz: chrono_tz::Tz) -> OccurrenceRow {
    OccurrenceRow {
        when: when_text(at.starts_at, at.ends_at, shown.event.all_day, tz),
        start_iso: crate::web::format::iso(at.original),
        href: occurrence_href(&shown.event, at.original),
        cancelled: at.cancelled,
        moved: at.moved,
        postponed: at.postponed,
        current: false,
    }
}

/// A series' next date that takes place (or its next date, if none of the next few does).
fn next_date(shown: &ShownEvent, now: DateTime<Utc>) -> Option<OccurrenceAt> {
    let e = &shown.event;
    let rule = e.rrule.as_deref()?;
    let duration = e.ends_at - e.starts_at;
    let coming: Vec<OccurrenceAt> = recurrence::starts_between(
        rule,
        e.starts_at,
        duration,
        e.zone(),
        now,
        now + chrono::Duration::days(366 * 2),
        DATES_AHEAD,
    )
    .into_iter()
    .map(|start| occurrence_at(shown, start))
    .collect();
    let first = coming.first().cloned();
    coming.into_iter().find(|at| !at.cancelled).or(first)
}

/// How many dates a series page lists ahead, and behind.
const DATES_AHEAD: usize = 12;
const DATES_BEHIND: usize = 6;

/// The coming dates of a series (the next first) and the latest past ones, each after its
/// exceptions and linking to its own page.
fn series_view(shown: &ShownEvent, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<SeriesView> {
    let e = &shown.event;
    let rule = e.rrule.as_deref()?;
    let duration = e.ends_at - e.starts_at;
    let zone = e.zone();
    let upcoming = recurrence::starts_between(
        rule,
        e.starts_at,
        duration,
        zone,
        now,
        now + chrono::Duration::days(366 * 2),
        DATES_AHEAD,
    );
    // Two years back is plenty for the latest few, and bounds the work for long series.
    let mut past = recurrence::starts_between(
        rule,
        e.starts_at,
        duration,
        zone,
        e.starts_at.max(now - chrono::Duration::days(366 * 2)),
        now,
        usize::from(recurrence::MAX_OCCURRENCES),
    );
    past.retain(|start| *start + duration < now);
    past.reverse();
    past.truncate(DATES_BEHIND);
    let rows = |starts: Vec<DateTime<Utc>>| {
        starts
            .into_iter()
            .map(|start| occurrence_row(shown, &occurrence_at(shown, start), tz))
            .collect()
    };
    Some(SeriesView {
        rule: RuleView::for_event(e, rule),
        upcoming: rows(upcoming),
        past: rows(past),
    })
}

/// Google Calendar, Outlook and .ics links; for a series, the web calendars get the next
/// date (the .ics file has them all).
fn add_to_calendar(
    e: &event::Model,
    config: &Config,
    occurrence: Option<&OccurrenceAt>,
    now: DateTime<Utc>,
) -> AddToCalendar {
    use crate::calendar::links::{self, LinkEvent};
    let duration = e.ends_at - e.starts_at;
    let (starts_at, ends_at) = match (occurrence, e.rrule.as_deref()) {
        (Some(at), _) => (at.starts_at, at.ends_at),
        (None, Some(rule)) => recurrence::starts_between(
            rule,
            e.starts_at,
            duration,
            e.zone(),
            now,
            now + chrono::Duration::days(366 * 5),
            1,
        )
        .first()
        .map_or((e.starts_at, e.ends_at), |s| (*s, *s + duration)),
        (None, None) => (e.starts_at, e.ends_at),
    };
    // The whole venue, its address lines and all.
    let place = match (&e.place_name, &e.address) {
        (Some(name), Some(address)) => Some(format!("{name}\n{address}")),
        (Some(name), None) => Some(name.clone()),
        (None, Some(address)) => Some(address.clone()),
        (None, None) => e.online_url.clone(),
    };
    let details = format!(
        "{}\n\n{}",
        e.summary,
        config.absolute_url(&format!("/events/{}", e.slug))
    );
    let link = LinkEvent {
        title: &e.title,
        details: &details,
        location: place.as_deref(),
        starts_at,
        ends_at,
        all_day: e.all_day,
        tz: e.zone(),
        // Google Calendar takes the whole series from the date the link starts at.
        recur: match (occurrence, e.rrule.as_deref()) {
            (None, Some(rule)) => Some(links::rule_from(
                rule,
                e.series_ends_at.map(|end| end - duration),
            )),
            _ => None,
        },
    };
    let ics_href = match occurrence {
        Some(at) => format!("{}.ics", occurrence_href(e, at.original)),
        None => format!("/events/{}.ics", e.slug),
    };
    AddToCalendar {
        ics_url: config.absolute_url(&ics_href),
        ics_href,
        webcal_href: links::webcal(config, "/calendar.ics"),
        google_href: links::google(&link),
        outlook_href: links::outlook(&link),
        next_date_only: e.rrule.is_some() && occurrence.is_none(),
    }
}

/// The page for one viewer. `pending` is the change waiting for review, when they may see it.
pub fn assemble(
    config: &Config,
    shown: &ShownEvent,
    occurrence: Option<&OccurrenceAt>,
    actor: Option<&Actor>,
    pending: Option<(&event_revision::Model, &EventInput)>,
    now: DateTime<Utc>,
) -> (EventPage, PageMeta) {
    let e = &shown.event;
    // An all-day event's dates are the organiser's calendar dates, the same wherever one
    // reads them: shown in the site's zone they could fall a day early, next to a second
    // "Organised in" line.
    let tz = if e.all_day {
        e.zone()
    } else {
        config.time_zone
    };
    let event_tz = e.zone();
    let can = EventPermissions::of(actor, e);
    let map_href = e
        .address
        .as_deref()
        .or(e.place_name.as_deref())
        .map(|place| {
            format!(
                "https://www.openstreetmap.org/search?query={}",
                url::form_urlencoded::byte_serialize(place.as_bytes()).collect::<String>()
            )
        });
    let path = match occurrence {
        Some(at) => occurrence_href(e, at.original),
        None => format!("/events/{}", e.slug),
    };
    let url = config.absolute_url(&path);
    // On a date's own page, the times are that date's; on a series' page, its next date's
    // (the first one that takes place).
    let next = match occurrence {
        None => next_date(shown, now),
        Some(_) => None,
    };
    let (starts_at, ends_at) = match (occurrence, &next) {
        (Some(at), _) | (None, Some(at)) => (at.starts_at, at.ends_at),
        (None, None) => (e.starts_at, e.ends_at),
    };
    let view = EventPage {
        version: queries::version_token(e, None),
        when_label: if next.is_some() { "Next date" } else { "When" },
        occurrence: occurrence.map(|at| OccurrenceView {
            date: at
                .original
                .with_timezone(&event_tz)
                .format("%Y-%m-%d")
                .to_string(),
            date_label: at
                .starts_at
                .with_timezone(&tz)
                .format("%A %-d %B %Y")
                .to_string(),
            series_href: format!("/events/{}", e.slug),
            cancelled: at.cancelled,
            moved: at.moved,
            postponed: at.postponed && e.postponed_at.is_none(),
            moved_from: at.moved.then(|| moved_from(at.original, e.all_day, tz)),
            note: at.note.clone(),
            start_iso: crate::web::format::iso(at.original),
        }),
        add_to_calendar: (e.status == EventStatus::Published
            && !occurrence.is_some_and(|at| at.cancelled))
        .then(|| add_to_calendar(e, config, occurrence, now)),
        id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        summary: e.summary.clone(),
        description_html: markdown::to_html(&e.description),
        when: when_text(starts_at, ends_at, e.all_day, tz),
        start_iso: crate::web::format::iso(starts_at),
        end_iso: crate::web::format::iso(ends_at),
        organised_in: (event_tz != tz).then(|| {
            format!(
                "Organised in {}: {}",
                event_tz.name(),
                when_text(starts_at, ends_at, e.all_day, event_tz)
            )
        }),
        all_day: e.all_day,
        status: StatusView {
            code: e.status.as_str(),
            label: e.status.label(),
        },
        public: e.status.is_public(),
        cancelled: e.status == EventStatus::Cancelled,
        cancel_note: e.cancel_note.clone(),
        postponed: e.status == EventStatus::Published && e.postponed_at.is_some(),
        postpone_note: e.postpone_note.clone(),
        moved_from: e
            .previous_starts_at
            .filter(|_| occurrence.is_none() && e.status.is_public())
            .map(|previous| moved_from(previous, e.all_day, tz)),
        place_name: e.place_name.clone(),
        address: e.address.clone(),
        map_href,
        online_url: e.online_url.clone(),
        // Public only with the organiser's say; the author and admins always see it.
        organiser_contact: e
            .organiser_contact
            .clone()
            .filter(|_| e.show_organiser_contact || can.see_internal),
        tags: tag_links(&shown.tags),
        series: series_view(shown, tz, now).map(|mut series| {
            // On a date's own page, that date is marked among the others.
            if let Some(at) = occurrence {
                let here = crate::web::format::iso(at.original);
                for row in series.upcoming.iter_mut().chain(series.past.iter_mut()) {
                    row.current = row.start_iso == here;
                }
            }
            series
        }),
        author_name: shown.author_name.clone(),
        review_note: can.see_internal.then(|| e.review_note.clone()).flatten(),
        note_to_admins: can.see_internal.then(|| e.note_to_admins.clone()).flatten(),
        notes: Vec::new(),
        revision: pending
            .filter(|_| can.see_internal)
            .map(|(rev, proposed)| RevisionView {
                id: rev.id,
                version: queries::version_token(e, Some(rev.id)),
                note: proposed.note_to_admins.clone(),
                changes: diff(e, &shown.tags, proposed, tz),
            }),
        can,
        parts: Vec::new(),
    };
    let meta = PageMeta {
        description: Some(e.summary.clone()),
        json_ld: e
            .status
            .is_public()
            .then(|| json_ld(e, occurrence, &url, &shown.tags)),
        og_url: Some(url),
        og_type: Some("website"),
        noindex: !e.status.is_public(),
        atom: None,
    };
    (view, meta)
}

/// The event page and listing card a valid form would make, for its preview: built from the
/// input as an unsaved draft (no calendar links, nothing stored).
pub fn preview(
    config: &Config,
    input: &EventInput,
    author_name: &str,
    now: DateTime<Utc>,
) -> EventPreview {
    let e = event::Model {
        id: 0,
        uid: "preview@convene".into(),
        slug: "preview".into(),
        status: EventStatus::Draft,
        title: input.title.clone(),
        summary: input.summary.clone(),
        description: input.description.clone(),
        time_zone: input.time_zone.clone(),
        all_day: input.all_day,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        place_name: input.place_name.clone(),
        address: input.address.clone(),
        online_url: input.online_url.clone(),
        organiser_contact: input.organiser_contact.clone(),
        show_organiser_contact: input.show_organiser_contact,
        capacity: None,
        lunch_provided: false,
        extra_label: None,
        rsvp_closes_hours: None,
        note_to_admins: None,
        rrule: input.rrule.clone(),
        series_ends_at: input.series_ends_at,
        sequence: 0,
        author_id: 0,
        reviewer_id: None,
        review_note: None,
        cancel_note: None,
        postponed_at: None,
        postpone_note: None,
        previous_starts_at: None,
        submitted_at: None,
        published_at: None,
        cancelled_at: None,
        created_at: now,
        updated_at: now,
    };
    let shown = ShownEvent {
        event: e,
        tags: input.tags.clone(),
        author_name: author_name.to_string(),
        exceptions: Vec::new(),
    };
    let (mut page, _) = assemble(config, &shown, None, None, None, now);
    // Only what the public will see: the contact only with the organiser's consent.
    page.organiser_contact = input
        .organiser_contact
        .clone()
        .filter(|_| input.show_organiser_contact);
    let e = &shown.event;
    let duration = e.ends_at - e.starts_at;
    let next = e.rrule.as_deref().and_then(|rule| {
        recurrence::starts_between(
            rule,
            e.starts_at,
            duration,
            e.zone(),
            now,
            now + chrono::Duration::days(366 * 2),
            1,
        )
        .first()
        .copied()
    });
    let start = next.unwrap_or(e.starts_at);
    let mut card = EventCard::from_occurrence(
        &crate::events::listings::Occurrence {
            event: e.clone(),
            starts_at: start,
            ends_at: start + duration,
            occurrence_start: e.rrule.as_ref().map(|_| start),
            cancelled: false,
            moved: false,
            postponed: false,
            tags: input.tags.clone(),
        },
        config.time_zone,
    );
    // Its links lead to the preview above, not to a page that does not exist yet.
    card.href = "#preview-page".into();
    card.all_dates_href = card.all_dates_href.map(|_| "#preview-page".into());
    EventPreview { page, card }
}
