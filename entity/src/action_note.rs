//! Progress on an action, recorded at a meeting or between meetings: its status then and a
//! note ("Draft circulated; awaiting comments").

use sea_orm::entity::prelude::*;

use crate::meeting_action::ActionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_note")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub meeting_id: Option<i64>,
    pub status: ActionStatus,
    pub note: Option<String>,
    pub author_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
