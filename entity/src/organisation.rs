//! One organisation of the register: a council, transport body, charity, university, company
//! or community group. Profiles, meeting attendance and guests' answers point at it.

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    /// Stable: published as open data, never reused (organisations are merged, not deleted).
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// `migration::organisation_key(name)`: two spellings with one key are one organisation.
    #[sea_orm(unique)]
    pub name_key: String,
    /// Empty for a name a member typed that no admin has sorted yet.
    pub kind: Option<Kind>,
    pub website: Option<String>,
    /// Set when an admin merged this duplicate into another: its id and name lead there.
    pub merged_into_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    #[sea_orm(string_value = "council")]
    Council,
    #[sea_orm(string_value = "transport")]
    Transport,
    #[sea_orm(string_value = "charity")]
    Charity,
    #[sea_orm(string_value = "university")]
    University,
    #[sea_orm(string_value = "company")]
    Company,
    #[sea_orm(string_value = "community")]
    Community,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Council,
        Kind::Transport,
        Kind::Charity,
        Kind::University,
        Kind::Company,
        Kind::Community,
    ];

    /// The value in forms and open data.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Council => "council",
            Kind::Transport => "transport",
            Kind::Charity => "charity",
            Kind::University => "university",
            Kind::Company => "company",
            Kind::Community => "community",
        }
    }

    pub fn parse(value: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    /// As people say it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Council => "Council",
            Kind::Transport => "Transport body",
            Kind::Charity => "Charity",
            Kind::University => "University",
            Kind::Company => "Company",
            Kind::Community => "Community group",
        }
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
