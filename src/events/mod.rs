//! Events: members draft, admins approve, everyone finds them.

pub mod forms;
pub mod recurrence;
pub mod routes;
pub mod service;
pub mod views;

use poem::{Route, get, post};

/// `/events/...`
pub fn routes() -> Route {
    Route::new()
        .at("/", get(routes::upcoming_events))
        .at("/past", get(routes::past_events))
        .at("/mine", get(routes::mine))
        .at("/new", get(routes::new_form).post(routes::create))
        .at("/tags/:tag", get(routes::by_tag))
        .at("/:slug", get(routes::show))
        .at("/:slug/edit", get(routes::edit_form).post(routes::update))
        .at("/:slug/submit", post(routes::submit))
        .at("/:slug/cancel", post(routes::cancel))
        .at("/:slug/delete", post(routes::delete))
        .at("/:slug/occurrences/cancel", post(routes::cancel_occurrence))
        .at("/:slug/occurrences/move", post(routes::move_occurrence))
}

/// `/admin/moderation/...`
pub fn moderation_routes() -> Route {
    Route::new()
        .at("/", get(routes::queue))
        .at("/events/:id/approve", post(routes::approve))
        .at("/events/:id/reject", post(routes::reject))
        .at("/events/:id/request-changes", post(routes::request_changes))
        .at("/revisions/:id/approve", post(routes::approve_revision))
        .at("/revisions/:id/reject", post(routes::reject_revision))
}
