//! Events: members draft, admins approve, everyone finds them.

pub mod forms;
pub mod listings;
pub mod moderation;
pub mod occurrences;
pub mod page;
pub mod policy;
pub mod queries;
pub mod recurrence;
pub mod routes;
pub mod seed;
pub mod slugs;
pub mod views;
pub mod workflow;

use crate::web::router::{Router, get, post};

/// `/events/...`
pub fn routes() -> Router {
    Router::new()
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
pub fn moderation_routes() -> Router {
    Router::new()
        .at("/", get(moderation::queue))
        .at("/events/:id/approve", post(moderation::approve))
        .at("/events/:id/reject", post(moderation::reject))
        .at(
            "/events/:id/request-changes",
            post(moderation::request_changes),
        )
        .at("/revisions/:id/approve", post(moderation::approve_revision))
        .at("/revisions/:id/reject", post(moderation::reject_revision))
}
