//! Members' choices of what they receive, and the secret that lets a message's unsubscribe
//! link change them without a sign-in.

use chrono::{DateTime, Utc};
use entity::mail_preference::{self, Mode};
use entity::user;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::error::AppError;
use crate::notify::topics::{self, Topic};

/// How a message of a topic reaches a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// They turned the topic off.
    Off,
    /// As it happens.
    Now,
    /// In their daily summary.
    Daily,
}

/// How `user_id` receives messages of `topic`: their choice (or the topic's default), and
/// whether they take mail once a day.
pub async fn delivery(
    db: &impl ConnectionTrait,
    user_id: i64,
    topic: &str,
) -> Result<Delivery, sea_orm::DbErr> {
    let choices = mail_preference::Entity::find()
        .filter(mail_preference::Column::UserId.eq(user_id))
        .filter(mail_preference::Column::Topic.is_in([topic, topics::DELIVERY]))
        .all(db)
        .await?;
    let known = topics::find(topic);
    let on = match choices.iter().find(|c| c.topic == topic) {
        Some(c) => c.mode != Mode::Off,
        None => known.is_none_or(|t| t.on_by_default),
    };
    let daily = known.is_some_and(|t| t.in_daily_summary)
        && choices
            .iter()
            .any(|c| c.topic == topics::DELIVERY && c.mode == Mode::Daily);
    Ok(match (on, daily) {
        (false, _) => Delivery::Off,
        (true, true) => Delivery::Daily,
        (true, false) => Delivery::Now,
    })
}

/// Whether `user_id` receives messages of `topic` at all.
pub async fn wants(
    db: &impl ConnectionTrait,
    user_id: i64,
    topic: &str,
) -> Result<bool, sea_orm::DbErr> {
    Ok(delivery(db, user_id, topic).await? != Delivery::Off)
}

/// Whether `user_id` takes mail once a day.
pub async fn daily(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(
        mail_preference::Entity::find_by_id((user_id, topics::DELIVERY.to_string()))
            .one(db)
            .await?
            .is_some_and(|c| c.mode == Mode::Daily),
    )
}

/// Every topic `person` may receive, and whether it is on.
pub async fn of(
    db: &impl ConnectionTrait,
    person: &user::Model,
) -> Result<Vec<(&'static Topic, bool)>, sea_orm::DbErr> {
    let choices = mail_preference::Entity::find()
        .filter(mail_preference::Column::UserId.eq(person.id))
        .all(db)
        .await?;
    Ok(topics::TOPICS
        .iter()
        .filter(|t| !t.admins_only || person.role == user::Role::Admin)
        .map(|t| {
            let on = match choices.iter().find(|c| c.topic == t.key) {
                Some(c) => c.mode != Mode::Off,
                None => t.on_by_default,
            };
            (t, on)
        })
        .collect())
}

/// Turns `topic` on or off for `user_id`.
pub async fn set(
    db: &impl ConnectionTrait,
    user_id: i64,
    topic: &str,
    on: bool,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    set_mode(
        db,
        user_id,
        topic,
        if on { Mode::On } else { Mode::Off },
        now,
    )
    .await
}

async fn set_mode(
    db: &impl ConnectionTrait,
    user_id: i64,
    topic: &str,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    let row = mail_preference::ActiveModel {
        user_id: Set(user_id),
        topic: Set(topic.to_string()),
        mode: Set(mode),
        updated_at: Set(now),
    };
    mail_preference::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                mail_preference::Column::UserId,
                mail_preference::Column::Topic,
            ])
            .update_columns([
                mail_preference::Column::Mode,
                mail_preference::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Saves a member's whole set of choices (from the preferences page): the topics in `on`
/// are on, every other topic they may receive is off; `daily` gathers what can wait into
/// one message a day.
pub async fn save(
    db: &DatabaseConnection,
    person: &user::Model,
    on: &[String],
    daily: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    for (topic, _) in of(&txn, person).await? {
        set(
            &txn,
            person.id,
            topic.key,
            on.iter().any(|k| k == topic.key),
            now,
        )
        .await?;
    }
    let mode = if daily { Mode::Daily } else { Mode::On };
    set_mode(&txn, person.id, topics::DELIVERY, mode, now).await?;
    txn.commit().await?;
    Ok(())
}

/// What an unsubscribe link stops: one topic, or everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsubscribe {
    Topic(&'static Topic),
    All,
}

impl Unsubscribe {
    /// From the last part of an unsubscribe link (a topic's key, or `all`).
    pub fn parse(key: &str) -> Option<Unsubscribe> {
        match key {
            "all" => Some(Unsubscribe::All),
            key => topics::find(key).map(Unsubscribe::Topic),
        }
    }
}

/// The person whose unsubscribe secret this is.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    if token.len() < 32 || token.len() > 64 {
        return Ok(None);
    }
    user::Entity::find()
        .filter(user::Column::MailToken.eq(token))
        .one(db)
        .await
}

/// Follows an unsubscribe link: the topic (or every topic) is turned off for its owner.
/// Doing it twice changes nothing. `None` when the secret belongs to nobody.
pub async fn unsubscribe(
    db: &DatabaseConnection,
    token: &str,
    what: Unsubscribe,
    now: DateTime<Utc>,
) -> Result<Option<user::Model>, AppError> {
    let txn = begin_write(db).await?;
    let Some(person) = by_token(&txn, token).await? else {
        return Ok(None);
    };
    match what {
        Unsubscribe::Topic(topic) => set(&txn, person.id, topic.key, false, now).await?,
        Unsubscribe::All => {
            for topic in topics::TOPICS {
                set(&txn, person.id, topic.key, false, now).await?;
            }
        }
    }
    txn.commit().await?;
    tracing::info!(
        user_id = person.id,
        "mail turned off from an unsubscribe link"
    );
    Ok(Some(person))
}

/// The unsubscribe secret of `user_id`, made now if they have none yet (by whichever
/// transaction gets there first: a second one reads the first one's).
pub async fn ensure_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    current: Option<&str>,
) -> Result<Option<String>, sea_orm::DbErr> {
    if let Some(token) = current {
        return Ok(Some(token.to_string()));
    }
    user::Entity::update_many()
        .col_expr(
            user::Column::MailToken,
            Expr::value(crate::secret::random_token()),
        )
        .filter(user::Column::Id.eq(user_id))
        .filter(user::Column::MailToken.is_null())
        .exec(db)
        .await?;
    Ok(user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .and_then(|u| u.mail_token))
}
