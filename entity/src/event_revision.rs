//! An author's change to a published event, waiting for an admin. The live event stays as it
//! is until the revision is approved.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_revision")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub author_id: i64,
    /// The proposed fields, as JSON.
    pub payload: String,
    /// pending | approved | rejected
    pub status: String,
    pub review_note: Option<String>,
    pub reviewer_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
