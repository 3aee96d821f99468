//! An event: drafted by a member, published by an admin. Its `id` and calendar `uid` never
//! change; its slug may (old slugs redirect).

use sea_orm::entity::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The iCalendar UID, `{uuid}@convene`.
    #[sea_orm(unique)]
    pub uid: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub status: EventStatus,
    pub title: String,
    pub summary: String,
    /// Markdown, rendered through the one sanitiser.
    pub description: String,
    /// The IANA zone the organiser meant; start and end are stored in UTC.
    pub time_zone: String,
    pub all_day: bool,
    /// For all-day events: local midnight of the first day, in `time_zone`, as UTC.
    pub starts_at: DateTimeUtc,
    /// For all-day events: local midnight after the last day, as UTC (exclusive).
    pub ends_at: DateTimeUtc,
    pub place_name: Option<String>,
    pub address: Option<String>,
    pub online_url: Option<String>,
    pub organiser_contact: Option<String>,
    /// The organiser agreed to show `organiser_contact` on the public page.
    pub show_organiser_contact: bool,
    /// Places for people answering "Going" (per date, for a series); none means no limit.
    pub capacity: Option<i32>,
    /// Whether something besides the event is offered to say yes to (lunch, by default).
    pub lunch_provided: bool,
    /// What that extra is called, when it is not lunch ("Dinner", "Site visit").
    pub extra_label: Option<String>,
    /// Answers close this many hours before the start (of each date); none: at the start.
    pub rsvp_closes_hours: Option<i32>,
    pub note_to_admins: Option<String>,
    /// RRULE parts (`FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE;UNTIL=...`) in `time_zone`.
    pub rrule: Option<String>,
    /// The end of the last occurrence, for series: lets listings skip finished series.
    pub series_ends_at: Option<DateTimeUtc>,
    /// iCalendar SEQUENCE: raised by every published change a calendar should see.
    pub sequence: i32,
    pub author_id: i64,
    pub reviewer_id: Option<i64>,
    /// The admin's reason (rejected) or request (changes requested).
    pub review_note: Option<String>,
    pub cancel_note: Option<String>,
    /// Postponed, its new date to follow: it keeps its planned date until one is set.
    pub postponed_at: Option<DateTimeUtc>,
    pub postpone_note: Option<String>,
    /// When a published one-off event's start changed: where it moved from.
    pub previous_starts_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// Moved by every change to the event, its tags or its exceptions: calendar feeds rely on
    /// it to notice changes (the feed cache's fingerprint, the stored feed entries).
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "changes_requested")]
    ChangesRequested,
    #[sea_orm(string_value = "published")]
    Published,
    #[sea_orm(string_value = "rejected")]
    Rejected,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl EventStatus {
    /// Published and cancelled events are public; everything else is private to the author
    /// and admins.
    pub fn is_public(self) -> bool {
        matches!(self, EventStatus::Published | EventStatus::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Draft => "draft",
            EventStatus::Submitted => "submitted",
            EventStatus::ChangesRequested => "changes_requested",
            EventStatus::Published => "published",
            EventStatus::Rejected => "rejected",
            EventStatus::Cancelled => "cancelled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventStatus::Draft => "Draft",
            EventStatus::Submitted => "Waiting for approval",
            EventStatus::ChangesRequested => "Changes requested",
            EventStatus::Published => "Published",
            EventStatus::Rejected => "Rejected",
            EventStatus::Cancelled => "Cancelled",
        }
    }
}

impl Model {
    /// The organiser's time zone. Stored zones were checked when the event was saved; should
    /// one ever be unknown to this build's tz database, times are kept exact in UTC.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::AuthorId",
        to = "super::user::Column::Id"
    )]
    Author,
    #[sea_orm(has_many = "super::event_tag::Entity")]
    Tag,
}

impl Related<super::event_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Tag.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
