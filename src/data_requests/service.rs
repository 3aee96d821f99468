//! The rules of dataset requests as writes: asking, correcting, voting and withdrawing, and
//! admins recording where a request stands. Each is one transaction. A vote is a row keyed
//! by (request, member), so a second vote, even at the same moment, adds nothing; the
//! request's count changes by one in the same transaction, only when a row was added or
//! removed.

use chrono::{DateTime, Utc};
use entity::dataset_request::{self, RequestStatus};
use entity::{dataset_request_change, dataset_request_vote, user};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QuerySelect, Select, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::data_requests::forms::{RequestInput, StatusInput};
use crate::data_requests::policy;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};

/// On PostgreSQL a request is read for a change under its row lock, so a change of status
/// and a vote do not cross; SQLite's write transactions already run one at a time.
fn locked(
    db: &impl ConnectionTrait,
    q: Select<dataset_request::Entity>,
) -> Select<dataset_request::Entity> {
    if db.get_database_backend() == DbBackend::Postgres {
        q.lock_exclusive()
    } else {
        q
    }
}

async fn find_locked(db: &impl ConnectionTrait, id: i64) -> AppResult<dataset_request::Model> {
    locked(db, dataset_request::Entity::find_by_id(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// How long the same request from the same member is taken as a double click.
const DOUBLE_SUBMIT: chrono::Duration = chrono::Duration::minutes(2);

/// A member asks for a dataset. Their request starts with their own vote. The same title and
/// holder from them again within two minutes (a double click) is the same request.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: RequestInput,
    now: DateTime<Utc>,
) -> AppResult<dataset_request::Model> {
    if !policy::can_request(Some(actor)) {
        return Err(AppError::Unauthorized);
    }
    let txn = begin_write(db).await?;
    // On PostgreSQL the member's row is locked, so two clicks' transactions run one after
    // the other and the second finds the first's request.
    if txn.get_database_backend() == DbBackend::Postgres {
        user::Entity::find_by_id(actor.id)
            .lock_exclusive()
            .one(&txn)
            .await?;
    }
    if let Some(same) = dataset_request::Entity::find()
        .filter(dataset_request::Column::AuthorId.eq(actor.id))
        .filter(dataset_request::Column::Title.eq(&input.title))
        .filter(dataset_request::Column::Holder.eq(&input.holder))
        .filter(dataset_request::Column::CreatedAt.gt(now - DOUBLE_SUBMIT))
        .one(&txn)
        .await?
    {
        return Ok(same);
    }
    let request = dataset_request::ActiveModel {
        title: Set(input.title),
        holder: Set(input.holder),
        description: Set(input.description),
        reason: Set(input.reason),
        links: Set(input.links.join("\n")),
        status: Set(RequestStatus::Requested),
        outcome_link: Set(None),
        outcome_note: Set(None),
        votes: Set(1),
        author_id: Set(Some(actor.id)),
        created_at: Set(now),
        updated_at: Set(now),
        status_changed_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    dataset_request_vote::ActiveModel {
        request_id: Set(request.id),
        user_id: Set(actor.id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    dataset_request_change::ActiveModel {
        request_id: Set(request.id),
        status: Set(RequestStatus::Requested),
        note: Set(None),
        link: Set(None),
        actor_id: Set(Some(actor.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "data_request.create",
            target_type: "dataset_request",
            target_id: Some(request.id.to_string()),
            detail: Some(format!("{} ({})", request.title, request.holder)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(request)
}

/// The author (while nobody has taken it up) or an admin corrects a request.
pub async fn edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: RequestInput,
    now: DateTime<Utc>,
) -> AppResult<dataset_request::Model> {
    let txn = begin_write(db).await?;
    let request = find_locked(&txn, id).await?;
    policy::ensure_can_edit(actor, &request)?;
    let mut active: dataset_request::ActiveModel = request.into();
    active.title = Set(input.title);
    active.holder = Set(input.holder);
    active.description = Set(input.description);
    active.reason = Set(input.reason);
    active.links = Set(input.links.join("\n"));
    active.updated_at = Set(now);
    let request = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "data_request.edit",
            target_type: "dataset_request",
            target_id: Some(request.id.to_string()),
            detail: Some(request.title.clone()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(request)
}

/// A member's vote. `Ok(false)` when they had already voted: nothing changes.
pub async fn vote(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let txn = begin_write(db).await?;
    let request = find_locked(&txn, id).await?;
    policy::ensure_can_vote(actor, &request)?;
    let added = dataset_request_vote::Entity::insert(dataset_request_vote::ActiveModel {
        request_id: Set(request.id),
        user_id: Set(actor.id),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            dataset_request_vote::Column::RequestId,
            dataset_request_vote::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if added == 1 {
        count(&txn, request.id, 1).await?;
    }
    txn.commit().await?;
    Ok(added == 1)
}

/// A member withdraws their vote. `Ok(false)` when they had none.
pub async fn withdraw(db: &DatabaseConnection, actor: &Actor, id: i64) -> AppResult<bool> {
    let txn = begin_write(db).await?;
    let request = find_locked(&txn, id).await?;
    policy::ensure_can_vote(actor, &request)?;
    let removed = dataset_request_vote::Entity::delete_many()
        .filter(dataset_request_vote::Column::RequestId.eq(request.id))
        .filter(dataset_request_vote::Column::UserId.eq(actor.id))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed == 1 {
        count(&txn, request.id, -1).await?;
    }
    txn.commit().await?;
    Ok(removed == 1)
}

/// Changes a request's count by `by`, as the row it counts was added or removed.
async fn count(db: &impl ConnectionTrait, id: i64, by: i32) -> Result<(), sea_orm::DbErr> {
    dataset_request::Entity::update_many()
        .col_expr(
            dataset_request::Column::Votes,
            Expr::col(dataset_request::Column::Votes).add(by),
        )
        .filter(dataset_request::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// An admin records where a request stands; each change is kept, visible, in its history.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: StatusInput,
    now: DateTime<Utc>,
) -> AppResult<dataset_request::Model> {
    policy::ensure_can_set_status(actor)?;
    let txn = begin_write(db).await?;
    let request = find_locked(&txn, id).await?;
    dataset_request_change::ActiveModel {
        request_id: Set(request.id),
        status: Set(input.status),
        note: Set(input.note.clone()),
        link: Set(input.link.clone()),
        actor_id: Set(Some(actor.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let from = request.status;
    let mut active: dataset_request::ActiveModel = request.into();
    active.status = Set(input.status);
    active.outcome_link = Set(input.link);
    active.outcome_note = Set(input.note);
    active.status_changed_at = Set(now);
    active.updated_at = Set(now);
    let request = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "data_request.status",
            target_type: "dataset_request",
            target_id: Some(request.id.to_string()),
            detail: Some(format!(
                "{}: {} \u{2192} {}",
                request.title,
                from.as_str(),
                input.status.as_str()
            )),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(request)
}
