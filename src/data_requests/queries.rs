//! Reading dataset requests: the list (by votes or newest, by status, paged), one request
//! with its history, and which of them a member has voted for.

use std::collections::{HashMap, HashSet};

use entity::dataset_request::{self, RequestStatus};
use entity::{dataset_request_change, dataset_request_vote, user};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Most votes first; newest first among equals.
    Votes,
    /// Newest first.
    Newest,
}

impl Sort {
    pub fn parse(text: &str) -> Option<Sort> {
        match text {
            "votes" => Some(Sort::Votes),
            "newest" => Some(Sort::Newest),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Votes => "votes",
            Sort::Newest => "newest",
        }
    }
}

/// Which requests a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Show {
    /// Requested or in discussion.
    Open,
    All,
    Only(RequestStatus),
}

impl Show {
    pub fn parse(text: &str) -> Option<Show> {
        match text {
            "open" => Some(Show::Open),
            "all" => Some(Show::All),
            other => RequestStatus::parse(other).map(Show::Only),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Show::Open => "open",
            Show::All => "all",
            Show::Only(s) => s.as_str(),
        }
    }

    fn condition(self) -> Condition {
        match self {
            Show::Open => Condition::all().add(
                dataset_request::Column::Status
                    .is_in([RequestStatus::Requested, RequestStatus::Discussing]),
            ),
            Show::All => Condition::all(),
            Show::Only(s) => Condition::all().add(dataset_request::Column::Status.eq(s)),
        }
    }
}

