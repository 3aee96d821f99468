//! One occurrence of a series that was cancelled or moved.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_exception")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    /// The occurrence's original start (its RECURRENCE-ID), UTC.
    pub occurrence_start: DateTimeUtc,
    pub cancelled: bool,
    /// Postponed, its new date to follow (it stays on its planned date meanwhile).
    pub postponed: bool,
    /// For a moved occurrence: where it went.
    pub new_starts_at: Option<DateTimeUtc>,
    pub new_ends_at: Option<DateTimeUtc>,
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
