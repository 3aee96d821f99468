//! A member's answer to an event, or to one date of a series: going, waiting for a place, or
//! their apologies; or a guest without an account, added by an organiser.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rsvp")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: i64,
    /// `""` for a one-off event; for a date of a series, the date it was planned for
    /// (`YYYY-MM-DD` in the organiser's zone), as in the address of its page.
    pub occurrence: String,
    /// The member; empty for a guest, and once a member has erased their history.
    pub user_id: Option<i64>,
    pub guest_name: Option<String>,
    pub guest_organisation: Option<String>,
    /// The register's entry for `guest_organisation`.
    pub guest_organisation_id: Option<i64>,
    pub guest_email: Option<String>,
    /// The organiser who added a guest.
    pub added_by: Option<i64>,
    pub response: Response,
    /// Staying for the extra the event offers (lunch, unless it says otherwise).
    pub extra: bool,
    /// Dietary or access needs: only organisers and admins see it, erased a while after the
    /// event.
    pub note: Option<String>,
    /// When they asked for a place: the order of the waiting list (then `id`).
    pub queued_at: DateTimeUtc,
    /// Ticked at the door.
    pub checked_in_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Response {
    #[sea_orm(string_value = "going")]
    Going,
    /// Asked to go when it was full: in line for the next place.
    #[sea_orm(string_value = "waiting")]
    Waiting,
    /// Can't come: their apologies for that date.
    #[sea_orm(string_value = "apologies")]
    Apologies,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
