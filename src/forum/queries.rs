//! Reading the forum: categories with their counts, a category's threads a page at a time
//! (pinned first, then by latest activity), a thread's posts a page at a time, and what a
//! member has read. Each list is one query, whatever its length.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{forum_category, forum_post, forum_post_version, forum_reader, forum_thread, user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub async fn categories(db: &impl ConnectionTrait) -> Result<Vec<forum_category::Model>, DbErr> {
    forum_category::Entity::find()
        .order_by_asc(forum_category::Column::Position)
        .order_by_asc(forum_category::Column::Id)
        .all(db)
        .await
}

pub async fn category(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<forum_category::Model>, DbErr> {
    forum_category::Entity::find()
        .filter(forum_category::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Per category: visible threads, their standing posts, and the latest activity.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    pub threads: i64,
    pub posts: i64,
    pub latest: Option<DateTime<Utc>>,
}

/// A category's row of [`totals`]: id, threads, posts, latest activity.
type TotalsRow = (i64, i64, Option<i64>, Option<DateTime<Utc>>);

pub async fn totals(db: &impl ConnectionTrait) -> Result<HashMap<i64, Totals>, DbErr> {
    let rows: Vec<TotalsRow> = forum_thread::Entity::find()
        .select_only()
        .column(forum_thread::Column::CategoryId)
        .column_as(forum_thread::Column::Id.count(), "threads")
        .column_as(
            Expr::cust("CAST(SUM(forum_thread.post_count) AS BIGINT)"),
            "posts",
        )
        .column_as(forum_thread::Column::LastPostAt.max(), "latest")
        .filter(forum_thread::Column::HiddenAt.is_null())
        .group_by(forum_thread::Column::CategoryId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, threads, posts, latest)| {
            (
                id,
                Totals {
                    threads,
                    posts: posts.unwrap_or_default(),
                    latest,
                },
            )
        })
        .collect())
}

