//! The forum: categories (admins create and order them), threads and replies in Markdown
//! from signed-in members, authors editing (earlier texts kept for admins) and deleting
//! (the place kept) their posts, quoting, "new since your last visit" markers, Atom feeds,
//! moderation (pin, lock, hide, in the audit log), search, and the discussions of events,
//! series dates and meetings shown on their pages. It builds on events and meetings through
//! their extension points (`discussions.rs`); they do not know it.

pub mod api;
pub mod discussions;
pub mod feeds;
pub mod figures;
pub mod forms;
pub mod notices;
pub mod policy;
pub mod queries;
pub mod reports;
pub mod routes;
pub mod search;
pub mod seed;
pub mod service;

use poem::EndpointExt;

use crate::web::router::{Router, get, post};
use crate::web::shared_pages::serve_shared;

/// The forum's pages are the same for every anonymous visitor: they are served from memory
/// (`web::shared_pages`) until a change. The order matters to poem's route tree: `/forum/feed.atom` answered 404 when added after
/// the thread routes, and `/forum/posts/{id}` when added before them. The forum tests reach
/// every one of these addresses.
pub fn mount(router: Router) -> Router {
    router
        .at("/forum", get(routes::index.around(serve_shared)))
        .at("/forum/feed.atom", get(feeds::forum_feed))
        .at("/forum/:category/feed.atom", get(feeds::category_feed))
        .at(
            "/forum/:category",
            get(routes::category_page.around(serve_shared)),
        )
        .at(
            "/forum/:category/new",
            get(routes::new_thread_form).post(routes::new_thread),
        )
        .at(
            "/forum/:category/:thread<\\d{1,18}(-[a-z0-9-]{0,100})?>",
            get(routes::thread_page.around(serve_shared)),
        )
        .at(
            "/admin/forum",
            get(routes::admin_categories).post(routes::create_category),
        )
        .at(
            "/admin/forum/:id<\\d{1,18}>",
            get(routes::edit_category_form).post(routes::edit_category),
        )
        .at(
            "/admin/forum/:id<\\d{1,18}>/move",
            post(routes::move_category),
        )
        .at("/admin/forum/reports", get(routes::reports_page))
        .at(
            "/admin/forum/reports/:id<\\d{1,18}>/dismiss",
            post(routes::dismiss_reports),
        )
        .at("/forum/posts/:id<\\d{1,18}>", get(routes::post_link))
        .at(
            "/forum/posts/:id<\\d{1,18}>/edit",
            get(routes::edit_form).post(routes::edit),
        )
        .at(
            "/forum/posts/:id<\\d{1,18}>/delete",
            get(routes::delete_confirm).post(routes::delete),
        )
        .at(
            "/forum/posts/:id<\\d{1,18}>/report",
            get(routes::report_form).post(routes::report),
        )
        .at(
            "/forum/posts/:id<\\d{1,18}>/hide",
            get(routes::hide_post_confirm).post(routes::moderate_post),
        )
        .at("/forum/threads/:id<\\d{1,18}>", get(routes::thread_link))
        .at(
            "/forum/threads/:id<\\d{1,18}>/reply",
            post(routes::post_reply),
        )
        .at(
            "/forum/threads/:id<\\d{1,18}>/follow",
            post(routes::follow_thread),
        )
        .at(
            "/forum/threads/:id<\\d{1,18}>/hide",
            get(routes::hide_thread_confirm),
        )
        .at(
            "/forum/threads/:id<\\d{1,18}>/moderate",
            post(routes::moderate_thread),
        )
}
