//! The audit log: every role change and admin decision is written in the same transaction as
//! the change itself, so the log cannot miss one.

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

/// Who acted.
#[derive(Debug, Clone)]
pub enum Actor {
    /// An operator at the server's command line.
    CommandLine,
    /// A signed-in person.
    User { id: i64, email: String },
}

impl Actor {
    fn parts(&self) -> (Option<i64>, String) {
        match self {
            Actor::CommandLine => (None, "command line".to_string()),
            Actor::User { id, email } => (Some(*id), email.clone()),
        }
    }
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    entry: Entry<'_>,
) -> Result<(), DbErr> {
    let (actor_user_id, actor_label) = actor.parts();
    audit_log::ActiveModel {
        at: Set(Utc::now()),
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
