//! Reading answers: the counts an event page shows, a member's own answer, the attendee list,
//! what a member is going to, and the owner of a personal feed address.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::rsvp::{self, Response};
use entity::{event, user};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The numbers an event page shows for one event or date.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub going: u64,
    pub waiting: u64,
    pub apologies: u64,
    /// Going and staying for the extra (lunch).
    pub extra: u64,
}

impl Counts {
    /// The counts of these answers.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a rsvp::Model>) -> Counts {
        let mut counts = Counts::default();
        for r in rows {
            match r.response {
                Response::Going => {
                    counts.going += 1;
                    counts.extra += u64::from(r.extra);
                }
                Response::Waiting => counts.waiting += 1,
                Response::Apologies => counts.apologies += 1,
            }
        }
        counts
    }
}

pub async fn counts(
    db: &impl ConnectionTrait,
    event_id: i64,
    key: &str,
) -> Result<Counts, sea_orm::DbErr> {
    let rows: Vec<(Response, bool, i64)> = rsvp::Entity::find()
        .select_only()
        .column(rsvp::Column::Response)
        .column(rsvp::Column::Extra)
        .column_as(Expr::col(rsvp::Column::Id).count(), "n")
        .filter(rsvp::Column::EventId.eq(event_id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .group_by(rsvp::Column::Response)
        .group_by(rsvp::Column::Extra)
        .into_tuple()
        .all(db)
        .await?;
    let mut counts = Counts::default();
    for (response, extra, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        match response {
            Response::Going => {
                counts.going += n;
                if extra {
                    counts.extra += n;
                }
            }
            Response::Waiting => counts.waiting += n,
            Response::Apologies => counts.apologies += n,
        }
    }
    Ok(counts)
}

/// How many are going to one event or date.
pub async fn going_count(
    db: &impl ConnectionTrait,
    event_id: i64,
    key: &str,
) -> Result<u64, sea_orm::DbErr> {
    rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(event_id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .filter(rsvp::Column::Response.eq(Response::Going))
        .count(db)
        .await
}

/// A member's own answer for one event or date.
pub async fn answer_of(
    db: &impl ConnectionTrait,
    event_id: i64,
    key: &str,
    user_id: i64,
) -> Result<Option<rsvp::Model>, sea_orm::DbErr> {
    rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(event_id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .filter(rsvp::Column::UserId.eq(user_id))
        .one(db)
        .await
}

/// Where a waiting answer stands in line: 1 is next.
pub async fn position(db: &impl ConnectionTrait, row: &rsvp::Model) -> Result<u64, sea_orm::DbErr> {
    let ahead = rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(row.event_id))
        .filter(rsvp::Column::Occurrence.eq(row.occurrence.as_str()))
        .filter(rsvp::Column::Response.eq(Response::Waiting))
        .filter(
            rsvp::Column::QueuedAt
                .lt(row.queued_at)
                .or(rsvp::Column::QueuedAt
                    .eq(row.queued_at)
                    .and(rsvp::Column::Id.lt(row.id))),
        )
        .count(db)
        .await?;
    Ok(ahead + 1)
}

/// Every answer for one event or date, going first, then the waiting list in order, then
/// apologies; with the members who gave them.
pub async fn attendees(
    db: &impl ConnectionTrait,
    event_id: i64,
    key: &str,
) -> Result<Vec<(rsvp::Model, Option<user::Model>)>, sea_orm::DbErr> {
    let rows = rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(event_id))
        .filter(rsvp::Column::Occurrence.eq(key))
        .order_by_asc(rsvp::Column::QueuedAt)
        .order_by_asc(rsvp::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    let mut people: HashMap<i64, user::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let mut out: Vec<(rsvp::Model, Option<user::Model>)> = rows
        .into_iter()
        .map(|r| {
            let person = r.user_id.and_then(|id| people.remove(&id));
            (r, person)
        })
        .collect();
    out.sort_by_key(|(r, _)| match r.response {
        Response::Going => 0,
        Response::Waiting => 1,
        Response::Apologies => 2,
    });
    Ok(out)
}

/// What a member has answered Going to, or is waiting for, whose event has not ended (with
/// `since`, also those that ended after it: the personal feed keeps some history).
pub async fn attending(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<(rsvp::Model, event::Model)>, sea_orm::DbErr> {
    let rows = rsvp::Entity::find()
        .filter(rsvp::Column::UserId.eq(user_id))
        .filter(rsvp::Column::Response.is_in([Response::Going, Response::Waiting]))
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.event_id).collect();
    let events: HashMap<i64, event::Model> = event::Entity::find()
        .filter(event::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|r| events.get(&r.event_id).cloned().map(|e| (r, e)))
        .collect())
}

/// The member whose personal feed this secret opens, if the account is active.
pub async fn feed_owner(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::CalendarToken.eq(token))
        .one(db)
        .await?
        .filter(|u| !u.disabled))
}

/// The latest change to a member's answers (for their feed's Last-Modified).
pub fn latest_change(rows: &[(rsvp::Model, event::Model)]) -> Option<DateTime<Utc>> {
    rows.iter()
        .map(|(r, e)| std::cmp::Ord::max(r.updated_at, e.updated_at))
        .max()
}
