//! The forum's writes, each one transaction: categories (admins), starting threads, replies,
//! authors editing and deleting their own posts, moderation (pin, lock, hide; every decision
//! in the audit log), and what each member has read and follows (posting in a thread
//! follows it; its followers and the members a post mentions are mailed, `notices.rs`). A thread's row is locked
//! first, so that replies, edits and moderation of one thread are decided one after another.

use chrono::{DateTime, Duration, Utc};
use entity::{forum_category, forum_post, forum_post_version, forum_reader, forum_thread};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::forum::policy;

/// A reply with the same words from the same person within this time is a double click:
/// it is recorded once.
const DOUBLE_POST: i64 = 120;

/// The reason a held post and thread carry while they wait (`forum_post.held`).
pub const WAITING: &str = "Waiting for approval";

/// Whether `actor`'s next post waits for an admin (`policy::must_wait`), counting their
/// approved posts only when the setting is on and they are not an admin.
pub(crate) async fn must_wait(
    txn: &DatabaseTransaction,
    actor: &Actor,
    hold_first: u32,
) -> AppResult<bool> {
    if !policy::must_wait(actor, 0, hold_first) {
        return Ok(false);
    }
    // Approved and standing: posts turned down or hidden by an admin do not count.
    let approved = forum_post::Entity::find()
        .filter(forum_post::Column::AuthorId.eq(actor.id))
        .filter(forum_post::Column::Held.eq(false))
        .filter(forum_post::Column::HiddenAt.is_null())
        .count(txn)
        .await?;
    Ok(policy::must_wait(actor, approved, hold_first))
}

/// A category as an admin describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub admins_only: bool,
}

/// The readable part of a thread's address: its title's words in ASCII, at most 80
/// characters, cut between words; empty for a title of symbols (the id alone then).
pub fn thread_slug(title: &str) -> String {
    let mut slug = slug::slugify(title);
    if slug.len() > 80 {
        let cut = slug[..80].rfind('-').unwrap_or(80);
        slug.truncate(cut);
    }
    slug
}

async fn lock_thread(txn: &DatabaseTransaction, id: i64) -> AppResult<forum_thread::Model> {
    let mut q = forum_thread::Entity::find_by_id(id);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(txn).await?.ok_or(AppError::NotFound)
}

/// A post and its thread, the thread's row locked and the post read again under the lock.
pub async fn post_in(
    txn: &DatabaseTransaction,
    post_id: i64,
) -> AppResult<(forum_thread::Model, forum_post::Model)> {
    let post = forum_post::Entity::find_by_id(post_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let thread = lock_thread(txn, post.thread_id).await?;
    // Read again under the thread's lock.
    let post = forum_post::Entity::find_by_id(post_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((thread, post))
}

/// Recounts a thread's standing posts and its latest activity after a post came or went.
pub(crate) async fn recount(
    txn: &DatabaseTransaction,
    thread: &forum_thread::Model,
) -> AppResult<()> {
    let standing = forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread.id))
        .filter(forum_post::Column::DeletedAt.is_null())
        .filter(forum_post::Column::HiddenAt.is_null());
    let count = standing.clone().count(txn).await?;
    let latest: Option<DateTime<Utc>> = standing
        .select_only()
        .column(forum_post::Column::CreatedAt)
        .order_by_desc(forum_post::Column::Id)
        .into_tuple()
        .one(txn)
        .await?;
    let mut active = thread.clone().into_active_model();
    active.post_count = Set(i32::try_from(count).unwrap_or(i32::MAX));
    active.last_post_at = Set(latest.unwrap_or(thread.created_at));
    active.update(txn).await?;
    Ok(())
}

