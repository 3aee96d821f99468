//! An event's VEVENT text as calendar feeds serve it, rendered once per change.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_feed_entry")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: i64,
    /// The event's `updated_at` this text was rendered from.
    pub rendered_for: DateTimeUtc,
    /// Which renderer made it (format version, release and site address); any other key
    /// means the text must be made again.
    pub render_key: i64,
    /// One or more VEVENT components (a series' master and its changed occurrences), CRLF
    /// line ends, folded.
    #[sea_orm(column_type = "Text")]
    pub vevents: String,
    /// The time zone the text refers to by TZID, `None` for all-day events...
    pub zone: Option<String>,
    /// ...and the years its VTIMEZONE must cover.
    pub zone_from: Option<i32>,
    pub zone_to: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::event::Entity",
        from = "Column::EventId",
        to = "super::event::Column::Id",
        on_delete = "Cascade"
    )]
    Event,
}

impl Related<super::event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
