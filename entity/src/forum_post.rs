//! One post of a forum thread, in Markdown.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "forum_post")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub thread_id: i64,
    pub author_id: Option<i64>,
    /// Markdown as written; empty once deleted.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `body` as sanitised HTML (`markdown::to_user_html`), made when it is written.
    #[sea_orm(column_type = "Text")]
    pub body_html: String,
    pub created_at: DateTimeUtc,
    /// When its author last changed it (earlier texts are `forum_post_version` rows).
    pub edited_at: Option<DateTimeUtc>,
    /// Deleted by its author: the place stays, the text is gone.
    pub deleted_at: Option<DateTimeUtc>,
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
