//! An action raised at a meeting ("PR to liaise with PW re ..."), carried from meeting to
//! meeting until it is done or dropped.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "meeting_action")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The meeting that raised it.
    pub meeting_id: i64,
    pub agenda_item_id: Option<i64>,
    pub text: String,
    pub due_on: Option<Date>,
    pub status: ActionStatus,
    /// When it was done or dropped: the start of the meeting that recorded it, or the
    /// moment it was recorded between meetings.
    pub closed_at: Option<DateTimeUtc>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ActionStatus {
    #[sea_orm(string_value = "open")]
    Open,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "done")]
    Done,
    #[sea_orm(string_value = "dropped")]
    Dropped,
}

impl ActionStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::Dropped)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::InProgress => "in_progress",
            ActionStatus::Done => "done",
            ActionStatus::Dropped => "dropped",
        }
    }

    /// As the minutes say it.
    pub fn label(self) -> &'static str {
        match self {
            ActionStatus::Open => "Open",
            ActionStatus::InProgress => "In progress",
            ActionStatus::Done => "Complete",
            ActionStatus::Dropped => "Dropped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(ActionStatus::Open),
            "in_progress" => Some(ActionStatus::InProgress),
            "done" => Some(ActionStatus::Done),
            "dropped" => Some(ActionStatus::Dropped),
            _ => None,
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
