//! Reading meetings: one meeting and its neighbours, the agenda, updates, attendance, minutes'
//! amendments, actions with their owners and progress, "Matters arising", and the tracker.
//! Each list is one query, so a page costs the same whatever its size.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::meeting_action::{self, ActionStatus};
use entity::{
    action_note, action_owner, agenda_item, meeting, meeting_attendance, meeting_update,
    minutes_amendment, user,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub async fn find(db: &impl ConnectionTrait, slug: &str) -> Result<Option<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .filter(meeting::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The meeting before this one (by date).
pub async fn previous(
    db: &impl ConnectionTrait,
    m: &meeting::Model,
) -> Result<Option<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .filter(
            Condition::any()
                .add(meeting::Column::StartsAt.lt(m.starts_at))
                .add(
                    Condition::all()
                        .add(meeting::Column::StartsAt.eq(m.starts_at))
                        .add(meeting::Column::Id.lt(m.id)),
                ),
        )
        .order_by_desc(meeting::Column::StartsAt)
        .order_by_desc(meeting::Column::Id)
        .one(db)
        .await
}

/// The meeting after this one (by date).
pub async fn next(
    db: &impl ConnectionTrait,
    m: &meeting::Model,
) -> Result<Option<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .filter(
            Condition::any()
                .add(meeting::Column::StartsAt.gt(m.starts_at))
                .add(
                    Condition::all()
                        .add(meeting::Column::StartsAt.eq(m.starts_at))
                        .add(meeting::Column::Id.gt(m.id)),
                ),
        )
        .order_by_asc(meeting::Column::StartsAt)
        .order_by_asc(meeting::Column::Id)
        .one(db)
        .await
}

/// Every meeting, latest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .order_by_desc(meeting::Column::StartsAt)
        .order_by_desc(meeting::Column::Id)
        .all(db)
        .await
}

/// A page of meetings, latest first, before `before` (starts at, id): the API's list.
pub async fn page_before(
    db: &impl ConnectionTrait,
    before: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<(Vec<meeting::Model>, bool), DbErr> {
    let mut q = meeting::Entity::find();
    if let Some((at, id)) = before {
        q = q.filter(crate::db::before_cursor(
            meeting::Column::StartsAt,
            meeting::Column::Id,
            at,
            id,
        ));
    }
    let mut rows = q
        .order_by_desc(meeting::Column::StartsAt)
        .order_by_desc(meeting::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The latest meetings that have begun by `now`, latest first (the secretary's report counts
/// from the last one).
pub async fn held_before(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .filter(meeting::Column::StartsAt.lte(now))
        .order_by_desc(meeting::Column::StartsAt)
        .order_by_desc(meeting::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// The meeting for an event (or one date of a series), if there is one.
pub async fn for_event(
    db: &impl ConnectionTrait,
    event_id: i64,
    occurrence: &str,
) -> Result<Option<meeting::Model>, DbErr> {
    meeting::Entity::find()
        .filter(meeting::Column::EventId.eq(event_id))
        .filter(meeting::Column::Occurrence.eq(occurrence))
        .one(db)
        .await
}

pub async fn items(
    db: &impl ConnectionTrait,
    meeting_id: i64,
) -> Result<Vec<agenda_item::Model>, DbErr> {
    agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(meeting_id))
        .order_by_asc(agenda_item::Column::Position)
        .order_by_asc(agenda_item::Column::Id)
        .all(db)
        .await
}

pub async fn updates(
    db: &impl ConnectionTrait,
    meeting_id: i64,
) -> Result<Vec<meeting_update::Model>, DbErr> {
    meeting_update::Entity::find()
        .filter(meeting_update::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_update::Column::CreatedAt)
        .order_by_asc(meeting_update::Column::Id)
        .all(db)
        .await
}

pub async fn attendance(
    db: &impl ConnectionTrait,
    meeting_id: i64,
) -> Result<Vec<meeting_attendance::Model>, DbErr> {
    meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_attendance::Column::Name)
        .order_by_asc(meeting_attendance::Column::Id)
        .all(db)
        .await
}

pub async fn amendments(
    db: &impl ConnectionTrait,
    meeting_id: i64,
) -> Result<Vec<minutes_amendment::Model>, DbErr> {
    minutes_amendment::Entity::find()
        .filter(minutes_amendment::Column::MeetingId.eq(meeting_id))
        .order_by_asc(minutes_amendment::Column::At)
        .order_by_asc(minutes_amendment::Column::Id)
        .all(db)
        .await
}

/// The actions a meeting raised, in the order they were raised.
pub async fn raised_at(
    db: &impl ConnectionTrait,
    meeting_id: i64,
) -> Result<Vec<meeting_action::Model>, DbErr> {
    meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.eq(meeting_id))
        .order_by_asc(meeting_action::Column::Id)
        .all(db)
        .await
}

/// What a meeting goes through under "Matters arising".
pub struct MattersArising {
    /// Raised at an earlier meeting and still open when this one started (or closed at it).
    pub carried: Vec<meeting_action::Model>,
    /// Closed since the previous meeting, between meetings (those closed at it were reported
    /// there).
    pub closed_since: Vec<meeting_action::Model>,
}

pub async fn matters_arising(
    db: &impl ConnectionTrait,
    m: &meeting::Model,
    previous: Option<&meeting::Model>,
) -> Result<MattersArising, DbErr> {
    let earlier: Vec<i64> = meeting::Entity::find()
        .select_only()
        .column(meeting::Column::Id)
        .filter(meeting::Column::StartsAt.lt(m.starts_at))
        .into_tuple()
        .all(db)
        .await?;
    if earlier.is_empty() {
        return Ok(MattersArising {
            carried: Vec::new(),
            closed_since: Vec::new(),
        });
    }
    let since = previous.map(|p| p.starts_at);
    let mut open_then = Condition::any()
        .add(meeting_action::Column::ClosedAt.is_null())
        .add(meeting_action::Column::ClosedAt.gte(m.starts_at));
    // Closed after the previous meeting began: an action closed *at* that meeting is dated
    // to its start and was reported there, so it is not repeated here.
    if let Some(since) = since {
        open_then = open_then.add(meeting_action::Column::ClosedAt.gt(since));
    }
    let rows = meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.is_in(earlier))
        .filter(open_then)
        .order_by_asc(meeting_action::Column::Id)
        .all(db)
        .await?;
    let (carried, closed_since) = rows.into_iter().partition(|a| match a.closed_at {
        None => true,
        Some(at) => at >= m.starts_at,
    });
    Ok(MattersArising {
        carried,
        closed_since,
    })
}

pub async fn owners_of(
    db: &impl ConnectionTrait,
    action_ids: &[i64],
) -> Result<Vec<action_owner::Model>, DbErr> {
    if action_ids.is_empty() {
        return Ok(Vec::new());
    }
    action_owner::Entity::find()
        .filter(action_owner::Column::ActionId.is_in(action_ids.iter().copied()))
        .order_by_asc(action_owner::Column::ActionId)
        .order_by_asc(action_owner::Column::Position)
        .all(db)
        .await
}

pub async fn notes_of(
    db: &impl ConnectionTrait,
    action_ids: &[i64],
) -> Result<Vec<action_note::Model>, DbErr> {
    if action_ids.is_empty() {
        return Ok(Vec::new());
    }
    action_note::Entity::find()
        .filter(action_note::Column::ActionId.is_in(action_ids.iter().copied()))
        .order_by_asc(action_note::Column::At)
        .order_by_asc(action_note::Column::Id)
        .all(db)
        .await
}

pub async fn users_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, user::Model>, DbErr> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

pub async fn meetings_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, meeting::Model>, DbErr> {
    let ids: HashSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect())
}

/// Active members, by name: the choices for officers.
pub async fn members(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Disabled.eq(false))
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await
}

