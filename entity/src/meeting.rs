//! One of the forum's meetings: when and where, its officers, the date of a series it is
//! (when it has one), and where its agenda and minutes stand.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `2027-01-14-forum-meeting`: made from the first date and the title, kept when the
    /// meeting is postponed so that links keep working.
    #[sea_orm(unique)]
    pub slug: String,
    pub title: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
    pub place: String,
    pub chair_id: Option<i64>,
    pub secretary_id: Option<i64>,
    /// The event (usually the forum's series) whose date this meeting is.
    pub event_id: Option<i64>,
    /// `""` for a one-off event, the date of the series (`YYYY-MM-DD`) as in RSVP.
    pub occurrence: String,
    /// When it was to be, before it was postponed.
    pub postponed_from: Option<DateTimeUtc>,
    pub postponed_reason: Option<String>,
    /// Set when the officers publish the agenda; before that only they see it.
    pub agenda_published_at: Option<DateTimeUtc>,
    pub minutes_status: MinutesStatus,
    /// General notes besides the minutes of each item, in Markdown.
    pub minutes_notes: Option<String>,
    pub minutes_published_at: Option<DateTimeUtc>,
    pub minutes_agreed_at: Option<DateTimeUtc>,
    /// The meeting at which these minutes were agreed.
    pub agreed_at_meeting_id: Option<i64>,
    /// Brought in from the forum's old site.
    pub archived: bool,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum MinutesStatus {
    /// Nothing written yet.
    #[sea_orm(string_value = "none")]
    None,
    /// Being written: members can read it, marked as a draft.
    #[sea_orm(string_value = "draft")]
    Draft,
    /// Published by the secretary, to be agreed at the next meeting.
    #[sea_orm(string_value = "published")]
    Published,
    /// Agreed at a later meeting: read-only, corrected only by amendments.
    #[sea_orm(string_value = "agreed")]
    Agreed,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
