//! The forum in the JSON API (`/api/v1/forum/...`): its categories with their totals, and
//! its threads (titles, places and activity), latest activity first. Hidden threads and those
//! waiting for a moderator are not in the API, whoever asks. Posts themselves are their
//! authors' words and are read on the site. A member's token that may write starts threads
//! and replies, under the pages' rules (who may start where, locked threads, first posts held
//! for a moderator, the hourly limit).

use chrono::{DateTime, Utc};
use entity::{forum_category, forum_thread};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};

use crate::api::auth::Token;
use crate::api::paging::{Cursor, next_link};
use crate::api::problem::{ApiResult, WriteError};
use crate::error::AppError;
use crate::forum::forms::{PostForm, ThreadForm};
use crate::forum::routes::{category_href, thread_href};
use crate::forum::{policy, queries, service};
use crate::state::AppState;

#[derive(Tags)]
enum ForumTags {
    /// The forum's categories and threads.
    Forum,
}

/// A section of the forum.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ForumCategory {
    pub slug: String,
    pub name: String,
    /// What belongs in it, in Markdown.
    pub description: String,
    pub url: String,
    /// Whether only admins start threads in it (everyone replies).
    pub admins_only: bool,
    /// Its visible threads.
    pub threads: i64,
    /// The posts in them.
    pub posts: i64,
    /// When someone last posted in it.
    pub last_post_at: Option<DateTime<Utc>>,
}

/// A thread of the forum.
#[derive(Debug, Object)]
pub struct ForumThread {
    pub id: i64,
    pub title: String,
    /// Its page, where its posts are.
    pub url: String,
    pub category: String,
    pub posts: i32,
    pub created_at: DateTime<Utc>,
    pub last_post_at: DateTime<Utc>,
    pub pinned: bool,
    /// No more replies.
    pub locked: bool,
}

#[derive(Debug, Object)]
pub struct ForumCategoryList {
    pub items: Vec<ForumCategory>,
}

/// A page of threads, latest activity first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ForumThreadList {
    pub items: Vec<ForumThread>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

/// A new thread.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewThread {
    /// The slug of the category to start it in.
    #[oai(validator(max_length = 100, pattern = r"^[a-z0-9-]+$"))]
    pub category: String,
    /// At most 150 characters, on one line.
    #[oai(validator(max_length = 150))]
    pub title: String,
    /// The first post, in Markdown (at most 20,000 characters).
    #[oai(validator(max_length = 20000))]
    pub body: String,
}

/// A reply.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct NewPost {
    /// In Markdown (at most 20,000 characters).
    #[oai(validator(max_length = 20000))]
    pub body: String,
}

/// What was posted.
#[derive(Debug, Object)]
pub struct Posted {
    pub thread_id: i64,
    pub post_id: i64,
    /// Where it reads on the site.
    pub url: String,
    /// Waiting for a moderator before others see it (a new member's first posts).
    pub held: bool,
}

#[derive(ApiResponse)]
enum PostedResponse {
    /// Posted.
    #[oai(status = 201)]
    Created(Json<Posted>),
}

#[derive(ApiResponse)]
enum CategoriesResponse {
    /// The categories, in the forum's order.
    #[oai(status = 200)]
    Ok(Json<ForumCategoryList>),
}

#[derive(ApiResponse)]
enum ThreadsResponse {
    /// A page of threads. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(
        Json<ForumThreadList>,
        #[oai(header = "Link")] Option<String>,
    ),
}

fn thread_of(state: &AppState, c: &forum_category::Model, t: &forum_thread::Model) -> ForumThread {
    ForumThread {
        id: t.id,
        title: t.title.clone(),
        url: state.config.absolute_url(&thread_href(c, t)),
        category: c.slug.clone(),
        posts: t.post_count,
        created_at: t.created_at,
        last_post_at: t.last_post_at,
        pinned: t.pinned,
        locked: t.locked,
    }
}

async fn posted(
    state: &AppState,
    c: &forum_category::Model,
    t: &forum_thread::Model,
    post: &entity::forum_post::Model,
) -> Result<PostedResponse, WriteError> {
    let at = crate::forum::routes::post_href(state, c, t, post).await?;
    Ok(PostedResponse::Created(Json(Posted {
        thread_id: t.id,
        post_id: post.id,
        url: state.config.absolute_url(&at),
        held: post.held,
    })))
}

pub struct ForumApi;

