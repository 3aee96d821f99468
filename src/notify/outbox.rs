//! Writing messages into the outbox, inside the caller's transaction.

use chrono::{DateTime, Duration, Utc};
use entity::outbox::{self, Status};
use entity::user::{self, Role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::error::AppError;
use crate::notify::preferences;

/// At most this many messages to one person within an hour: beyond it a runaway loop (or a
/// flood of changes) is stopped, and what was held back waits, marked, for an admin.
pub const PER_HOUR: u64 = 30;

/// Someone a message goes to: an account with a verified address.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    mail_token: Option<String>,
}

impl Recipient {
    /// Only verified addresses of active accounts receive mail.
    pub fn of(u: &user::Model) -> Option<Recipient> {
        (u.email_verified && !u.disabled).then(|| Recipient {
            user_id: u.id,
            email: u.email.clone(),
            name: u.display_name.clone(),
            mail_token: u.mail_token.clone(),
        })
    }
}

/// The account `id`, if it may receive mail.
pub async fn recipient(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<Recipient>, sea_orm::DbErr> {
    Ok(user::Entity::find_by_id(id)
        .one(db)
        .await?
        .as_ref()
        .and_then(Recipient::of))
}

/// Every admin who may receive mail, but `except` (who caused the message).
pub async fn admins(
    db: &impl ConnectionTrait,
    except: Option<i64>,
) -> Result<Vec<Recipient>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .all(db)
        .await?
        .iter()
        .filter(|u| Some(u.id) != except)
        .filter_map(Recipient::of)
        .collect())
}

/// Every active member who may receive mail, but `except` (who caused the message).
pub async fn members(
    db: &impl ConnectionTrait,
    except: Option<i64>,
) -> Result<Vec<Recipient>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .all(db)
        .await?
        .iter()
        .filter(|u| Some(u.id) != except)
        .filter_map(Recipient::of)
        .collect())
}

/// A message to write: `kind` names its templates (`mail/{kind}.txt` and `.html`), `topic`
/// is what its unsubscribe link stops (`notify::topics`), `data` is what the templates
/// render. A message with the same `dedupe_key` as one already written is dropped, so a
/// cause never mails anyone twice.
pub struct Mail<'a> {
    pub kind: &'a str,
    pub topic: &'static str,
    pub to: &'a Recipient,
    pub data: serde_json::Value,
    pub dedupe_key: String,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    Queued,
    /// The recipient turned its topic off.
    NotWanted,
    /// Written for the recipient's daily summary.
    ForSummary,
    /// Written, but held back: the recipient had `PER_HOUR` messages within the hour.
    Flooded,
    /// The same message was written before.
    Duplicate,
}

/// Writes one message, unless its recipient turned its topic off.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    mail: Mail<'_>,
    now: DateTime<Utc>,
) -> Result<Enqueued, AppError> {
    let to = mail.to;
    let delivery = preferences::delivery(db, to.user_id, mail.topic).await?;
    if delivery == preferences::Delivery::Off {
        tracing::info!(
            user_id = to.user_id,
            kind = mail.kind,
            topic = mail.topic,
            "mail not written: the recipient turned this topic off"
        );
        return Ok(Enqueued::NotWanted);
    }
    let daily = delivery == preferences::Delivery::Daily;
    preferences::ensure_token(db, to.user_id, to.mail_token.as_deref()).await?;
    let recent = outbox::Entity::find()
        .filter(outbox::Column::UserId.eq(to.user_id))
        .filter(outbox::Column::CreatedAt.gt(now - Duration::hours(1)))
        .count(db)
        .await?;
    let flooded = recent >= PER_HOUR;
    if flooded {
        tracing::warn!(
            user_id = to.user_id,
            kind = mail.kind,
            "mail held back: too many messages to one person within an hour"
        );
    }
    let mut data = mail.data;
    data["recipient_name"] = serde_json::Value::String(to.name.clone());
    let row = outbox::ActiveModel {
        kind: Set(mail.kind.to_string()),
        topic: Set(Some(mail.topic.to_string())),
        user_id: Set(Some(to.user_id)),
        to_address: Set(to.email.clone()),
        data: Set(data.to_string()),
        subject: Set(None),
        status: Set(if flooded {
            Status::Dead
        } else if daily {
            Status::Held
        } else {
            Status::Queued
        }),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(flooded.then(|| {
            format!(
                "Held back: more than {PER_HOUR} messages to this person within an hour. \
                 \u{201c}Try again\u{201d} sends it."
            )
        })),
        message_id: Set(uuid::Uuid::new_v4().to_string()),
        dedupe_key: Set(Some(mail.dedupe_key)),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    let inserted = outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outbox::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(db)
        .await?;
    Ok(match inserted {
        sea_orm::TryInsertResult::Inserted(_) if flooded => Enqueued::Flooded,
        sea_orm::TryInsertResult::Inserted(_) if daily => Enqueued::ForSummary,
        sea_orm::TryInsertResult::Inserted(_) => Enqueued::Queued,
        _ => Enqueued::Duplicate,
    })
}
