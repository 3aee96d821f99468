//! One owner of an action: a member, an organisation of the register, or a person without an
//! account named as the minutes name them.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "action_owner")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub action_id: i64,
    pub user_id: Option<i64>,
    /// The person's name, or the organisation's as the register names it.
    pub name: Option<String>,
    /// Set when the owner is an organisation of the register.
    pub organisation_id: Option<i64>,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
