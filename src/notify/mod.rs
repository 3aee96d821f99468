//! E-mail notifications through an outbox: a feature writes a message (`outbox::enqueue`) in
//! the same transaction as the change that causes it, and `worker` sends it through SMTP
//! later, with retries and backoff, each message by one worker (a lease taken with `FOR
//! UPDATE SKIP LOCKED` on PostgreSQL), so a crash or a mail server that is down loses
//! nothing. Without SMTP configured, messages stay in the outbox, where admins read them
//! (`/admin/outbox`). What a message says is in `templates/mail/`.

pub mod announce;
pub mod compose;
pub mod daily;
pub mod digest;
pub mod outbox;
pub mod preferences;
pub mod routes;
pub mod seed;
pub mod settings;
pub mod topics;
pub mod worker;

use crate::web::router::{Router, get, post};

/// `/admin/outbox/...`
pub fn admin_routes() -> Router {
    Router::new()
        .at("/", get(routes::list))
        .at("/:id<\\d+>", get(routes::show))
        .at("/:id<\\d+>/retry", post(routes::retry))
}

/// The pages members use: `/profile/mail` and the unsubscribe links.
pub fn mount(router: Router) -> Router {
    router
        .at("/profile/mail", get(settings::show).post(settings::save))
        .at(
            "/mail/unsubscribe/:token/:topic",
            get(settings::ask).post(settings::unsubscribe),
        )
}

/// Where a POST needs no CSRF token: the one-click unsubscribe of mail programs (RFC 8058),
/// authorised by the secret in its address.
pub const CSRF_EXEMPT: &str = "/mail/unsubscribe/";