/// One page of a category's threads (hidden ones only for admins), and whether more follow.
pub async fn threads(
    db: &impl ConnectionTrait,
    category_id: i64,
    with_hidden: bool,
    page: u64,
    per_page: u64,
) -> Result<(Vec<forum_thread::Model>, bool), DbErr> {
    let mut q =
        forum_thread::Entity::find().filter(forum_thread::Column::CategoryId.eq(category_id));
    if !with_hidden {
        q = q.filter(forum_thread::Column::HiddenAt.is_null());
    }
    let mut rows = q
        .order_by_desc(forum_thread::Column::Pinned)
        .order_by_desc(forum_thread::Column::LastPostAt)
        .order_by_desc(forum_thread::Column::Id)
        .offset(page.saturating_sub(1) * per_page)
        .limit(per_page + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > per_page;
    rows.truncate(per_page as usize);
    Ok((rows, more))
}

/// A page of visible threads, latest activity first, before `before` (last post at, id), in
/// one category or all: the API's list. Whether more follow.
pub async fn visible_threads_before(
    db: &impl ConnectionTrait,
    category_id: Option<i64>,
    before: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<(Vec<forum_thread::Model>, bool), DbErr> {
    let mut q = forum_thread::Entity::find().filter(forum_thread::Column::HiddenAt.is_null());
    if let Some(id) = category_id {
        q = q.filter(forum_thread::Column::CategoryId.eq(id));
    }
    if let Some((at, id)) = before {
        q = q.filter(crate::db::before_cursor(
            forum_thread::Column::LastPostAt,
            forum_thread::Column::Id,
            at,
            id,
        ));
    }
    let mut rows = q
        .order_by_desc(forum_thread::Column::LastPostAt)
        .order_by_desc(forum_thread::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((rows, more))
}

/// The threads with the latest activity anywhere (not hidden), for the home page.
pub async fn latest_threads(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<forum_thread::Model>, DbErr> {
    forum_thread::Entity::find()
        .filter(forum_thread::Column::HiddenAt.is_null())
        .order_by_desc(forum_thread::Column::LastPostAt)
        .order_by_desc(forum_thread::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

pub async fn thread(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<forum_thread::Model>, DbErr> {
    forum_thread::Entity::find_by_id(id).one(db).await
}

/// The threads with these ids, in one query.
pub async fn threads_by_ids(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, forum_thread::Model>, DbErr> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(forum_thread::Entity::find()
        .filter(forum_thread::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

pub async fn post(db: &impl ConnectionTrait, id: i64) -> Result<Option<forum_post::Model>, DbErr> {
    forum_post::Entity::find_by_id(id).one(db).await
}

/// How many places a thread has (deleted and hidden posts keep theirs).
pub async fn places(db: &impl ConnectionTrait, thread_id: i64) -> Result<u64, DbErr> {
    forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread_id))
        .count(db)
        .await
}

/// Where a post is in its thread: how many posts come before it.
pub async fn place_of(db: &impl ConnectionTrait, post: &forum_post::Model) -> Result<u64, DbErr> {
    forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(post.thread_id))
        .filter(forum_post::Column::Id.lt(post.id))
        .count(db)
        .await
}

pub async fn posts(
    db: &impl ConnectionTrait,
    thread_id: i64,
    offset: u64,
    limit: u64,
) -> Result<Vec<forum_post::Model>, DbErr> {
    forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread_id))
        .order_by_asc(forum_post::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// The texts posts had before their edits, oldest first, by post.
pub async fn versions(
    db: &impl ConnectionTrait,
    post_ids: &[i64],
) -> Result<HashMap<i64, Vec<forum_post_version::Model>>, DbErr> {
    let mut out: HashMap<i64, Vec<forum_post_version::Model>> = HashMap::new();
    if post_ids.is_empty() {
        return Ok(out);
    }
    for v in forum_post_version::Entity::find()
        .filter(forum_post_version::Column::PostId.is_in(post_ids.iter().copied()))
        .order_by_asc(forum_post_version::Column::Id)
        .all(db)
        .await?
    {
        out.entry(v.post_id).or_default().push(v);
    }
    Ok(out)
}

/// People's display names by account.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, DbErr> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// What `user_id` has read of these threads.
pub async fn readers(
    db: &impl ConnectionTrait,
    user_id: i64,
    thread_ids: &[i64],
) -> Result<HashMap<i64, forum_reader::Model>, DbErr> {
    if thread_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(forum_reader::Entity::find()
        .filter(forum_reader::Column::UserId.eq(user_id))
        .filter(forum_reader::Column::ThreadId.is_in(thread_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.thread_id, r))
        .collect())
}

/// Which standing post of each thread: its first or its newest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    First,
    Newest,
}

/// The first or the newest standing (neither hidden nor deleted) post of each thread, in
/// one query.
pub async fn end_posts(
    db: &impl ConnectionTrait,
    thread_ids: &[i64],
    end: End,
) -> Result<HashMap<i64, i64>, DbErr> {
    if thread_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let post = match end {
        End::First => forum_post::Column::Id.min(),
        End::Newest => forum_post::Column::Id.max(),
    };
    let rows: Vec<(i64, Option<i64>)> = forum_post::Entity::find()
        .select_only()
        .column(forum_post::Column::ThreadId)
        .column_as(post, "post")
        .filter(forum_post::Column::ThreadId.is_in(thread_ids.iter().copied()))
        .filter(forum_post::Column::DeletedAt.is_null())
        .filter(forum_post::Column::HiddenAt.is_null())
        .group_by(forum_post::Column::ThreadId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(thread, post)| Some((thread, post?)))
        .collect())
}

/// One line of the forum's latest activity: the thread, its category, the time of its latest
/// post.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Activity {
    pub title: String,
    pub href: String,
    pub category: String,
    /// Posts that stand (not deleted or hidden), the opening one included.
    pub posts: i32,
    pub last_post: String,
    pub last_post_iso: String,
}

/// The threads with the latest posts (not hidden), for the home page.
pub async fn activity(
    db: &impl ConnectionTrait,
    limit: u64,
    tz: chrono_tz::Tz,
) -> Result<Vec<Activity>, DbErr> {
    let threads = latest_threads(db, limit).await?;
    let categories: HashMap<i64, forum_category::Model> = categories(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(threads
        .iter()
        .filter_map(|t| {
            let c = categories.get(&t.category_id)?;
            Some(Activity {
                title: t.title.clone(),
                href: crate::forum::routes::thread_href(c, t),
                category: c.name.clone(),
                posts: t.post_count,
                last_post: crate::web::format::date_time(t.last_post_at, tz),
                last_post_iso: crate::web::format::iso(t.last_post_at),
            })
        })
        .collect())
}
