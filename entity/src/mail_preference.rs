//! A member's choice for one topic of e-mail, where it differs from the topic's default.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_preference")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// One of the topics in `notify::topics` (`decisions`, `places`, ...).
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    pub mode: Mode,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Mode {
    /// Nothing of this topic is sent.
    #[sea_orm(string_value = "off")]
    Off,
    /// Each message as it happens.
    #[sea_orm(string_value = "on")]
    On,
    /// Gathered into one message a day.
    #[sea_orm(string_value = "daily")]
    Daily,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
