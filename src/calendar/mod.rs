//! Calendar feeds (RFC 5545) that calendar apps subscribe to, per-event `.ics` files, "add
//! to calendar" links and the page explaining how to subscribe.

pub mod cache;
pub mod entries;
pub mod feeds;
pub mod ics;
pub mod links;
pub mod queries;
pub mod routes;
pub mod vtimezone;

use crate::web::router::{Router, get};

/// The calendar's pages and feeds, mounted at the top level: `/calendar`, `/calendar.ics`,
/// `/calendar/tags/{tag}.ics`, and each event's own `/events/{slug}.ics` beside its page.
pub fn mount(router: Router) -> Router {
    router
        .at("/calendar", get(routes::page))
        .at("/calendar.ics", get(routes::all))
        .at("/calendar/tags/:file", get(routes::by_tag))
        .at("/events/:file<[^/]+\\.ics>", get(routes::event_ics))
        .at(
            "/events/:slug/:file<\\d{4}-\\d{2}-\\d{2}\\.ics>",
            get(routes::occurrence_ics),
        )
}
