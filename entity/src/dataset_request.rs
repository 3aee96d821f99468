//! A member's request for a dataset that a public body holds, with its votes and where it
//! stands with the publisher.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dataset_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What is asked for ("Bus stop accessibility audit").
    pub title: String,
    /// The public body that holds it ("Midshire County Council").
    pub holder: String,
    /// What the dataset holds, in Markdown.
    pub description: String,
    /// Why it matters, in Markdown.
    pub reason: String,
    /// Web addresses about it, one a line.
    pub links: String,
    pub status: RequestStatus,
    /// Where the dataset is, once published.
    pub outcome_link: Option<String>,
    /// The publisher's reason, when declined (or a note on the latest change).
    pub outcome_note: Option<String>,
    /// Rows in `dataset_request_vote` for it, kept in step in the same transaction.
    pub votes: i32,
    pub author_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub status_changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RequestStatus {
    /// Asked for; members vote.
    #[sea_orm(string_value = "requested")]
    Requested,
    /// The forum is in discussion with the publisher.
    #[sea_orm(string_value = "discussing")]
    Discussing,
    /// Published, with a link.
    #[sea_orm(string_value = "published")]
    Published,
    /// The publisher declined, with their reason.
    #[sea_orm(string_value = "declined")]
    Declined,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        RequestStatus::Requested,
        RequestStatus::Discussing,
        RequestStatus::Published,
        RequestStatus::Declined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Requested => "requested",
            RequestStatus::Discussing => "discussing",
            RequestStatus::Published => "published",
            RequestStatus::Declined => "declined",
        }
    }

    pub fn parse(text: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Requested => "Requested",
            RequestStatus::Discussing => "In discussion with the publisher",
            RequestStatus::Published => "Published",
            RequestStatus::Declined => "Declined",
        }
    }

    /// Still being worked for: members may vote.
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Requested | RequestStatus::Discussing)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
