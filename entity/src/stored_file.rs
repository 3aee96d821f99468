//! A file (slides, a paper, data) attached to a meeting, an agenda item, an event or one date
//! of a series. Its bytes live in the file store under `sha256`; identical uploads share them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stored_file")]
pub struct Model {
    /// Stable: part of the file's address, never reused.
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: Option<i64>,
    pub agenda_item_id: Option<i64>,
    pub event_id: Option<i64>,
    /// The planned date (`YYYY-MM-DD`) of a series date the file belongs to; `""` otherwise.
    pub occurrence: String,
    pub title: String,
    /// The uploader's file name, cleaned: no folders, control or direction characters.
    pub filename: String,
    /// Found in the content, not taken from the browser.
    pub content_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes: the name of the content in the store, and the ETag.
    pub sha256: String,
    pub position: i32,
    pub downloads: i64,
    pub uploaded_by: Option<i64>,
    pub created_at: DateTimeUtc,
    /// Set when an admin deleted it: its address answers 410 Gone.
    pub deleted_at: Option<DateTimeUtc>,
    /// Set when a new version replaced it: that version's id. Only files without it are
    /// listed as current; this one stays downloadable as an earlier version.
    pub replaced_by: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
