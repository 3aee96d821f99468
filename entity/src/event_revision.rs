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
    pub status: RevisionStatus,
    pub review_note: Option<String>,
    pub reviewer_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
}

/// Where a proposed change stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum RevisionStatus {
    /// Waiting for an admin.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "approved")]
    Approved,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    /// Replaced by a newer change from its author, or overtaken by the event's cancellation.
    #[sea_orm(string_value = "superseded")]
    Superseded,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
