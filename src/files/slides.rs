//! `/slides`: every presentation in one place, newest first: the slides of the agenda items
//! of each meeting, then the files of events and of series dates. Only what the visitor may
//! see (a meeting whose agenda is not published yet, an event not yet approved, are left
//! out), and only current versions.

use std::collections::HashMap;

use entity::{agenda_item, meeting, stored_file};
use poem::{IntoResponse, Response, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

use crate::error::AppResult;
use crate::files::policy::{self, Place};
use crate::files::service;
use crate::files::views::{Controls, FileView};
use crate::web::PageCtx;

#[derive(Serialize)]
struct SlidesPage {
    meetings: Vec<MeetingSlides>,
    events: Vec<EventSlides>,
    count: usize,
}

#[derive(Serialize)]
struct MeetingSlides {
    title: String,
    href: String,
    when: String,
    items: Vec<ItemSlides>,
}

#[derive(Serialize)]
struct ItemSlides {
    title: String,
    presenters: Option<String>,
    href: String,
    files: Vec<FileView>,
}

#[derive(Serialize)]
struct EventSlides {
    title: String,
    href: String,
    when: String,
    files: Vec<FileView>,
}

/// The current, undeleted files of agenda items, or of events.
async fn current_files(
    db: &sea_orm::DatabaseConnection,
    column: stored_file::Column,
) -> AppResult<Vec<stored_file::Model>> {
    Ok(stored_file::Entity::find()
        .filter(column.is_not_null())
        .filter(stored_file::Column::DeletedAt.is_null())
        .filter(stored_file::Column::ReplacedBy.is_null())
        .order_by_asc(stored_file::Column::Position)
        .order_by_asc(stored_file::Column::Id)
        .all(db)
        .await?)
}

fn views(files: Vec<stored_file::Model>, tz: chrono_tz::Tz) -> Vec<FileView> {
    let listed: Vec<service::Listed> = files
        .into_iter()
        .map(|file| service::Listed {
            file,
            earlier: Vec::new(),
        })
        .collect();
    FileView::list(&listed, Controls::default(), tz)
}

#[handler]
pub async fn page(ctx: PageCtx) -> AppResult<Response> {
    let state = ctx.state.clone();
    let db = &state.db;
    let tz = state.config.time_zone;
    let actor = ctx.actor();

    // Meetings: their items' slides, by item, items in agenda order.
    let item_files = current_files(db, stored_file::Column::AgendaItemId).await?;
    let mut by_item: HashMap<i64, Vec<stored_file::Model>> = HashMap::new();
    for f in item_files {
        if let Some(id) = f.agenda_item_id {
            by_item.entry(id).or_default().push(f);
        }
    }
    let items = agenda_item::Entity::find()
        .filter(agenda_item::Column::Id.is_in(by_item.keys().copied()))
        .order_by_asc(agenda_item::Column::Position)
        .all(db)
        .await?;
    let mut meeting_ids: Vec<i64> = items.iter().map(|i| i.meeting_id).collect();
    meeting_ids.sort_unstable();
    meeting_ids.dedup();
    let meetings_found = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(meeting_ids))
        .order_by_desc(meeting::Column::StartsAt)
        .all(db)
        .await?;
    let mut count = 0;
    let mut meetings = Vec::new();
    for m in meetings_found {
        if !policy::can_see(actor.as_ref(), &Place::Meeting(m.clone())) {
            continue;
        }
        let href = crate::meetings::views::href(&m);
        let mut its_items = Vec::new();
        for item in items.iter().filter(|i| i.meeting_id == m.id) {
            let files = by_item.remove(&item.id).unwrap_or_default();
            count += files.len();
            its_items.push(ItemSlides {
                title: item.title.clone(),
                presenters: item.presenters.clone().filter(|p| !p.trim().is_empty()),
                href: format!("{href}#item-{}", item.position),
                files: views(files, tz),
            });
        }
        meetings.push(MeetingSlides {
            title: m.title.clone(),
            when: crate::meetings::views::day(m.starts_at, tz),
            href,
            items: its_items,
        });
    }

    // Events and series dates: by event, newest first; a date's files under that date.
    let event_files = current_files(db, stored_file::Column::EventId).await?;
    let mut by_event: HashMap<(i64, String), Vec<stored_file::Model>> = HashMap::new();
    for f in event_files {
        if let Some(id) = f.event_id {
            by_event
                .entry((id, f.occurrence.clone()))
                .or_default()
                .push(f);
        }
    }
    let mut ids: Vec<i64> = by_event.keys().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: HashMap<i64, entity::event::Model> = crate::events::queries::events_by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut groups: Vec<((i64, String), Vec<stored_file::Model>)> = by_event.into_iter().collect();
    // Newest first: a date by that date, an event by its start.
    let sort_key = |(id, occurrence): &(i64, String)| -> String {
        if occurrence.is_empty() {
            found
                .get(id)
                .map(|e| {
                    e.starts_at
                        .with_timezone(&tz)
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default()
        } else {
            occurrence.clone()
        }
    };
    groups.sort_by(|a, b| sort_key(&b.0).cmp(&sort_key(&a.0)).then(a.0.cmp(&b.0)));
    let mut events = Vec::new();
    for ((id, occurrence), files) in groups {
        let Some(e) = found.get(&id) else { continue };
        if !policy::can_see(actor.as_ref(), &Place::Event(e.clone(), occurrence.clone())) {
            continue;
        }
        count += files.len();
        let (href, when) = if occurrence.is_empty() {
            (
                format!("/events/{}", e.slug),
                crate::meetings::views::day(e.starts_at, tz),
            )
        } else {
            let day = chrono::NaiveDate::parse_from_str(&occurrence, "%Y-%m-%d")
                .map(|d| d.format("%-d %B %Y").to_string())
                .unwrap_or_else(|_| occurrence.clone());
            (format!("/events/{}/{occurrence}", e.slug), day)
        };
        events.push(EventSlides {
            title: e.title.clone(),
            href,
            when,
            files: views(files, tz),
        });
    }

    let view = SlidesPage {
        meetings,
        events,
        count,
    };
    Ok(ctx
        .render(
            "files/slides",
            "Slides",
            Some("The slides of the talks at the forum's meetings, and the files shared at its events, newest first."),
            &view,
        )?
        .into_response())
}
