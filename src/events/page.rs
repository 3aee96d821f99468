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
            let exceptions = if e.rrule.is_some() {
                queries::exceptions_for(&state.db, &[e.id])
                    .await?
                    .remove(&e.id)
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
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
fn json_ld(e: &event::Model, url: &str, tags: &[String]) -> String {
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
        "startDate": e.starts_at.to_rfc3339(),
        "endDate": e.ends_at.to_rfc3339(),
        "eventStatus": if e.status == EventStatus::Cancelled { "https://schema.org/EventCancelled" } else { "https://schema.org/EventScheduled" },
        "eventAttendanceMode": match (&e.place_name, &e.online_url) {
            (Some(_), Some(_)) => "https://schema.org/MixedEventAttendanceMode",
            (None, Some(_)) => "https://schema.org/OnlineEventAttendanceMode",
            _ => "https://schema.org/OfflineEventAttendanceMode",
        },
        "location": location,
        "url": url,
        "keywords": tags.join(", "),
    });
    crate::web::page::script_safe_json(&value)
}

/// The next dates of a series, each after its exceptions.
fn series_view(shown: &ShownEvent, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<SeriesView> {
    let e = &shown.event;
    let rule = e.rrule.as_deref()?;
    let duration = e.ends_at - e.starts_at;
    let upcoming = recurrence::starts_between(
        rule,
        e.starts_at,
        duration,
        e.zone(),
        now,
        now + chrono::Duration::days(366 * 2),
        12,
    )
    .into_iter()
    .map(|start| {
        let (s, end, cancelled, moved) = apply_exception(start, duration, &shown.exceptions);
        OccurrenceRow {
            when: when_text(s, end, e.all_day, tz),
            start_iso: crate::web::format::iso(start),
            cancelled,
            moved,
        }
    })
    .collect();
    Some(SeriesView {
        rule: RuleView::new(rule, e.zone()),
        upcoming,
    })
}

/// Google Calendar, Outlook and .ics links; for a series, the web calendars get the next
/// date (the .ics file has them all).
fn add_to_calendar(e: &event::Model, config: &Config, now: DateTime<Utc>) -> AddToCalendar {
    use crate::calendar::links::{self, LinkEvent};
    let duration = e.ends_at - e.starts_at;
    let (starts_at, ends_at) = match e.rrule.as_deref() {
        Some(rule) => recurrence::starts_between(
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
        None => (e.starts_at, e.ends_at),
    };
    let place = e.place_name.as_deref().or(e.online_url.as_deref());
    let details = format!(
        "{}\n\n{}",
        e.summary,
        config.absolute_url(&format!("/events/{}", e.slug))
    );
    let link = LinkEvent {
        title: &e.title,
        details: &details,
        location: place,
        starts_at,
        ends_at,
        all_day: e.all_day,
        tz: e.zone(),
    };
    AddToCalendar {
        ics_href: format!("/events/{}.ics", e.slug),
        webcal_href: links::webcal(config, "/calendar.ics"),
        google_href: links::google(&link),
        outlook_href: links::outlook(&link),
        next_date_only: e.rrule.is_some(),
    }
}

/// The page for one viewer. `pending` is the change waiting for review, when they may see it.
pub fn assemble(
    config: &Config,
    shown: &ShownEvent,
    actor: Option<&Actor>,
    pending: Option<(&event_revision::Model, &EventInput)>,
    now: DateTime<Utc>,
) -> (EventPage, PageMeta) {
    let e = &shown.event;
    let tz = config.time_zone;
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
    let url = config.absolute_url(&format!("/events/{}", e.slug));
    let view = EventPage {
        add_to_calendar: (e.status == EventStatus::Published)
            .then(|| add_to_calendar(e, config, now)),
        id: e.id,
        slug: e.slug.clone(),
        title: e.title.clone(),
        summary: e.summary.clone(),
        description_html: markdown::to_html(&e.description),
        when: when_text(e.starts_at, e.ends_at, e.all_day, tz),
        start_iso: crate::web::format::iso(e.starts_at),
        end_iso: crate::web::format::iso(e.ends_at),
        organised_in: (event_tz != tz).then(|| {
            format!(
                "Organised in {}: {}",
                event_tz.name(),
                when_text(e.starts_at, e.ends_at, e.all_day, event_tz)
            )
        }),
        status: StatusView {
            code: e.status.as_str(),
            label: e.status.label(),
        },
        public: e.status.is_public(),
        cancelled: e.status == EventStatus::Cancelled,
        cancel_note: e.cancel_note.clone(),
        place_name: e.place_name.clone(),
        address: e.address.clone(),
        map_href,
        online_url: e.online_url.clone(),
        organiser_contact: e.organiser_contact.clone(),
        capacity: e.capacity,
        lunch_provided: e.lunch_provided,
        tags: tag_links(&shown.tags),
        series: series_view(shown, tz, now),
        author_name: shown.author_name.clone(),
        review_note: can.see_internal.then(|| e.review_note.clone()).flatten(),
        note_to_admins: can.see_internal.then(|| e.note_to_admins.clone()).flatten(),
        revision: pending
            .filter(|_| can.see_internal)
            .map(|(rev, proposed)| RevisionView {
                id: rev.id,
                version: queries::version_token(e, Some(rev.id)),
                changes: diff(e, &shown.tags, proposed, tz),
            }),
        can,
    };
    let meta = PageMeta {
        description: Some(e.summary.clone()),
        json_ld: e.status.is_public().then(|| json_ld(e, &url, &shown.tags)),
        og_url: Some(url),
        og_type: Some("website"),
        noindex: !e.status.is_public(),
    };
    (view, meta)
}
