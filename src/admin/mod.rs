//! The admin pages: accounts and roles, and the audit log.

mod forms;
mod routes;
mod service;
mod views;

use crate::web::router::{Router, get, post};

pub fn routes() -> Router {
    Router::new()
        .at("/", get(routes::index))
        .at("/users", get(routes::users))
        .at("/users/:id/role", post(routes::change_role))
        .at(
            "/users/:id/disable",
            get(routes::confirm_disable).post(routes::disable),
        )
        .at("/users/:id/enable", post(routes::enable))
        .at("/audit", get(routes::audit))
}
