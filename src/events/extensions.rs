//! How later features add to the event pages without the events code knowing them: a feature
//! registers an [`EventsExtension`] in `AppState::event_extensions`, and each event page (and
//! "My events") asks every registered extension for a part to show. A part names its template
//! and carries the data it renders; the page includes it as a partial, where the visitor's
//! CSRF token is `@root.csrf_token`.

use chrono::{DateTime, Utc};
use entity::event;
use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::events::page::OccurrenceAt;
use crate::state::AppState;

/// A section of a page, rendered by `template` from `data`.
#[derive(Debug, Clone, Serialize)]
pub struct PagePart {
    pub template: &'static str,
    pub data: serde_json::Value,
}

/// The page a part is asked for: an event, or one date of a series, as someone sees it.
pub struct EventPageRequest<'a> {
    pub event: &'a event::Model,
    /// The date of a series whose page this is; none on an event's own page.
    pub occurrence: Option<&'a OccurrenceAt>,
    pub actor: Option<&'a Actor>,
    pub now: DateTime<Utc>,
}

pub trait EventsExtension: Send + Sync {
    /// A part of an event page (or of one date's page), if this feature has one there.
    fn event_page<'a>(
        &'a self,
        state: &'a AppState,
        request: EventPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>>;

    /// A part of a member's "My events" page.
    fn my_events<'a>(
        &'a self,
        state: &'a AppState,
        actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>>;
}

/// Every registered extension's part of an event page, in the order they were registered.
pub async fn event_page_parts(
    state: &AppState,
    event: &event::Model,
    occurrence: Option<&OccurrenceAt>,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> AppResult<Vec<PagePart>> {
    let mut parts = Vec::new();
    for extension in state.event_extensions.iter() {
        let request = EventPageRequest {
            event,
            occurrence,
            actor,
            now,
        };
        if let Some(part) = extension.event_page(state, request).await? {
            parts.push(part);
        }
    }
    Ok(parts)
}

/// Every registered extension's part of a member's "My events".
pub async fn my_events_parts(state: &AppState, actor: &Actor) -> AppResult<Vec<PagePart>> {
    let mut parts = Vec::new();
    for extension in state.event_extensions.iter() {
        if let Some(part) = extension.my_events(state, actor).await? {
            parts.push(part);
        }
    }
    Ok(parts)
}