#[OpenApi(tag = "ForumTags::Forum")]
impl ForumApi {
    /// Forum categories
    ///
    /// Every category in the forum's order, with its visible threads and posts.
    #[oai(
        path = "/forum/categories",
        method = "get",
        operation_id = "listForumCategories"
    )]
    async fn categories(&self, state: Data<&AppState>) -> ApiResult<CategoriesResponse> {
        let totals = queries::totals(&state.db).await?;
        let items = queries::categories(&state.db)
            .await?
            .into_iter()
            .map(|c| {
                let t = totals.get(&c.id).copied().unwrap_or_default();
                ForumCategory {
                    url: state.config.absolute_url(&category_href(&c)),
                    slug: c.slug,
                    name: c.name,
                    description: c.description,
                    admins_only: c.admins_only,
                    threads: t.threads,
                    posts: t.posts,
                    last_post_at: t.latest,
                }
            })
            .collect();
        Ok(CategoriesResponse::Ok(Json(ForumCategoryList { items })))
    }

    /// Forum threads
    ///
    /// Visible threads, latest activity first, in every category or in one.
    #[oai(
        path = "/forum/threads",
        method = "get",
        operation_id = "listForumThreads"
    )]
    async fn threads(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Only the threads of the category with this slug (empty: every category).
        #[oai(validator(max_length = 100, pattern = r"^[^\x00-\x1F\x7F]*$"))]
        category: Query<Option<String>>,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,18}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Threads a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ThreadsResponse> {
        let before = Cursor::moment_and_id(cursor.0.as_deref())?;
        let categories = queries::categories(&state.db).await?;
        let only = match category
            .0
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            Some(slug) => Some(
                categories
                    .iter()
                    .find(|c| c.slug == slug)
                    .map(|c| c.id)
                    .ok_or_else(|| {
                        AppError::NotFoundWith("No forum category has this slug.".into())
                    })?,
            ),
            None => None,
        };
        let (rows, more) =
            queries::visible_threads_before(&state.db, only, before, limit.0.into()).await?;
        let next = more
            .then(|| rows.last())
            .flatten()
            .map(|t| Cursor(vec![t.last_post_at.timestamp_micros(), t.id]));
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[],
            next.as_ref(),
        );
        let items = rows
            .iter()
            .filter_map(|t| {
                let c = categories.iter().find(|c| c.id == t.category_id)?;
                Some(thread_of(&state, c, t))
            })
            .collect();
        Ok(ThreadsResponse::Ok(
            Json(ForumThreadList {
                items,
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }

    /// Start a thread
    ///
    /// The token's member starts a thread in a category they may start threads in. Needs a
    /// token with the write scope.
    #[oai(
        path = "/forum/threads",
        method = "post",
        operation_id = "startForumThread"
    )]
    async fn start(
        &self,
        state: Data<&AppState>,
        token: Token,
        body: Json<NewThread>,
    ) -> Result<PostedResponse, WriteError> {
        let actor = token.writer()?;
        let form = ThreadForm {
            title: body.0.title,
            body: body.0.body,
            action: String::new(),
        };
        let (title, text) = form.parse().map_err(|e| WriteError::refused(&e))?;
        let category = queries::category(&state.db, body.0.category.trim())
            .await?
            .ok_or_else(|| AppError::NotFoundWith("No forum category has this slug.".into()))?;
        policy::ensure_can_start_thread(actor, &category)?;
        state.forum_posts.check(actor.id)?;
        let (thread, post) = service::start_thread(
            &state.db,
            actor,
            category.id,
            &title,
            &text,
            state.config.forum_hold_first_posts,
            state.clock.now(),
        )
        .await?;
        posted(&state, &category, &thread, &post).await
    }

    /// Reply to a thread
    ///
    /// The token's member replies to a thread that is not locked. Needs a token with the
    /// write scope.
    #[oai(
        path = "/forum/threads/:id/posts",
        method = "post",
        operation_id = "replyToForumThread"
    )]
    async fn reply(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The thread's id.
        #[oai(validator(minimum(value = "1")))]
        id: Path<i64>,
        body: Json<NewPost>,
    ) -> Result<PostedResponse, WriteError> {
        let actor = token.writer()?;
        let text = PostForm {
            body: body.0.body,
            action: String::new(),
        }
        .parse()
        .map_err(|e| WriteError::refused(&e))?;
        let thread = queries::thread(&state.db, id.0)
            .await?
            .filter(|t| policy::can_see_thread(None, t))
            .ok_or_else(|| AppError::NotFoundWith("No visible thread has this id.".into()))?;
        let category = queries::categories(&state.db)
            .await?
            .into_iter()
            .find(|c| c.id == thread.category_id)
            .ok_or(AppError::NotFound)?;
        policy::ensure_can_reply(actor, &thread)?;
        state.forum_posts.check(actor.id)?;
        let post = service::reply(
            &state.db,
            actor,
            thread.id,
            &text,
            state.config.forum_hold_first_posts,
            state.clock.now(),
        )
        .await?;
        posted(&state, &category, &thread, &post).await
    }
}
