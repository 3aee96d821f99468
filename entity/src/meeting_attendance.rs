//! Who attended a meeting or sent apologies: a member, or a person without an account.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_attendance")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    pub user_id: Option<i64>,
    /// The name as the minutes give it (a member's name when they were added).
    pub name: String,
    pub organisation: Option<String>,
    /// The register's entry for `organisation`.
    pub organisation_id: Option<i64>,
    pub status: Presence,
    pub source: Source,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Presence {
    #[sea_orm(string_value = "attended")]
    Attended,
    #[sea_orm(string_value = "apologies")]
    Apologies,
}

/// Where the entry came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Source {
    /// An answer to the meeting's event (going, or apologies).
    #[sea_orm(string_value = "rsvp")]
    Rsvp,
    /// Ticked at the door on the sign-in sheet.
    #[sea_orm(string_value = "door")]
    Door,
    /// Added by an officer.
    #[sea_orm(string_value = "manual")]
    Manual,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