/// What the tracker is asked for.
#[derive(Debug, Clone, Default)]
pub struct TrackerFilter {
    /// Open (open or in progress), closed (done or dropped), one status, or all.
    pub status: StatusFilter,
    pub owner_id: Option<i64>,
    pub overdue_on: Option<NaiveDate>,
    pub meeting_id: Option<i64>,
    /// Only the actions of minutes everyone may read (for visitors and the API).
    pub public_only: bool,
    /// Only actions recorded before this one (created at, id): the API's cursor.
    pub before: Option<(DateTime<Utc>, i64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatusFilter {
    #[default]
    Open,
    Closed,
    All,
    Only(ActionStatus),
}

/// The tracker's rows: at most `limit`, latest first.
pub async fn tracker(
    db: &impl ConnectionTrait,
    filter: &TrackerFilter,
    limit: u64,
) -> Result<Vec<meeting_action::Model>, DbErr> {
    let mut q = meeting_action::Entity::find();
    q = match filter.status {
        StatusFilter::Open => q.filter(
            meeting_action::Column::Status.is_in([ActionStatus::Open, ActionStatus::InProgress]),
        ),
        StatusFilter::Closed => q.filter(
            meeting_action::Column::Status.is_in([ActionStatus::Done, ActionStatus::Dropped]),
        ),
        StatusFilter::All => q,
        StatusFilter::Only(s) => q.filter(meeting_action::Column::Status.eq(s)),
    };
    if let Some(owner) = filter.owner_id {
        let mine: Vec<i64> = action_owner::Entity::find()
            .select_only()
            .column(action_owner::Column::ActionId)
            .filter(action_owner::Column::UserId.eq(owner))
            .into_tuple()
            .all(db)
            .await?;
        q = q.filter(meeting_action::Column::Id.is_in(mine));
    }
    if let Some(today) = filter.overdue_on {
        q = q.filter(meeting_action::Column::DueOn.lt(today)).filter(
            meeting_action::Column::Status.is_in([ActionStatus::Open, ActionStatus::InProgress]),
        );
    }
    if let Some(meeting_id) = filter.meeting_id {
        q = q.filter(meeting_action::Column::MeetingId.eq(meeting_id));
    }
    if filter.public_only {
        q = q.filter(
            meeting_action::Column::MeetingId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(meeting::Column::Id)
                    .from(meeting::Entity)
                    .and_where(
                        meeting::Column::MinutesStatus
                            .is_in(crate::meetings::policy::PUBLIC_MINUTES),
                    )
                    .to_owned(),
            ),
        );
    }
    if let Some((at, id)) = filter.before {
        q = q.filter(crate::db::before_cursor(
            meeting_action::Column::CreatedAt,
            meeting_action::Column::Id,
            at,
            id,
        ));
    }
    q.order_by_desc(meeting_action::Column::CreatedAt)
        .order_by_desc(meeting_action::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// How many open actions a member owns, for "My events".
pub async fn open_count_of(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    let mine: Vec<i64> = action_owner::Entity::find()
        .select_only()
        .column(action_owner::Column::ActionId)
        .filter(action_owner::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    if mine.is_empty() {
        return Ok(0);
    }
    meeting_action::Entity::find()
        .filter(meeting_action::Column::Id.is_in(mine))
        .filter(
            meeting_action::Column::Status.is_in([ActionStatus::Open, ActionStatus::InProgress]),
        )
        .count(db)
        .await
}
