//! RSVP: who is coming to an event (or to one date of a series), who stays for lunch, a
//! waiting list that never over-fills, guests, attendance at the door, and each member's
//! personal calendar feed.

pub mod api;
pub mod feed;
pub mod figures;
pub mod forms;
pub mod notices;
pub mod panel;
pub mod policy;
pub mod queries;
pub mod retention;
pub mod routes;
pub mod seed;
pub mod slots;
pub mod views;
pub mod workflow;

use futures_util::future::BoxFuture;

use crate::actor::Actor;
use crate::error::AppResult;
use crate::events::extensions::{EventPageRequest, EventsExtension, PagePart};
use crate::state::AppState;
use crate::web::router::{Router, get, post};

/// RSVP's parts of the event pages and of "My events".
pub struct Rsvp;

impl EventsExtension for Rsvp {
    fn event_page<'a>(
        &'a self,
        state: &'a AppState,
        request: EventPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(panel::event_panel(
            state,
            request.event,
            request.occurrence,
            request.actor,
            request.now,
        ))
    }

    fn my_events<'a>(
        &'a self,
        state: &'a AppState,
        actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(panel::my_events(state, actor))
    }
}

/// RSVP's pages, beside the event pages they belong to.
pub fn mount(router: Router) -> Router {
    const DATE: &str = ":date<\\d{4}-\\d{2}-\\d{2}>";
    router
        .at(
            "/events/:slug/rsvp",
            get(routes::answer_form).post(routes::answer),
        )
        .at(
            &format!("/events/:slug/{DATE}/rsvp"),
            get(routes::answer_form).post(routes::answer),
        )
        .at("/events/:slug/attendees", get(routes::attendees))
        .at(
            &format!("/events/:slug/{DATE}/attendees"),
            get(routes::attendees),
        )
        .at("/events/:slug/attendees/sheet", get(routes::sheet))
        .at(
            &format!("/events/:slug/{DATE}/attendees/sheet"),
            get(routes::sheet),
        )
        .at("/events/:slug/attendees.csv", get(routes::attendees_csv))
        .at(
            &format!("/events/:slug/{DATE}/attendees.csv"),
            get(routes::attendees_csv),
        )
        .at("/events/:slug/attendees/guests", post(routes::add_guest))
        .at(
            &format!("/events/:slug/{DATE}/attendees/guests"),
            post(routes::add_guest),
        )
        .at(
            "/events/:slug/attendees/:id<\\d+>/check-in",
            post(routes::check_in),
        )
        .at(
            "/events/:slug/attendees/:id<\\d+>/remove",
            post(routes::remove),
        )
        .at(
            "/events/:slug/places",
            get(routes::places_form).post(routes::update_places),
        )
        .at(
            "/calendar/personal/:file<[A-Za-z0-9_-]+\\.ics>",
            get(routes::personal_feed),
        )
        .at("/calendar/personal/reset", post(routes::reset_feed))
        .at(
            "/profile/rsvp-history",
            get(routes::confirm_erase).post(routes::erase),
        )
}