/// One page of requests, and how many there are in all.
pub async fn list(
    db: &impl ConnectionTrait,
    show: Show,
    sort: Sort,
    page: u64,
    per_page: u64,
) -> Result<(Vec<dataset_request::Model>, u64), DbErr> {
    let mut q = dataset_request::Entity::find().filter(show.condition());
    if sort == Sort::Votes {
        q = q.order_by_desc(dataset_request::Column::Votes);
    }
    let q = q
        .order_by_desc(dataset_request::Column::CreatedAt)
        .order_by_desc(dataset_request::Column::Id);
    let total = q.clone().count(db).await?;
    let rows = q
        .offset((page.max(1) - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A page of requests after a place in the list (the API's cursor: the last one's votes and
/// id), and whether more follow. Ordered by votes then id (most first), or by id (newest
/// first); a vote cast between two pages may move a request across the cursor.
pub async fn page_after(
    db: &impl ConnectionTrait,
    show: Show,
    sort: Sort,
    after: Option<(i32, i64)>,
    limit: u64,
) -> Result<(Vec<dataset_request::Model>, bool), DbErr> {
    use dataset_request::Column;
    let mut q = dataset_request::Entity::find().filter(show.condition());
    if let Some((votes, id)) = after {
        q = q.filter(match sort {
            Sort::Votes => Condition::any().add(Column::Votes.lt(votes)).add(
                Condition::all()
                    .add(Column::Votes.eq(votes))
                    .add(Column::Id.lt(id)),
            ),
            Sort::Newest => Condition::all().add(Column::Id.lt(id)),
        });
    }
    if sort == Sort::Votes {
        q = q.order_by_desc(Column::Votes);
    }
    let mut rows = q.order_by_desc(Column::Id).limit(limit + 1).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// Every request, most votes first (for the CSV download).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<dataset_request::Model>, DbErr> {
    dataset_request::Entity::find()
        .order_by_desc(dataset_request::Column::Votes)
        .order_by_desc(dataset_request::Column::CreatedAt)
        .order_by_desc(dataset_request::Column::Id)
        .all(db)
        .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<dataset_request::Model>, DbErr> {
    dataset_request::Entity::find_by_id(id).one(db).await
}

/// A request's history, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<dataset_request_change::Model>, DbErr> {
    dataset_request_change::Entity::find()
        .filter(dataset_request_change::Column::RequestId.eq(id))
        .order_by_asc(dataset_request_change::Column::At)
        .order_by_asc(dataset_request_change::Column::Id)
        .all(db)
        .await
}

/// Which of `ids` the member has voted for.
pub async fn voted(
    db: &impl ConnectionTrait,
    user_id: i64,
    ids: &[i64],
) -> Result<HashSet<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<i64> = dataset_request_vote::Entity::find()
        .select_only()
        .column(dataset_request_vote::Column::RequestId)
        .filter(dataset_request_vote::Column::UserId.eq(user_id))
        .filter(dataset_request_vote::Column::RequestId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The names of these people, by id.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::DisplayName])
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How many requests stand at each status.
pub async fn counts(db: &impl ConnectionTrait) -> Result<HashMap<RequestStatus, u64>, DbErr> {
    let rows: Vec<(RequestStatus, i64)> = dataset_request::Entity::find()
        .select_only()
        .column(dataset_request::Column::Status)
        .column_as(dataset_request::Column::Id.count(), "n")
        .group_by(dataset_request::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Votes cast between `from` and `to` (still standing), by request.
pub async fn votes_between(
    db: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<HashMap<i64, u64>, DbErr> {
    let rows: Vec<(i64, i64)> = dataset_request_vote::Entity::find()
        .select_only()
        .column(dataset_request_vote::Column::RequestId)
        .column_as(dataset_request_vote::Column::UserId.count(), "n")
        .filter(dataset_request_vote::Column::CreatedAt.gte(from))
        .filter(dataset_request_vote::Column::CreatedAt.lt(to))
        .group_by(dataset_request_vote::Column::RequestId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// Changes of status recorded between `from` and `to` (not the requests' first lines),
/// oldest first.
pub async fn changes_between(
    db: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<dataset_request_change::Model>, DbErr> {
    use sea_orm::sea_query::Expr;
    dataset_request_change::Entity::find()
        .filter(dataset_request_change::Column::At.gte(from))
        .filter(dataset_request_change::Column::At.lt(to))
        // The first line of each request's history is its asking, not a change.
        .filter(Expr::cust(
            "dataset_request_change.id > (SELECT MIN(c.id) FROM dataset_request_change AS c \
             WHERE c.request_id = dataset_request_change.request_id)",
        ))
        .order_by_asc(dataset_request_change::Column::At)
        .order_by_asc(dataset_request_change::Column::Id)
        .all(db)
        .await
}

/// Requests made between `from` and `to`, oldest first.
pub async fn made_between(
    db: &impl ConnectionTrait,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<dataset_request::Model>, DbErr> {
    dataset_request::Entity::find()
        .filter(dataset_request::Column::CreatedAt.gte(from))
        .filter(dataset_request::Column::CreatedAt.lt(to))
        .order_by_asc(dataset_request::Column::CreatedAt)
        .order_by_asc(dataset_request::Column::Id)
        .all(db)
        .await
}

/// These requests, by id.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, dataset_request::Model>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(dataset_request::Entity::find()
        .filter(dataset_request::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// Requests made before `to`, each with its status as it stood then (its last change before
/// `to`): the list as it was at that moment.
pub async fn as_of(
    db: &impl ConnectionTrait,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<(dataset_request::Model, RequestStatus)>, DbErr> {
    let requests = dataset_request::Entity::find()
        .filter(dataset_request::Column::CreatedAt.lt(to))
        .order_by_desc(dataset_request::Column::CreatedAt)
        .order_by_desc(dataset_request::Column::Id)
        .all(db)
        .await?;
    let changes: Vec<(i64, RequestStatus)> = dataset_request_change::Entity::find()
        .select_only()
        .columns([
            dataset_request_change::Column::RequestId,
            dataset_request_change::Column::Status,
        ])
        .filter(dataset_request_change::Column::At.lt(to))
        .order_by_asc(dataset_request_change::Column::At)
        .order_by_asc(dataset_request_change::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut then: HashMap<i64, RequestStatus> = HashMap::new();
    for (id, status) in changes {
        then.insert(id, status);
    }
    Ok(requests
        .into_iter()
        .map(|r| {
            let status = then.get(&r.id).copied().unwrap_or(RequestStatus::Requested);
            (r, status)
        })
        .collect())
}
