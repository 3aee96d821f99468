//! One item of a meeting's agenda, with its minutes; possibly deferred to the next meeting.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agenda_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub meeting_id: i64,
    /// Order on the agenda, from 1.
    pub position: i32,
    /// `HH:MM` in the site's zone.
    pub start_time: Option<String>,
    pub title: String,
    /// Who presents, as the agenda names them ("Priya Shah (Northvale Council)").
    pub presenters: Option<String>,
    pub duration_minutes: Option<i32>,
    /// A short note under the title, in Markdown.
    pub note: Option<String>,
    /// What the minutes say about it, in Markdown.
    pub minutes: Option<String>,
    /// Members' one-page updates are shown under this item.
    pub round_robin: bool,
    /// The item of an earlier meeting that was not reached and comes back here.
    pub deferred_from_id: Option<i64>,
    /// Why it was deferred ("Postponed to allow more time for the presentations").
    pub deferred_note: Option<String>,
    /// Set on the original item when it was deferred to a later meeting.
    pub deferred_to_meeting_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
