//! A note in an event's history: what its author wrote to the admins with a submission or a
//! change, and what an admin wrote back with a decision. Never edited, never replaced.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    pub author_id: i64,
    pub kind: NoteKind,
    pub body: String,
    pub created_at: DateTimeUtc,
}

/// Who wrote it, in which role.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum NoteKind {
    /// The author, to the admins, with a submission or a change.
    #[sea_orm(string_value = "author")]
    Author,
    /// An admin's reason for rejecting, or the changes they asked for.
    #[sea_orm(string_value = "review")]
    Review,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
