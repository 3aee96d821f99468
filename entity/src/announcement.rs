//! A change that concerns people the changing feature does not know (an event's attendees,
//! when the event is cancelled): written in the change's transaction, and turned into one
//! message per person by the features that know them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "announcement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What happened (`event-changed`, ...).
    pub kind: String,
    /// What the features need to know about it, as JSON.
    pub data: String,
    pub created_at: DateTimeUtc,
    /// Set once its messages are written.
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
