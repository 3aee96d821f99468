//! Who did what to which record, and when: every admin action and role change lands here.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The signed-in person who acted; empty for the command line.
    pub actor_user_id: Option<i64>,
    /// How the actor is shown in the log: an email address, or "command line".
    pub actor_label: String,
    /// A dotted verb such as `role.grant` or `account.disable`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
