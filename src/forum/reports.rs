//! Members report posts to the admins; the reports wait in `/admin/forum/reports` (counted
//! beside "Admin") until an admin hides the post, which settles them, or dismisses them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{forum_post, forum_report};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::forum::{policy, service};

/// What became of a report.
pub const HIDDEN: &str = "hidden";
pub const DISMISSED: &str = "dismissed";
/// Its author deleted the post.
pub const DELETED: &str = "deleted";

/// A member reports a post, with their reason. Reporting the same post again while the
/// first report is open changes nothing (a double click, a second try).
pub async fn report(
    db: &DatabaseConnection,
    actor: &Actor,
    post_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    let (thread, post) = service::post_in(&txn, post_id).await?;
    if !policy::can_see_thread(Some(actor), &thread) {
        return Err(AppError::NotFound);
    }
    if !policy::can_report(actor, &post) {
        // Why not, in the person's words.
        return Err(if post.author_id == Some(actor.id) {
            AppError::Conflict("This is your own post: edit or delete it instead.".into())
        } else if post.deleted_at.is_some() {
            AppError::Gone("Its author has deleted this post.".into())
        } else {
            AppError::Conflict("An admin has already hidden this post.".into())
        });
    }
    let open = forum_report::Entity::find()
        .filter(forum_report::Column::PostId.eq(post_id))
        .filter(forum_report::Column::ReporterId.eq(actor.id))
        .filter(forum_report::Column::ResolvedAt.is_null())
        .count(&txn)
        .await?;
    if open == 0 {
        forum_report::ActiveModel {
            post_id: Set(post_id),
            reporter_id: Set(Some(actor.id)),
            reason: Set(reason.to_string()),
            created_at: Set(now),
            resolved_at: Set(None),
            resolved_by: Set(None),
            outcome: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Settles the open reports on a post, in the caller's transaction (hiding or deleting the
/// post does), by whoever did that.
pub async fn settle(
    db: &impl ConnectionTrait,
    post_id: i64,
    by: &Actor,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(forum_report::Entity::update_many()
        .col_expr(forum_report::Column::ResolvedAt, Expr::value(now))
        .col_expr(forum_report::Column::ResolvedBy, Expr::value(by.id))
        .col_expr(forum_report::Column::Outcome, Expr::value(outcome))
        .filter(forum_report::Column::PostId.eq(post_id))
        .filter(forum_report::Column::ResolvedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// An admin dismisses the open reports on a post: it stays as it is.
pub async fn dismiss(
    db: &DatabaseConnection,
    actor: &Actor,
    post_id: i64,
    now: DateTime<Utc>,
) -> AppResult<()> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    let (thread, _) = service::post_in(&txn, post_id).await?;
    let settled = settle(&txn, post_id, actor, DISMISSED, now).await?;
    if settled == 0 {
        return Err(AppError::Conflict(
            "Another admin has already dealt with these reports.".into(),
        ));
    }
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "forum.report.dismiss",
            target_type: "forum_post",
            target_id: Some(post_id.to_string()),
            detail: Some(format!("in {}", thread.title)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The posts with open reports, oldest report first, with their open reports.
pub async fn open(
    db: &impl ConnectionTrait,
) -> Result<Vec<(forum_post::Model, Vec<forum_report::Model>)>, DbErr> {
    let reports = forum_report::Entity::find()
        .filter(forum_report::Column::ResolvedAt.is_null())
        .order_by_asc(forum_report::Column::Id)
        .all(db)
        .await?;
    let mut by_post: Vec<(i64, Vec<forum_report::Model>)> = Vec::new();
    for r in reports {
        match by_post.iter_mut().find(|(p, _)| *p == r.post_id) {
            Some((_, list)) => list.push(r),
            None => by_post.push((r.post_id, vec![r])),
        }
    }
    let posts: HashMap<i64, forum_post::Model> = forum_post::Entity::find()
        .filter(forum_post::Column::Id.is_in(by_post.iter().map(|(p, _)| *p)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(by_post
        .into_iter()
        .filter_map(|(id, list)| posts.get(&id).cloned().map(|p| (p, list)))
        .collect())
}

/// Posts with open reports: counted beside "Admin".
pub struct ReportCount;

async fn open_posts(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let n: Option<i64> = forum_report::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(DISTINCT forum_report.post_id)"), "posts")
        .filter(forum_report::Column::ResolvedAt.is_null())
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or_default().max(0) as u64)
}

impl crate::web::page::WaitingCount for ReportCount {
    fn count<'a>(
        &'a self,
        db: &'a DatabaseConnection,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(open_posts(db))
    }

    fn label(&self) -> &'static str {
        "Reported forum posts"
    }

    fn href(&self) -> &'static str {
        "/admin/forum/reports"
    }
}

/// New members' posts waiting for approval (`forum_hold_first_posts`), oldest first.
pub async fn held(db: &impl ConnectionTrait) -> Result<Vec<forum_post::Model>, DbErr> {
    forum_post::Entity::find()
        .filter(forum_post::Column::Held.eq(true))
        .filter(forum_post::Column::DeletedAt.is_null())
        .order_by_asc(forum_post::Column::Id)
        .all(db)
        .await
}

/// The admins' count of posts waiting for approval.
pub struct HeldCount;

impl crate::web::page::WaitingCount for HeldCount {
    fn count<'a>(
        &'a self,
        db: &'a DatabaseConnection,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, DbErr>> {
        Box::pin(async move {
            forum_post::Entity::find()
                .filter(forum_post::Column::Held.eq(true))
                .filter(forum_post::Column::DeletedAt.is_null())
                .count(db)
                .await
        })
    }

    fn label(&self) -> &'static str {
        "Forum posts waiting for approval"
    }

    fn href(&self) -> &'static str {
        "/admin/forum/reports#held"
    }
}
