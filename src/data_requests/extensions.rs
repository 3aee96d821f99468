//! How later features add to a dataset request's page without this module knowing them, as
//! events and meetings do: a feature registers a [`DataRequestsExtension`] in
//! `AppState::data_request_extensions`, and the page asks each for its part (the forum's
//! discussion of the request is one).

use entity::dataset_request;
use futures_util::future::BoxFuture;

use crate::actor::Actor;
use crate::error::AppResult;
pub use crate::events::extensions::PagePart;
use crate::state::AppState;

pub trait DataRequestsExtension: Send + Sync {
    fn request_page<'a>(
        &'a self,
        state: &'a AppState,
        request: &'a dataset_request::Model,
        actor: Option<&'a Actor>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>>;
}

/// Every registered extension's part, in the order they were registered.
pub async fn parts(
    state: &AppState,
    request: &dataset_request::Model,
    actor: Option<&Actor>,
) -> AppResult<Vec<PagePart>> {
    let mut found = Vec::new();
    for extension in state.data_request_extensions.iter() {
        found.extend(extension.request_page(state, request, actor).await?);
    }
    Ok(found)
}
