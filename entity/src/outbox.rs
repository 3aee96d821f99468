//! A message waiting to be sent, being sent, sent, or given up on: written in the same
//! transaction as the change that causes it, sent by the outbox worker.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What it says (`event-submitted`, `rsvp-promoted`, ...): its templates.
    pub kind: String,
    /// The topic it belongs to (`notify::topics`): what its unsubscribe link stops.
    pub topic: Option<String>,
    pub user_id: Option<i64>,
    pub to_address: String,
    /// The data its templates render, as JSON.
    pub data: String,
    pub subject: Option<String>,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// While a worker sends it: other workers leave it alone until then.
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    /// The `Message-ID`, the same on every attempt.
    #[sea_orm(unique)]
    pub message_id: String,
    #[sea_orm(unique)]
    pub dedupe_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Status {
    #[sea_orm(string_value = "queued")]
    Queued,
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Given up on: refused for good, or failed too often. Admins see why, and may retry.
    #[sea_orm(string_value = "dead")]
    Dead,
    /// For a member who takes mail once a day: waits for their daily summary.
    #[sea_orm(string_value = "held")]
    Held,
    /// Sent inside a daily summary (itself a message of its own).
    #[sea_orm(string_value = "summarised")]
    Summarised,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Queued => "Waiting to be sent",
            Status::Sending => "Being sent",
            Status::Sent => "Sent",
            Status::Dead => "Not delivered",
            Status::Held => "Waiting for the daily summary",
            Status::Summarised => "Sent in a daily summary",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
