//! Events: members draft, admins approve, everyone finds them.

pub mod api;
pub mod digest;
pub mod export;
pub mod extensions;
pub mod figures;
pub mod forms;
pub mod listings;
pub mod moderation;
pub mod notes;
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
pub mod zones;

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
        .at(
            "/:slug/:date<\\d{4}-\\d{2}-\\d{2}>",
            get(routes::show_occurrence),
        )
        .at("/:slug/edit", get(routes::edit_form).post(routes::update))
        .at("/:slug/submit", post(routes::submit))
        .at(
            "/:slug/cancel",
            get(routes::confirm_cancel).post(routes::cancel),
        )
        .at(
            "/:slug/delete",
            get(routes::confirm_delete).post(routes::delete),
        )
        .at(
            "/:slug/occurrences/cancel",
            get(routes::confirm_cancel_occurrence).post(routes::cancel_occurrence),
        )
        .at("/:slug/occurrences/move", post(routes::move_occurrence))
        .at(
            "/:slug/occurrences/postpone",
            get(routes::confirm_postpone_occurrence).post(routes::postpone_occurrence),
        )
        .at(
            "/:slug/occurrences/reinstate",
            post(routes::reinstate_occurrence),
        )
        .at(
            "/:slug/postpone",
            get(routes::confirm_postpone).post(routes::postpone),
        )
        .at("/:slug/reinstate", post(routes::reinstate))
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

/// An event for unit tests: a one-off, two hours from 09:30 UTC on 8 July 2026, in London,
/// by account 7, with this status; tests change what they need.
#[cfg(test)]
pub(crate) fn sample_event(status: entity::event::EventStatus) -> entity::event::Model {
    use chrono::TimeZone;
    let at = chrono::Utc.with_ymd_and_hms(2026, 7, 8, 9, 30, 0).unwrap();
    entity::event::Model {
        id: 1,
        uid: "event-1@convene".into(),
        slug: "event-1".into(),
        status,
        title: "Northvale Open Data Forum".into(),
        summary: "Our bi-monthly meeting.".into(),
        description: String::new(),
        time_zone: "Europe/London".into(),
        all_day: false,
        starts_at: at,
        ends_at: at + chrono::Duration::hours(2),
        place_name: None,
        address: None,
        online_url: None,
        organiser_contact: None,
        show_organiser_contact: false,
        capacity: None,
        lunch_provided: false,
        extra_label: None,
        rsvp_closes_hours: None,
        note_to_admins: None,
        rrule: None,
        series_ends_at: None,
        sequence: 0,
        author_id: 7,
        reviewer_id: None,
        review_note: None,
        cancel_note: None,
        postponed_at: None,
        postpone_note: None,
        previous_starts_at: None,
        submitted_at: None,
        published_at: None,
        cancelled_at: None,
        created_at: at,
        updated_at: at,
    }
}
