//! A forum category (Announcements, Data requests, Transport, ...), ordered by admins.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forum_category")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Its address: `/forum/{slug}`.
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
    /// Only admins start threads here (members may still reply).
    pub admins_only: bool,
    pub created_at: DateTimeUtc,
    /// The discussions of which pages it holds ("events", "meetings"), if the forum made it
    /// for them; at most one category each.
    #[sea_orm(unique)]
    pub holds: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
