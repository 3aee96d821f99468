//! `/admin/outbox`: what was sent, what waits, and what could not be delivered (and why);
//! with no mail server configured, where the messages can be read.

use entity::outbox::{self, Status};
use poem::web::cookie::CookieJar;
use poem::web::{Data, Html, Path};
use poem::{Response, handler};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::notify::compose;
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::user::RequireAdmin;

#[derive(Serialize)]
struct Row {
    id: i64,
    kind: String,
    to: String,
    subject: String,
    status: &'static str,
    status_code: &'static str,
    attempts: i32,
    created: String,
    last_error: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<Row>,
    smtp: bool,
}

fn row(m: &outbox::Model, tz: chrono_tz::Tz) -> Row {
    Row {
        id: m.id,
        kind: m.kind.clone(),
        to: m.to_address.clone(),
        subject: m
            .subject
            .clone()
            .unwrap_or_else(|| "(not written yet)".into()),
        status: m.status.label(),
        status_code: match m.status {
            Status::Queued => "pending",
            Status::Sending => "pending",
            Status::Sent => "published",
            Status::Dead => "cancelled",
            Status::Held => "pending",
            Status::Summarised => "published",
        },
        attempts: m.attempts,
        created: crate::web::format::date_time(m.created_at, tz),
        last_error: m.last_error.clone(),
    }
}

/// The latest 200 messages, newest first.
#[handler]
pub async fn list(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Html<String>> {
    let tz = ctx.state.config.time_zone;
    let rows = outbox::Entity::find()
        .order_by_desc(outbox::Column::Id)
        .limit(200)
        .all(&ctx.state.db)
        .await?;
    let view = ListView {
        rows: rows.iter().map(|m| row(m, tz)).collect(),
        smtp: ctx.state.config.smtp.is_some(),
    };
    ctx.render("admin/outbox", "Outbox", None, &view)
}

#[derive(Serialize)]
struct MessageView {
    row: Row,
    subject: String,
    text: String,
    html_error: Option<String>,
    dead: bool,
}

/// One message as it reads (rendered now from its data).
#[handler]
pub async fn show(
    ctx: PageCtx,
    RequireAdmin(_): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Html<String>> {
    let m = outbox::Entity::find_by_id(id)
        .one(&ctx.state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = ctx.state.config.time_zone;
    let (subject, text, html_error) =
        match compose::compose(&ctx.state.templates, &ctx.state.config, &m, None) {
            Ok(c) => (c.subject, c.text, None),
            Err(e) => (String::new(), String::new(), Some(e)),
        };
    let view = MessageView {
        row: row(&m, tz),
        subject: subject.clone(),
        text,
        html_error,
        dead: m.status == Status::Dead,
    };
    let title = if subject.is_empty() {
        format!("Message {id}")
    } else {
        subject
    };
    ctx.render("admin/outbox-message", &title, None, &view)
}

/// A message given up on, tried again from the start.
#[handler]
pub async fn retry(
    state: Data<&AppState>,
    RequireAdmin(_): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let m = outbox::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.status != Status::Dead {
        return Err(AppError::Conflict(
            "Only a message that could not be delivered can be tried again.".into(),
        ));
    }
    let mut active: outbox::ActiveModel = m.into();
    active.status = Set(Status::Queued);
    active.attempts = Set(0);
    active.next_attempt_at = Set(state.clock.now());
    active.last_error = Set(None);
    active.update(&state.db).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "The message will be sent again.",
        &format!("/admin/outbox/{id}"),
    ))
}