/// Notes that `user` has seen the thread up to `post_id` (never going back), and makes them
/// follow it when `follow` is set.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: i64,
    thread_id: i64,
    post_id: i64,
    follow: bool,
) -> Result<(), sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let greatest = match backend {
        DbBackend::Sqlite => "MAX",
        _ => "GREATEST",
    };
    forum_reader::Entity::insert(forum_reader::ActiveModel {
        user_id: Set(user_id),
        thread_id: Set(thread_id),
        last_read_post_id: Set(post_id),
        following: Set(follow),
    })
    .on_conflict(
        OnConflict::columns([forum_reader::Column::UserId, forum_reader::Column::ThreadId])
            .value(
                forum_reader::Column::LastReadPostId,
                Expr::cust(format!(
                    "{greatest}(forum_reader.last_read_post_id, excluded.last_read_post_id)"
                )),
            )
            .value(
                forum_reader::Column::Following,
                Expr::cust(if follow {
                    "excluded.following"
                } else {
                    "forum_reader.following"
                }),
            )
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// `user_id` follows `thread_id` (new posts in it are mailed to them) or stops following.
pub async fn set_following(
    db: &DatabaseConnection,
    actor: &Actor,
    thread_id: i64,
    following: bool,
) -> AppResult<()> {
    let txn = begin_write(db).await?;
    let thread = lock_thread(&txn, thread_id).await?;
    if !policy::can_see_thread(Some(actor), &thread) {
        return Err(AppError::NotFound);
    }
    forum_reader::Entity::insert(forum_reader::ActiveModel {
        user_id: Set(actor.id),
        thread_id: Set(thread_id),
        // Following is not reading: nothing is marked read.
        last_read_post_id: Set(0),
        following: Set(following),
    })
    .on_conflict(
        OnConflict::columns([forum_reader::Column::UserId, forum_reader::Column::ThreadId])
            .update_column(forum_reader::Column::Following)
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Starts a thread with its opening post. The author follows it (`forum_reader.following`:
/// they hear of later posts, `notices.rs`).
pub async fn start_thread(
    db: &DatabaseConnection,
    actor: &Actor,
    category_id: i64,
    title: &str,
    body: &str,
    hold_first: u32,
    now: DateTime<Utc>,
) -> AppResult<(forum_thread::Model, forum_post::Model)> {
    let txn = begin_write(db).await?;
    // The category's row is locked (PostgreSQL; SQLite writes one at a time) so that a
    // double click's second request sees the thread the first one started.
    let mut q = forum_category::Entity::find_by_id(category_id);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let category = q.one(&txn).await?.ok_or(AppError::NotFound)?;
    policy::ensure_can_start_thread(actor, &category)?;
    // A double click: the same title and words from the same person a moment ago.
    if let Some(thread) = forum_thread::Entity::find()
        .filter(forum_thread::Column::CategoryId.eq(category_id))
        .filter(forum_thread::Column::AuthorId.eq(actor.id))
        .filter(forum_thread::Column::Title.eq(title))
        .filter(forum_thread::Column::CreatedAt.gt(now - Duration::seconds(DOUBLE_POST)))
        .one(&txn)
        .await?
        && let Some(post) = forum_post::Entity::find()
            .filter(forum_post::Column::ThreadId.eq(thread.id))
            .order_by_asc(forum_post::Column::Id)
            .one(&txn)
            .await?
        && post.body == body
    {
        return Ok((thread, post));
    }
    let held = must_wait(&txn, actor, hold_first).await?;
    let thread = insert_thread(&txn, actor, &category, title, None, held, now).await?;
    let post = insert_post(&txn, thread.id, actor.id, body, held, now).await?;
    mark_read(&txn, actor.id, thread.id, post.id, true).await?;
    if !held {
        crate::forum::notices::post_written(&txn, &thread, &post, actor.id, now).await?;
    }
    txn.commit().await?;
    Ok((thread, post))
}

/// A new thread's row, counting the opening post its caller adds.
pub(crate) async fn insert_thread(
    txn: &DatabaseTransaction,
    actor: &Actor,
    category: &forum_category::Model,
    title: &str,
    subject: Option<String>,
    held: bool,
    now: DateTime<Utc>,
) -> AppResult<forum_thread::Model> {
    Ok(forum_thread::ActiveModel {
        category_id: Set(category.id),
        title: Set(title.to_string()),
        slug: Set(thread_slug(title)),
        author_id: Set(Some(actor.id)),
        subject: Set(subject),
        created_at: Set(now),
        last_post_at: Set(now),
        // A held opening post does not count until it is approved.
        post_count: Set(if held { 0 } else { 1 }),
        pinned: Set(false),
        locked: Set(false),
        hidden_at: Set(held.then_some(now)),
        hidden_reason: Set(held.then(|| WAITING.to_string())),
        held: Set(held),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

pub(crate) async fn insert_post(
    txn: &DatabaseTransaction,
    thread_id: i64,
    author_id: i64,
    body: &str,
    held: bool,
    now: DateTime<Utc>,
) -> AppResult<forum_post::Model> {
    Ok(forum_post::ActiveModel {
        thread_id: Set(thread_id),
        author_id: Set(Some(author_id)),
        body: Set(body.to_string()),
        body_html: Set(crate::web::markdown::to_user_html(body)),
        created_at: Set(now),
        edited_at: Set(None),
        deleted_at: Set(None),
        hidden_at: Set(held.then_some(now)),
        hidden_reason: Set(held.then(|| WAITING.to_string())),
        held: Set(held),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Adds a reply. The same words from the same person within two minutes (a double click, a
/// form sent twice) are recorded once: the earlier post is returned.
pub async fn reply(
    db: &DatabaseConnection,
    actor: &Actor,
    thread_id: i64,
    body: &str,
    hold_first: u32,
    now: DateTime<Utc>,
) -> AppResult<forum_post::Model> {
    let txn = begin_write(db).await?;
    let thread = lock_thread(&txn, thread_id).await?;
    policy::ensure_can_reply(actor, &thread)?;
    if let Some(earlier) = forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread_id))
        .filter(forum_post::Column::AuthorId.eq(actor.id))
        .filter(forum_post::Column::DeletedAt.is_null())
        // A held post (hidden while it waits) is still the author's own.
        .filter(
            sea_orm::Condition::any()
                .add(forum_post::Column::HiddenAt.is_null())
                .add(forum_post::Column::Held.eq(true)),
        )
        .filter(forum_post::Column::CreatedAt.gt(now - Duration::seconds(DOUBLE_POST)))
        .order_by_desc(forum_post::Column::Id)
        .one(&txn)
        .await?
        && earlier.body == body
    {
        return Ok(earlier);
    }
    let held = must_wait(&txn, actor, hold_first).await?;
    let post = insert_post(&txn, thread_id, actor.id, body, held, now).await?;
    if held {
        // Nobody hears of it, and it counts for nothing, until an admin approves it.
        mark_read(&txn, actor.id, thread_id, post.id, true).await?;
        txn.commit().await?;
        return Ok(post);
    }
    // Followers hear of it before the author joins them.
    crate::forum::notices::post_written(&txn, &thread, &post, actor.id, now).await?;
    let count = thread.post_count + 1;
    let mut active = thread.into_active_model();
    active.post_count = Set(count);
    active.last_post_at = Set(now);
    active.update(&txn).await?;
    mark_read(&txn, actor.id, thread_id, post.id, true).await?;
    txn.commit().await?;
    Ok(post)
}

/// The author changes their post; the text it had is kept for admins.
pub async fn edit_post(
    db: &DatabaseConnection,
    actor: &Actor,
    post_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<forum_post::Model> {
    let txn = begin_write(db).await?;
    let (thread, post) = post_in(&txn, post_id).await?;
    policy::ensure_can_change_post(actor, &thread, &post)?;
    if post.body == body {
        return Ok(post);
    }
    forum_post_version::ActiveModel {
        post_id: Set(post.id),
        body: Set(post.body.clone()),
        written_at: Set(post.edited_at.unwrap_or(post.created_at)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active = post.into_active_model();
    active.body = Set(body.to_string());
    active.body_html = Set(crate::web::markdown::to_user_html(body));
    active.edited_at = Set(Some(now));
    let post = active.update(&txn).await?;
    txn.commit().await?;
    Ok(post)
}

/// The author deletes their post: its text goes (earlier versions too), its place stays.
pub async fn delete_post(
    db: &DatabaseConnection,
    actor: &Actor,
    post_id: i64,
    now: DateTime<Utc>,
) -> AppResult<forum_thread::Model> {
    let txn = begin_write(db).await?;
    let (thread, post) = post_in(&txn, post_id).await?;
    policy::ensure_can_change_post(actor, &thread, &post)?;
    forum_post_version::Entity::delete_many()
        .filter(forum_post_version::Column::PostId.eq(post.id))
        .exec(&txn)
        .await?;
    crate::forum::reports::settle(&txn, post.id, actor, crate::forum::reports::DELETED, now)
        .await?;
    let mut active = post.into_active_model();
    active.body = Set(String::new());
    active.body_html = Set(String::new());
    active.deleted_at = Set(Some(now));
    active.update(&txn).await?;
    recount(&txn, &thread).await?;
    txn.commit().await?;
    Ok(thread)
}

/// What an admin does to a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadDecision {
    Pin,
    Unpin,
    Lock,
    Unlock,
    Hide(String),
    Show,
}

impl ThreadDecision {
    fn code(&self) -> &'static str {
        match self {
            ThreadDecision::Pin => "forum.thread.pin",
            ThreadDecision::Unpin => "forum.thread.unpin",
            ThreadDecision::Lock => "forum.thread.lock",
            ThreadDecision::Unlock => "forum.thread.unlock",
            ThreadDecision::Hide(_) => "forum.thread.hide",
            ThreadDecision::Show => "forum.thread.show",
        }
    }
}

pub async fn moderate_thread(
    db: &DatabaseConnection,
    actor: &Actor,
    thread_id: i64,
    decision: ThreadDecision,
    now: DateTime<Utc>,
) -> AppResult<forum_thread::Model> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    let thread = lock_thread(&txn, thread_id).await?;
    if thread.held && matches!(decision, ThreadDecision::Hide(_) | ThreadDecision::Show) {
        return Err(AppError::Conflict(
            "This thread waits for approval: approve or turn down its first post instead.".into(),
        ));
    }
    let mut active = thread.clone().into_active_model();
    let mut detail = None;
    match &decision {
        ThreadDecision::Pin => active.pinned = Set(true),
        ThreadDecision::Unpin => active.pinned = Set(false),
        ThreadDecision::Lock => active.locked = Set(true),
        ThreadDecision::Unlock => active.locked = Set(false),
        ThreadDecision::Hide(reason) => {
            active.hidden_at = Set(Some(now));
            active.hidden_reason = Set(Some(reason.clone()));
            detail = Some(reason.clone());
        }
        ThreadDecision::Show => {
            active.hidden_at = Set(None);
            active.hidden_reason = Set(None);
        }
    }
    let thread = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: decision.code(),
            target_type: "forum_thread",
            target_id: Some(thread.id.to_string()),
            detail: Some(match detail {
                Some(reason) => format!("{}: {reason}", thread.title),
                None => thread.title.clone(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(thread)
}

/// An admin hides a post (with the reason, which admins see beside it) or shows it again.
pub async fn moderate_post(
    db: &DatabaseConnection,
    actor: &Actor,
    post_id: i64,
    hide: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<(forum_thread::Model, forum_post::Model)> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    let (thread, post) = post_in(&txn, post_id).await?;
    if post.deleted_at.is_some() {
        return Err(AppError::Gone(
            "Its author has deleted this post: there is nothing left to hide.".into(),
        ));
    }
    // For a post that waits, showing it approves it and hiding it turns it down.
    let was_held = post.held;
    let code = match (hide.is_some(), was_held) {
        (true, false) => "forum.post.hide",
        (false, false) => "forum.post.show",
        (true, true) => "forum.post.reject",
        (false, true) => "forum.post.approve",
    };
    let mut active = post.into_active_model();
    active.hidden_at = Set(hide.as_ref().map(|_| now));
    active.hidden_reason = Set(hide.clone());
    active.held = Set(false);
    let post = active.update(&txn).await?;
    let thread = if thread.held && was_held {
        // The thread this post opened (a held thread's only post) is decided with it.
        let mut t = thread.into_active_model();
        t.held = Set(false);
        t.hidden_at = Set(hide.as_ref().map(|_| now));
        t.hidden_reason = Set(hide.clone());
        t.update(&txn).await?
    } else {
        thread
    };
    recount(&txn, &thread).await?;
    // Followers hear of an approved post, unless its thread has been hidden meanwhile.
    if was_held
        && hide.is_none()
        && thread.hidden_at.is_none()
        && let Some(author) = post.author_id
    {
        crate::forum::notices::post_written(&txn, &thread, &post, author, now).await?;
    }
    if post.hidden_at.is_some() {
        crate::forum::reports::settle(&txn, post.id, actor, crate::forum::reports::HIDDEN, now)
            .await?;
    }
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: code,
            target_type: "forum_post",
            target_id: Some(post.id.to_string()),
            detail: Some(match hide {
                Some(reason) => format!("in {}: {reason}", thread.title),
                None => format!("in {}", thread.title),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((thread, post))
}

/// Adds a category at the end of the list.
pub async fn create_category(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CategoryInput,
    now: DateTime<Utc>,
) -> AppResult<forum_category::Model> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    ensure_free_slug(&txn, &input.slug, None).await?;
    let last: Option<i32> = forum_category::Entity::find()
        .select_only()
        .column_as(forum_category::Column::Position.max(), "max")
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();
    let category = forum_category::ActiveModel {
        slug: Set(input.slug),
        name: Set(input.name),
        description: Set(input.description),
        position: Set(last.map_or(0, |p| p + 1)),
        admins_only: Set(input.admins_only),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_category(&txn, actor, now, "forum.category.create", &category).await?;
    txn.commit().await?;
    Ok(category)
}

async fn record_category(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
    code: &str,
    category: &forum_category::Model,
) -> AppResult<()> {
    audit::record(
        txn,
        &Who::from(actor),
        now,
        Entry {
            action: code,
            target_type: "forum_category",
            target_id: Some(category.id.to_string()),
            detail: Some(category.name.clone()),
        },
    )
    .await?;
    Ok(())
}

async fn ensure_free_slug(
    txn: &DatabaseTransaction,
    slug: &str,
    except: Option<i64>,
) -> AppResult<()> {
    let taken = forum_category::Entity::find()
        .filter(forum_category::Column::Slug.eq(slug))
        .one(txn)
        .await?;
    match taken {
        Some(c) if Some(c.id) != except => Err(AppError::Conflict(format!(
            "{} already has the address /forum/{slug}: choose another.",
            c.name
        ))),
        _ => Ok(()),
    }
}

pub async fn edit_category(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: CategoryInput,
    now: DateTime<Utc>,
) -> AppResult<forum_category::Model> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    let category = forum_category::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    ensure_free_slug(&txn, &input.slug, Some(id)).await?;
    let mut active = category.into_active_model();
    active.slug = Set(input.slug);
    active.name = Set(input.name);
    active.description = Set(input.description);
    active.admins_only = Set(input.admins_only);
    let category = active.update(&txn).await?;
    record_category(&txn, actor, now, "forum.category.edit", &category).await?;
    txn.commit().await?;
    Ok(category)
}

/// Moves a category one place up or down the list; false when it is already at that end.
pub async fn move_category(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    up: bool,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    policy::ensure_can_moderate(actor)?;
    let txn = begin_write(db).await?;
    let mut q = forum_category::Entity::find()
        .order_by_asc(forum_category::Column::Position)
        .order_by_asc(forum_category::Column::Id);
    if txn.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    let all = q.all(&txn).await?;
    let at = all
        .iter()
        .position(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    let other = if up { at.checked_sub(1) } else { Some(at + 1) };
    let mut order: Vec<i64> = all.iter().map(|c| c.id).collect();
    let Some(other) = other.filter(|o| *o < order.len()) else {
        return Ok(false);
    };
    order.swap(at, other);
    for (position, id) in order.iter().enumerate() {
        forum_category::Entity::update_many()
            .col_expr(
                forum_category::Column::Position,
                Expr::value(i32::try_from(position).unwrap_or(i32::MAX)),
            )
            .filter(forum_category::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "forum.category.move",
            target_type: "forum_category",
            target_id: Some(id.to_string()),
            detail: Some(format!(
                "{} {}",
                all[at].name,
                if up { "up" } else { "down" }
            )),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
