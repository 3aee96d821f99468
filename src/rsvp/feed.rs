//! A member's personal calendar feed: the events and dates they are going to (ACCEPTED) or
//! waiting for (TENTATIVE), each as its own VEVENT, built with the public feeds' machinery
//! (the same escaping, folding, VTIMEZONEs, ETag, 304 and gzip).

use entity::rsvp::Response;
use entity::user;

use crate::calendar::feeds::{self, Feed};
use crate::calendar::ics::{Attending, FeedEvent, PartStat};
use crate::error::AppResult;
use crate::rsvp::{queries, slots};
use crate::state::AppState;

pub async fn build(state: &AppState, owner: &user::Model) -> AppResult<Feed> {
    let now = state.clock.now();
    let config = &state.config;
    let rows: Vec<_> = queries::attending(&state.db, owner.id)
        .await?
        .into_iter()
        .filter(|(_, e)| e.status.is_public())
        .collect();
    let ids: Vec<i64> = rows.iter().map(|(_, e)| e.id).collect();
    let tags = crate::events::queries::tags_for(&state.db, &ids).await?;
    let exceptions = crate::events::queries::exceptions_for(&state.db, &ids).await?;
    let none_tags = Vec::new();
    let none_x = Vec::new();
    let mut items: Vec<Attending<'_>> = rows
        .iter()
        .filter_map(|(r, e)| {
            let x = exceptions.get(&e.id).unwrap_or(&none_x);
            let slot = slots::from_key(e, x, &r.occurrence)?;
            // History as long as the public feeds keep it; cancelled ones long enough for
            // calendars to remove them.
            let keep = if slot.cancelled {
                config.calendar_cancelled
            } else {
                config.calendar_past
            };
            (slot.ends_at + keep > now).then(|| Attending {
                fe: FeedEvent {
                    event: e,
                    tags: tags.get(&e.id).unwrap_or(&none_tags),
                    exceptions: x,
                    url: config.absolute_url(&slot.href(e)),
                },
                original: slot.original,
                starts_at: slot.starts_at,
                ends_at: slot.ends_at,
                cancelled: slot.cancelled,
                partstat: if r.response == Response::Going {
                    PartStat::Accepted
                } else {
                    PartStat::Tentative
                },
            })
        })
        .collect();
    items.sort_by_key(|i| i.starts_at);
    let last_modified = queries::latest_change(&rows).unwrap_or(owner.updated_at);
    Ok(feeds::personal(
        config,
        &owner.display_name,
        &owner.email,
        &items,
        last_modified,
    ))
}
