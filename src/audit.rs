//! The audit log: every role change and admin decision is written in the same transaction as
//! the change itself, so the log cannot miss one.

use chrono::{DateTime, Utc};
use entity::{audit_log, user};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QuerySelect, Set};

use crate::actor::Actor;

/// Who acted.
#[derive(Debug, Clone, Copy)]
pub enum Who {
    /// An operator at the server's command line.
    CommandLine,
    /// A person, by their account.
    Person(i64),
}

impl From<&Actor> for Who {
    fn from(actor: &Actor) -> Self {
        Who::Person(actor.id)
    }
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

/// Writes one entry, in the caller's transaction. The person is named by their e-mail
/// address as it is at that moment, so the log still reads right after it changes.
pub async fn record(
    db: &impl ConnectionTrait,
    who: &Who,
    at: DateTime<Utc>,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    let (actor_user_id, actor_label) = match who {
        Who::CommandLine => (None, "command line".to_string()),
        Who::Person(id) => {
            let email: Option<String> = user::Entity::find_by_id(*id)
                .select_only()
                .column(user::Column::Email)
                .into_tuple()
                .one(db)
                .await?;
            (Some(*id), email.unwrap_or_else(|| format!("account {id}")))
        }
    };
    audit_log::ActiveModel {
        at: Set(at),
        actor_user_id: Set(actor_user_id),
        actor_label: Set(actor_label),
        action: Set(entry.action.to_string()),
        target_type: Set(entry.target_type.to_string()),
        target_id: Set(entry.target_id),
        detail: Set(entry.detail),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
