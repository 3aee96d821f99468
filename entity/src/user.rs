//! A person who can sign in, or who has been granted a role before their first sign-in.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "user")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Lower-cased, unique. Only ever taken from a provider that verified it, or typed by an
    /// operator on the command line.
    #[sea_orm(unique)]
    pub email: String,
    /// Whether a provider has vouched for `email` (or an operator typed it). Only verified
    /// addresses are ever used to attach a new sign-in to this account.
    pub email_verified: bool,
    pub display_name: String,
    /// The organisation's name as shown; `organisation_id` is the register's entry, and the
    /// register rewrites this name when the entry is renamed or merged.
    pub organisation: Option<String>,
    pub organisation_id: Option<i64>,
    pub role: Role,
    pub disabled: bool,
    /// Whether other members may see this person on attendee lists.
    pub listed_publicly: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Empty until the person first signs in: an account created by `convene admin grant`
    /// waits here for them.
    pub last_sign_in_at: Option<DateTimeUtc>,
    /// The secret in the address of their personal calendar feed; made when first shown,
    /// replaced when they reset it.
    #[serde(skip)]
    pub calendar_token: Option<String>,
    /// The secret in the unsubscribe link of every message they receive; made with their
    /// first message.
    #[serde(skip)]
    pub mail_token: Option<String>,
    /// "PR": how actions and minutes name them; unique among active members.
    pub initials: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[sea_orm(string_value = "member")]
    Member,
    #[sea_orm(string_value = "admin")]
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::identity::Entity")]
    Identity,
    #[sea_orm(has_many = "super::session::Entity")]
    Session,
}

impl Related<super::identity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Identity.def()
    }
}

impl Related<super::session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
