//! Reading the register, each page in a fixed number of queries.

use std::collections::HashMap;

use entity::organisation;
use entity::{action_owner, meeting_attendance, rsvp, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect,
};

pub async fn find(db: &DatabaseConnection, id: i64) -> Result<Option<organisation::Model>, DbErr> {
    organisation::Entity::find_by_id(id).one(db).await
}

/// Every entry that is not a merged duplicate, by name.
pub async fn current(db: &DatabaseConnection) -> Result<Vec<organisation::Model>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::MergedIntoId.is_null())
        .order_by_asc(organisation::Column::NameKey)
        .all(db)
        .await
}

/// What the open data holds: every sorted entry, merged ones too (their ids were published
/// and still lead somewhere), by id.
pub async fn published(db: &DatabaseConnection) -> Result<Vec<organisation::Model>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::Kind.is_not_null())
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await
}

/// The names members are offered as they type (sorted entries only).
pub async fn names(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Name)
        .filter(organisation::Column::MergedIntoId.is_null())
        .filter(organisation::Column::Kind.is_not_null())
        .order_by_asc(organisation::Column::NameKey)
        .into_tuple()
        .all(db)
        .await
}

/// How many records point at each entry.
#[derive(Debug, Default, Clone, Copy)]
pub struct Uses {
    /// Active members whose profile names it.
    pub members: u64,
    /// Of those, the ones who let others see them on lists: the count shown to everyone
    /// (counting the others would tell who they work for).
    pub listed: u64,
    /// Lines of meeting attendance and apologies.
    pub attendance: u64,
    /// Guests' answers to events.
    pub guests: u64,
    /// Actions it owns.
    pub actions: u64,
}

impl Uses {
    pub fn total(&self) -> u64 {
        self.members + self.attendance + self.guests + self.actions
    }
}

#[derive(FromQueryResult)]
struct Count {
    id: Option<i64>,
    n: i64,
}

#[derive(FromQueryResult)]
struct MemberCount {
    id: Option<i64>,
    n: i64,
    listed: Option<i64>,
}

/// Uses of the given entries (all of them when `only` is `None`): four grouped counts.
pub async fn uses(db: &DatabaseConnection, only: Option<i64>) -> Result<HashMap<i64, Uses>, DbErr> {
    let mut out: HashMap<i64, Uses> = HashMap::new();
    let mut members = user::Entity::find()
        .select_only()
        .column_as(user::Column::OrganisationId, "id")
        .column_as(user::Column::Id.count(), "n")
        .column_as(
            Expr::cust("SUM(CASE WHEN \"user\".\"listed_publicly\" THEN 1 ELSE 0 END)"),
            "listed",
        )
        .filter(user::Column::OrganisationId.is_not_null())
        .filter(user::Column::Disabled.eq(false))
        .group_by(user::Column::OrganisationId);
    let mut attendance = meeting_attendance::Entity::find()
        .select_only()
        .column_as(meeting_attendance::Column::OrganisationId, "id")
        .column_as(meeting_attendance::Column::Id.count(), "n")
        .filter(meeting_attendance::Column::OrganisationId.is_not_null())
        .group_by(meeting_attendance::Column::OrganisationId);
    let mut guests = rsvp::Entity::find()
        .select_only()
        .column_as(rsvp::Column::GuestOrganisationId, "id")
        .column_as(rsvp::Column::Id.count(), "n")
        .filter(rsvp::Column::GuestOrganisationId.is_not_null())
        .group_by(rsvp::Column::GuestOrganisationId);
    let mut actions = action_owner::Entity::find()
        .select_only()
        .column_as(action_owner::Column::OrganisationId, "id")
        .column_as(action_owner::Column::Id.count(), "n")
        .filter(action_owner::Column::OrganisationId.is_not_null())
        .group_by(action_owner::Column::OrganisationId);
    if let Some(id) = only {
        actions = actions.filter(action_owner::Column::OrganisationId.eq(id));
        members = members.filter(user::Column::OrganisationId.eq(id));
        attendance = attendance.filter(meeting_attendance::Column::OrganisationId.eq(id));
        guests = guests.filter(rsvp::Column::GuestOrganisationId.eq(id));
    }
    for c in members.into_model::<MemberCount>().all(db).await? {
        if let Some(id) = c.id {
            let uses = out.entry(id).or_default();
            uses.members = c.n as u64;
            uses.listed = c.listed.unwrap_or(0) as u64;
        }
    }
    for c in attendance.into_model::<Count>().all(db).await? {
        if let Some(id) = c.id {
            out.entry(id).or_default().attendance = c.n as u64;
        }
    }
    for c in guests.into_model::<Count>().all(db).await? {
        if let Some(id) = c.id {
            out.entry(id).or_default().guests = c.n as u64;
        }
    }
    for c in actions.into_model::<Count>().all(db).await? {
        if let Some(id) = c.id {
            out.entry(id).or_default().actions = c.n as u64;
        }
    }
    Ok(out)
}

/// The duplicates merged into this entry.
pub async fn merged_into(
    db: &DatabaseConnection,
    id: i64,
) -> Result<Vec<organisation::Model>, DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::MergedIntoId.eq(id))
        .order_by_asc(organisation::Column::NameKey)
        .all(db)
        .await
}
