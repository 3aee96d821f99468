//! How later features add to a meeting's page without the meetings code knowing them, as
//! events do (`events::extensions`): a feature registers a [`MeetingsExtension`] in
//! `AppState::meeting_extensions`, and the page asks each for a part of the whole meeting
//! and a part of each agenda item it shows.

use std::collections::HashMap;

use entity::{agenda_item, meeting};
use futures_util::future::BoxFuture;

use crate::actor::Actor;
use crate::error::AppResult;
pub use crate::events::extensions::PagePart;
use crate::state::AppState;

/// The page a part is asked for, as one person sees it.
pub struct MeetingPageRequest<'a> {
    pub meeting: &'a meeting::Model,
    /// The agenda items the page shows (none when the agenda is not visible to them).
    pub items: &'a [agenda_item::Model],
    pub actor: Option<&'a Actor>,
}

/// What one feature adds to a meeting page.
#[derive(Default)]
pub struct MeetingParts {
    pub meeting: Option<PagePart>,
    pub items: HashMap<i64, PagePart>,
}

pub trait MeetingsExtension: Send + Sync {
    fn meeting_page<'a>(
        &'a self,
        state: &'a AppState,
        request: MeetingPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<MeetingParts>>;
}

/// Every registered extension's parts, in the order they were registered.
pub async fn parts(
    state: &AppState,
    meeting: &meeting::Model,
    items: &[agenda_item::Model],
    actor: Option<&Actor>,
) -> AppResult<(Vec<PagePart>, HashMap<i64, Vec<PagePart>>)> {
    let mut whole = Vec::new();
    let mut per_item: HashMap<i64, Vec<PagePart>> = HashMap::new();
    for extension in state.meeting_extensions.iter() {
        let request = MeetingPageRequest {
            meeting,
            items,
            actor,
        };
        let found = extension.meeting_page(state, request).await?;
        whole.extend(found.meeting);
        for (id, part) in found.items {
            per_item.entry(id).or_default().push(part);
        }
    }
    Ok((whole, per_item))
}
