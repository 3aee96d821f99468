//! E-mail notifications through an outbox: a feature writes a message (`outbox::enqueue`) in
//! the same transaction as the change that causes it, and `worker` sends it through SMTP
//! later, with retries and backoff, each message by one worker (a lease taken with `FOR
//! UPDATE SKIP LOCKED` on PostgreSQL), so a crash or a mail server that is down loses
//! nothing. Without SMTP configured, messages stay in the outbox, where admins read them
//! (`/admin/outbox`). What a message says is in `templates/mail/`.

pub mod compose;
pub mod outbox;
pub mod routes;
pub mod worker;

use crate::web::router::{Router, get, post};

/// `/admin/outbox/...`
pub fn admin_routes() -> Router {
    Router::new()
        .at("/", get(routes::list))
        .at("/:id<\\d+>", get(routes::show))
        .at("/:id<\\d+>/retry", post(routes::retry))
}
