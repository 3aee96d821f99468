//! Writing messages into the outbox, inside the caller's transaction.

use chrono::{DateTime, Utc};
use entity::outbox::{self, Status};
use entity::user::{self, Role};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::error::AppError;

/// Someone a message goes to: an account with a verified address.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub user_id: i64,
    pub email: String,
    pub name: String,
}

impl Recipient {
    /// Only verified addresses of active accounts receive mail.
    pub fn of(u: &user::Model) -> Option<Recipient> {
        (u.email_verified && !u.disabled).then(|| Recipient {
            user_id: u.id,
            email: u.email.clone(),
            name: u.display_name.clone(),
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

/// Writes one message for `to`. `kind` names its templates (`mail/{kind}.txt` and
/// `.html`); `data` is what they render. A message with the same
/// `dedupe_key` as one already written is dropped, so a cause never mails anyone twice.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    kind: &str,
    to: &Recipient,
    data: serde_json::Value,
    dedupe_key: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut data = data;
    data["recipient_name"] = serde_json::Value::String(to.name.clone());
    let row = outbox::ActiveModel {
        kind: Set(kind.to_string()),
        user_id: Set(Some(to.user_id)),
        to_address: Set(to.email.clone()),
        data: Set(data.to_string()),
        subject: Set(None),
        status: Set(Status::Queued),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        message_id: Set(uuid::Uuid::new_v4().to_string()),
        dedupe_key: Set(dedupe_key),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    };
    outbox::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outbox::Column::DedupeKey)
                .do_nothing()
                .to_owned(),
        )
        .try_insert()
        .exec(db)
        .await?;
    Ok(())
}
