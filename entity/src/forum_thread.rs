//! A forum thread: a title in a category; its posts are `forum_post` rows, the first one
//! opening it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forum_thread")]
pub struct Model {
    /// Stable: part of the thread's address (`/forum/{category}/{id}-{slug}`).
    #[sea_orm(primary_key)]
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    /// Readable part of the address, from the title; the id alone finds the thread.
    pub slug: String,
    pub author_id: Option<i64>,
    /// What the thread discusses when it belongs to a page (`event:12`): one per subject.
    #[sea_orm(unique)]
    pub subject: Option<String>,
    pub created_at: DateTimeUtc,
    pub last_post_at: DateTimeUtc,
    /// Posts that are neither hidden nor deleted, the opening one included.
    pub post_count: i32,
    pub pinned: bool,
    pub locked: bool,
    /// Hidden by an admin: only admins see it, with the reason.
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_reason: Option<String>,
    /// Waits for an admin's approval (a new member's first posts); hidden until then, but
    /// shown to its author.
    pub held: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
