//! Accounts, roles, sign-in through OAuth2 / OpenID Connect, and sessions.

pub mod api;
pub mod figures;
pub mod forms;
pub mod policy;
pub mod providers;
pub mod routes;
pub mod seed;
pub mod service;
pub mod session;
pub mod token_pages;
pub mod tokens;
pub mod views;

use crate::web::router::{Router, get, post};

/// `/auth/...`: signing in and out. The development sign-in exists only when it is switched
/// on; otherwise `/auth/dev` is an unknown address, whose body nothing reads.
pub fn routes(dev_login: bool) -> Router {
    let route = Router::new()
        .at("/signin", get(routes::signin_page))
        .at("/signout", post(routes::signout))
        .at("/signout-everywhere", post(routes::signout_everywhere))
        .at("/:provider/start", get(routes::start))
        .at("/:provider/callback", get(routes::callback));
    if dev_login {
        route.at("/dev", get(routes::dev_page).post(routes::dev_signin))
    } else {
        route
    }
}

/// `/profile/...`: a person's own account.
pub fn profile_routes() -> Router {
    Router::new()
        .at("/", get(routes::profile).post(routes::update_profile))
        .at("/identities/:id/delete", post(routes::unlink))
        .at(
            "/tokens",
            get(token_pages::tokens_page).post(token_pages::create_token),
        )
        .at(
            "/tokens/:id<\\d{1,18}>/revoke",
            post(token_pages::revoke_token),
        )
}
