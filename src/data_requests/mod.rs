//! Dataset requests: members ask for datasets that public bodies hold (what, who holds it,
//! why it matters, links) and vote for them, one vote each; admins record where each stands
//! with its publisher (requested, in discussion, published with a link, declined with the
//! publisher's reason), every change kept as a visible history; the list sorts by votes or
//! date and is published as CSV; a monthly summary (`summary`) of the most wanted and what
//! changed is ready to take to the data owners. Builds on sign-in only; later features add to a request's
//! page through `extensions` (the forum's discussion).

pub mod api;
pub mod extensions;
pub mod figures;
pub mod forms;
pub mod policy;
pub mod queries;
pub mod routes;
pub mod seed;
pub mod service;
pub mod summary;

use crate::web::router::{Router, get, post};

pub fn mount(router: Router) -> Router {
    router
        .at("/data-requests", get(routes::list))
        .at("/data-requests.csv", get(routes::csv_download))
        .at("/data-requests/summary", get(summary::summary))
        .at("/data-requests/summary.csv", get(summary::summary_csv))
        .at(
            "/data-requests/new",
            get(routes::new_form).post(routes::create),
        )
        .at("/data-requests/:id<\\d{1,18}>", get(routes::request_page))
        .at(
            "/data-requests/:id<\\d{1,18}>/edit",
            get(routes::edit_form).post(routes::edit),
        )
        .at("/data-requests/:id<\\d{1,18}>/vote", post(routes::vote))
        .at(
            "/data-requests/:id<\\d{1,18}>/status",
            post(routes::set_status),
        )
}
