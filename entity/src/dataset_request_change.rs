//! One step in a dataset request's visible history: made, or its status changed.

use sea_orm::entity::prelude::*;

use crate::dataset_request::RequestStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset_request_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    /// The status from this change on.
    pub status: RequestStatus,
    /// What the admin said: the publisher's reason, a summary of the discussion.
    pub note: Option<String>,
    /// The published dataset's address.
    pub link: Option<String>,
    pub actor_id: Option<i64>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
