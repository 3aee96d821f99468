//! The forum's pages: categories, a category's threads, a thread with its posts and the
//! reply box, starting a thread, editing and deleting one's posts, moderation, and the
//! admins' category list.

use crate::web::flash::done;
use crate::web::text::beside;
use crate::web::text::errors_json;
use std::collections::HashMap;

use entity::{forum_category, forum_post, forum_thread};
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Form, Path, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::forum::forms::{CategoryForm, ModerateForm, PostForm, ThreadForm};
use crate::forum::service::{self, ThreadDecision};
use crate::forum::{policy, queries};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::confirm::{self, Confirm, Hidden, ReasonBox};

use crate::web::format;
use crate::web::markdown;
use crate::web::page::PageMeta;
use crate::web::text::FieldErrors;
use crate::web::user::{CurrentUser, RequireAdmin};

pub const THREADS_PER_PAGE: u64 = 30;
pub const POSTS_PER_PAGE: u64 = 50;

pub fn category_href(c: &forum_category::Model) -> String {
    format!("/forum/{}", c.slug)
}

pub fn thread_href(c: &forum_category::Model, t: &forum_thread::Model) -> String {
    format!("/forum/{}/{}", c.slug, thread_path(t))
}

fn page_number(page: Option<u64>) -> AppResult<u64> {
    match page {
        None => Ok(1),
        Some(0) => Err(AppError::BadRequest("Pages are numbered from 1.".into())),
        Some(p) if p > 100_000 => Err(AppError::NotFound),
        Some(p) => Ok(p),
    }
}

fn with_page(base: &str, page: u64) -> String {
    if page > 1 {
        format!("{base}?page={page}")
    } else {
        base.to_string()
    }
}

async fn category_by_id(state: &AppState, id: i64) -> AppResult<forum_category::Model> {
    forum_category::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)
}

use sea_orm::EntityTrait;

/// The thread and its category, when this visitor may see it.
async fn visible_thread(
    state: &AppState,
    actor: Option<&Actor>,
    id: i64,
) -> AppResult<(forum_category::Model, forum_thread::Model)> {
    let thread = queries::thread(&state.db, id)
        .await?
        .filter(|t| policy::can_see_thread(actor, t))
        .ok_or(AppError::NotFound)?;
    let category = category_by_id(state, thread.category_id).await?;
    Ok((category, thread))
}

// ---------------------------------------------------------------------------------------
// Categories and threads
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct CategoryRow {
    href: String,
    name: String,
    description: String,
    admins_only: bool,
    threads: i64,
    posts: i64,
    latest: Option<String>,
    latest_iso: Option<String>,
}

#[derive(Serialize)]
struct IndexPage {
    categories: Vec<CategoryRow>,
    is_admin: bool,
}

#[handler]
pub async fn index(ctx: PageCtx) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let totals = queries::totals(&state.db).await?;
    let categories = queries::categories(&state.db)
        .await?
        .into_iter()
        .map(|c| {
            let t = totals.get(&c.id).copied().unwrap_or_default();
            CategoryRow {
                href: category_href(&c),
                name: c.name,
                description: c.description,
                admins_only: c.admins_only,
                threads: t.threads,
                posts: t.posts,
                latest: t.latest.map(|at| format::date_time(at, tz)),
                latest_iso: t.latest.map(format::iso),
            }
        })
        .collect();
    let view = IndexPage {
        categories,
        is_admin: ctx.actor().is_some_and(|a| a.is_admin()),
    };
    let meta = PageMeta {
        description: Some(
            "Members of the forum talk between meetings: data requests, transport, working groups and more."
                .into(),
        ),
        atom: Some(("New threads in the forum".into(), "/forum/feed.atom".into())),
        ..Default::default()
    };
    Ok(ctx
        .render_with_meta("forum/index", "Forum", meta, &view)?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
struct ThreadRow {
    href: String,
    title: String,
    author: String,
    posts: i32,
    last_post: String,
    last_post_iso: String,
    pinned: bool,
    locked: bool,
    hidden: bool,
    unread: bool,
}

#[derive(Serialize)]
struct CategoryPage {
    name: String,
    description: String,
    threads: Vec<ThreadRow>,
    can_start: bool,
    signed_in: bool,
    admins_only: bool,
    new_href: String,
    feed_href: String,
    previous: Option<String>,
    next: Option<String>,
    page: u64,
}

#[handler]
pub async fn category_page(
    ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let actor = ctx.actor();
    let page = page_number(q.page)?;
    let category = queries::category(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let (threads, more) = queries::threads(
        &state.db,
        category.id,
        policy::can_moderate(actor.as_ref()),
        page,
        THREADS_PER_PAGE,
    )
    .await?;
    if threads.is_empty() && page > 1 {
        return Err(AppError::NotFound);
    }
    let ids: Vec<i64> = threads.iter().map(|t| t.id).collect();
    let names = queries::names(&state.db, threads.iter().filter_map(|t| t.author_id)).await?;
    let (readers, newest) = match &actor {
        Some(a) => (
            queries::readers(&state.db, a.id, &ids).await?,
            queries::end_posts(&state.db, &ids, queries::End::Newest).await?,
        ),
        None => (HashMap::new(), HashMap::new()),
    };
    let rows = threads
        .iter()
        .map(|t| ThreadRow {
            href: thread_href(&category, t),
            title: t.title.clone(),
            author: author_name(&names, t.author_id),
            posts: t.post_count,
            last_post: format::date_time(t.last_post_at, tz),
            last_post_iso: format::iso(t.last_post_at),
            pinned: t.pinned,
            locked: t.locked,
            hidden: t.hidden_at.is_some(),
            unread: actor.is_some()
                && newest
                    .get(&t.id)
                    .is_some_and(|n| readers.get(&t.id).is_none_or(|r| r.last_read_post_id < *n)),
        })
        .collect();
    let base = category_href(&category);
    let view = CategoryPage {
        can_start: actor
            .as_ref()
            .is_some_and(|a| policy::can_start_thread(a, &category)),
        signed_in: actor.is_some(),
        admins_only: category.admins_only,
        new_href: format!("{base}/new"),
        feed_href: format!("{base}/feed.atom"),
        previous: (page > 1).then(|| with_page(&base, page - 1)),
        next: more.then(|| with_page(&base, page + 1)),
        page,
        threads: rows,
        name: category.name.clone(),
        description: category.description.clone(),
    };
    let title = if page > 1 {
        format!("{} (page {page})", category.name)
    } else {
        category.name.clone()
    };
    let meta = PageMeta {
        description: Some(category.description.clone()).filter(|d| !d.is_empty()),
        atom: Some((
            format!("New threads in {}", category.name),
            format!("{base}/feed.atom"),
        )),
        ..Default::default()
    };
    Ok(ctx
        .render_with_meta("forum/category", &title, meta, &view)?
        .into_response())
}

fn author_name(names: &HashMap<i64, String>, id: Option<i64>) -> String {
    id.and_then(|id| names.get(&id).cloned())
        .unwrap_or_else(|| "A former member".to_string())
}

// ---------------------------------------------------------------------------------------
// Starting a thread
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct NewThreadPage {
    category: String,
    category_href: String,
    action: String,
    form: ThreadForm,
    preview: Option<String>,
    invalid: bool,
    errors: serde_json::Value,
}

fn new_thread_page(
    ctx: PageCtx,
    category: &forum_category::Model,
    form: ThreadForm,
    preview: Option<String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = NewThreadPage {
        category: category.name.clone(),
        category_href: category_href(category),
        action: format!("{}/new", category_href(category)),
        form,
        preview,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "forum/new-thread",
        &format!("New thread in {}", category.name),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

async fn startable(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> AppResult<forum_category::Model> {
    let category = queries::category(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure_can_start_thread(actor, &category)?;
    Ok(category)
}

#[handler]
pub async fn new_thread_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let category = startable(&ctx.state, &user.actor(), &slug).await?;
    new_thread_page(
        ctx,
        &category,
        ThreadForm::default(),
        None,
        FieldErrors::new(),
    )
}

#[handler]
pub async fn new_thread(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<ThreadForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let category = startable(&state, &actor, &slug).await?;
    let (title, body) = match form.parse() {
        Ok(parsed) => parsed,
        Err(errors) => return new_thread_page(ctx, &category, form, None, errors),
    };
    if form.is_preview() {
        let preview = markdown::to_user_html(&body);
        return new_thread_page(ctx, &category, form, Some(preview), FieldErrors::new());
    }
    state.forum_posts.check(actor.id)?;
    let (thread, _) = service::start_thread(
        &state.db,
        &actor,
        category.id,
        &title,
        &body,
        state.config.forum_hold_first_posts,
        state.clock.now(),
    )
    .await?;
    let message = if thread.held {
        crate::forum::discussions::HELD_MESSAGE
    } else {
        "Your thread has been started."
    };
    Ok(done(&state, jar, message, &thread_href(&category, &thread)))
}

// ---------------------------------------------------------------------------------------
// A thread
// ---------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ThreadQuery {
    page: Option<u64>,
    /// A post to quote in the reply box.
    quote: Option<i64>,
}

#[derive(Serialize)]
struct VersionView {
    written: String,
    written_iso: String,
    html: String,
}

#[derive(Serialize)]
struct PostView {
    id: i64,
    number: u64,
    href: String,
    author: String,
    /// The author's handle, for mentioning them ("@priya-shah").
    handle: Option<String>,
    posted: String,
    posted_iso: String,
    edited: Option<String>,
    edited_iso: Option<String>,
    /// Sanitised HTML of the text, when this visitor may read it.
    html: Option<String>,
    deleted: bool,
    hidden: bool,
    /// Waits for an admin's approval (shown to its author and the admins).
    held: bool,
    hidden_reason: Option<String>,
    unread: bool,
    first_unread: bool,
    can_change: bool,
    can_quote: bool,
    can_report: bool,
    versions: Vec<VersionView>,
}

#[derive(Serialize)]
struct ThreadPage {
    id: i64,
    title: String,
    /// The page this thread discusses (`forum::discussions`), for the link back.
    about_title: Option<String>,
    about_href: Option<String>,
    category: String,
    category_href: String,
    href: String,
    posts: Vec<PostView>,
    pinned: bool,
    locked: bool,
    hidden: bool,
    /// Its opening post waits for approval.
    held: bool,
    hidden_reason: Option<String>,
    signed_in: bool,
    signin_href: String,
    can_reply: bool,
    /// The visitor follows it: new posts are mailed to them.
    following: bool,
    is_admin: bool,
    reply: String,
    previous: Option<String>,
    next: Option<String>,
    page: u64,
    pages: u64,
}

/// "> **Name** wrote:" and their words as a Markdown quote, for the reply box.
fn quote(author: &str, body: &str) -> String {
    let mut out = format!("> **{author}** wrote:\n>\n");
    for line in body.lines() {
        out.push_str("> ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[handler]
pub async fn thread_page(
    ctx: PageCtx,
    Path((slug, address)): Path<(String, String)>,
    Query(q): Query<ThreadQuery>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let actor = ctx.actor();
    let is_admin = policy::can_moderate(actor.as_ref());
    let id: i64 = address
        .split('-')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or(AppError::NotFound)?;
    let (category, thread) = visible_thread(&state, actor.as_ref(), id).await?;
    let page = page_number(q.page)?;
    let href = thread_href(&category, &thread);
    // A thread moved to another category, or retitled: its current address.
    if category.slug != slug || address != thread_path(&thread) {
        // The quote asked for travels with it.
        let mut to = with_page(&href, page);
        if let Some(quote) = q.quote {
            to.push(if to.contains('?') { '&' } else { '?' });
            to.push_str(&format!("quote={quote}"));
        }
        return Ok(Redirect::moved_permanent(to).into_response());
    }
    let places = queries::places(&state.db, thread.id).await?;
    let pages = places.div_ceil(POSTS_PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::NotFound);
    }
    let offset = (page - 1) * POSTS_PER_PAGE;
    let posts = queries::posts(&state.db, thread.id, offset, POSTS_PER_PAGE).await?;
    let names = queries::names(&state.db, posts.iter().filter_map(|p| p.author_id)).await?;
    let versions = if is_admin {
        queries::versions(&state.db, &posts.iter().map(|p| p.id).collect::<Vec<_>>()).await?
    } else {
        HashMap::new()
    };
    let reader = match &actor {
        Some(a) => queries::readers(&state.db, a.id, &[thread.id])
            .await?
            .remove(&thread.id),
        None => None,
    };
    let last_read = reader.as_ref().map_or(0, |r| r.last_read_post_id);
    let following = reader.as_ref().is_some_and(|r| r.following);
    let can_reply = actor
        .as_ref()
        .is_some_and(|a| policy::can_reply(a, &thread));
    let mut reply = String::new();
    let mut first_unread_seen = false;
    let views: Vec<PostView> = posts
        .iter()
        .enumerate()
        // Posts waiting for approval: for their authors and the admins only.
        .filter(|(_, p)| policy::can_see_post_place(actor.as_ref(), p))
        .map(|(i, p)| {
            let author = author_name(&names, p.author_id);
            let readable = policy::can_read_post(actor.as_ref(), p) && p.deleted_at.is_none();
            if q.quote == Some(p.id) && readable && can_reply {
                reply = quote(&author, &p.body);
            }
            let unread = actor.is_some() && reader.is_some() && p.id > last_read;
            let first_unread = unread && !first_unread_seen;
            first_unread_seen |= unread;
            PostView {
                handle: p
                    .author_id
                    .and_then(|id| names.get(&id))
                    .map(|name| crate::forum::notices::handle(name)),
                id: p.id,
                number: offset + i as u64 + 1,
                href: format!("/forum/posts/{}", p.id),
                posted: format::date_time(p.created_at, tz),
                posted_iso: format::iso(p.created_at),
                edited: p.edited_at.map(|at| format::date_time(at, tz)),
                edited_iso: p.edited_at.map(format::iso),
                html: readable.then(|| p.body_html.clone()),
                deleted: p.deleted_at.is_some(),
                hidden: p.hidden_at.is_some() && !p.held,
                held: p.held,
                hidden_reason: if is_admin {
                    p.hidden_reason.clone()
                } else {
                    None
                },
                unread,
                first_unread,
                can_change: actor
                    .as_ref()
                    .is_some_and(|a| policy::ensure_can_change_post(a, &thread, p).is_ok()),
                can_quote: can_reply && readable,
                can_report: readable && actor.is_some_and(|a| policy::can_report(&a, p)),
                versions: versions
                    .get(&p.id)
                    .map(|vs| {
                        vs.iter()
                            .map(|v| VersionView {
                                written: format::date_time(v.written_at, tz),
                                written_iso: format::iso(v.written_at),
                                html: markdown::to_user_html(&v.body),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                author,
            }
        })
        .collect();
    // Noted only when this page shows something newer than they had seen: reading again
    // writes nothing.
    // Posts waiting for approval that this reader cannot see are not read yet.
    let last_seen = posts
        .iter()
        .rfind(|p| policy::can_see_post_place(actor.as_ref(), p));
    if let (Some(a), Some(last)) = (&actor, last_seen)
        && last.id > last_read
    {
        service::mark_read(&state.db, a.id, thread.id, last.id, false).await?;
    }
    let about = crate::forum::discussions::page_of(&state.db, &thread).await?;
    let view = ThreadPage {
        id: thread.id,
        title: thread.title.clone(),
        about_title: about.as_ref().map(|p| p.title.clone()),
        about_href: about.map(|p| p.href),
        category: category.name.clone(),
        category_href: category_href(&category),
        posts: views,
        pinned: thread.pinned,
        locked: thread.locked,
        hidden: thread.hidden_at.is_some() && !thread.held,
        held: thread.held,
        hidden_reason: thread
            .hidden_reason
            .clone()
            .filter(|_| is_admin && !thread.held),
        signed_in: actor.is_some(),
        signin_href: crate::web::page::signin_href(&href),
        can_reply,
        following,
        is_admin,
        reply,
        previous: (page > 1).then(|| with_page(&href, page - 1)),
        next: (page < pages).then(|| with_page(&href, page + 1)),
        page,
        pages,
        href,
    };
    let title = if page > 1 {
        format!("{} (page {page})", thread.title)
    } else {
        thread.title.clone()
    };
    Ok(ctx
        .render("forum/thread", &title, None, &view)?
        .into_response())
}

/// The thread's part of its address: `{id}-{slug}`, or the id alone for a title of symbols.
fn thread_path(t: &forum_thread::Model) -> String {
    if t.slug.is_empty() {
        t.id.to_string()
    } else {
        format!("{}-{}", t.id, t.slug)
    }
}

/// A thread's permanent address (the one its Atom entry has): its readable address.
#[handler]
pub async fn thread_link(ctx: PageCtx, Path(id): Path<i64>) -> AppResult<Response> {
    let (category, thread) = visible_thread(&ctx.state, ctx.actor().as_ref(), id).await?;
    Ok(Redirect::moved_permanent(thread_href(&category, &thread)).into_response())
}

/// A post's own address: the page of its thread it is on.
#[handler]
pub async fn post_link(ctx: PageCtx, Path(id): Path<i64>) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (category, thread, post) = visible_post(&state, ctx.actor().as_ref(), id).await?;
    Ok(Redirect::see_other(post_href(&state, &category, &thread, &post).await?).into_response())
}

pub async fn post_href(
    state: &AppState,
    category: &forum_category::Model,
    thread: &forum_thread::Model,
    post: &forum_post::Model,
) -> AppResult<String> {
    let before = queries::place_of(&state.db, post).await?;
    let page = before / POSTS_PER_PAGE + 1;
    Ok(format!(
        "{}#post-{}",
        with_page(&thread_href(category, thread), page),
        post.id
    ))
}

// ---------------------------------------------------------------------------------------
// Replying
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ComposePage {
    heading: String,
    context: &'static str,
    thread_title: String,
    thread_href: String,
    action: String,
    button: &'static str,
    form: PostForm,
    preview: Option<String>,
    invalid: bool,
    errors: serde_json::Value,
}

/// What a compose page (a reply, an edit, a page's discussion) is about.
pub(crate) struct Compose {
    heading: String,
    /// "In" the thread, or "About" the page a discussion is of.
    context: &'static str,
    in_title: String,
    in_href: String,
    action: String,
    button: &'static str,
}

impl Compose {
    fn reply(category: &forum_category::Model, thread: &forum_thread::Model) -> Compose {
        Compose {
            heading: format!("Reply to \u{201c}{}\u{201d}", thread.title),
            context: "In",
            in_title: thread.title.clone(),
            in_href: thread_href(category, thread),
            action: format!("/forum/threads/{}/reply", thread.id),
            button: "Post reply",
        }
    }

    fn edit(
        category: &forum_category::Model,
        thread: &forum_thread::Model,
        post_id: i64,
    ) -> Compose {
        Compose {
            heading: "Edit your post".into(),
            context: "In",
            in_title: thread.title.clone(),
            in_href: thread_href(category, thread),
            action: format!("/forum/posts/{post_id}/edit"),
            button: "Save changes",
        }
    }

    /// Posting to a page's discussion (`forum::discussions`).
    pub(crate) fn discussion(page: &crate::forum::discussions::Page) -> Compose {
        Compose {
            heading: format!("Discuss \u{201c}{}\u{201d}", page.title),
            context: "About",
            in_title: page.title.clone(),
            in_href: page.href.clone(),
            action: format!("{}/discussion", page.href),
            button: "Post",
        }
    }

    pub(crate) fn page(
        self,
        ctx: PageCtx,
        form: PostForm,
        preview: Option<String>,
        errors: FieldErrors,
    ) -> AppResult<Response> {
        let invalid = !errors.is_empty();
        let view = ComposePage {
            heading: self.heading.clone(),
            context: self.context,
            thread_title: self.in_title,
            thread_href: self.in_href,
            action: self.action,
            button: self.button,
            form,
            preview,
            invalid,
            errors: errors_json(&errors),
        };
        ctx.render_form(
            "forum/compose",
            &self.heading,
            invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
            &view,
        )
    }

    /// The text to post, or the page again: with the problems, or with the preview asked for.
    pub(crate) fn composed(
        self,
        ctx: PageCtx,
        form: PostForm,
    ) -> AppResult<Result<String, Response>> {
        match form.parse() {
            Err(errors) => self.page(ctx, form, None, errors).map(Err),
            Ok(body) if form.is_preview() => {
                let preview = markdown::to_user_html(&body);
                self.page(ctx, form, Some(preview), FieldErrors::new())
                    .map(Err)
            }
            Ok(body) => Ok(Ok(body)),
        }
    }
}

#[derive(Deserialize)]
pub struct FollowForm {
    /// "follow" or "unfollow".
    decision: String,
}

#[handler]
pub async fn follow_thread(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<FollowForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let (category, thread) = visible_thread(&state, Some(&actor), id).await?;
    let (following, message) = match form.decision.as_str() {
        "follow" => (
            true,
            "You follow this thread: each new post will be e-mailed to you.",
        ),
        "unfollow" => (
            false,
            "You no longer follow this thread: new posts in it will not be e-mailed to you.",
        ),
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether to follow the thread or to stop following it.".into(),
            ));
        }
    };
    service::set_following(&state.db, &actor, thread.id, following).await?;
    Ok(done(&state, jar, message, &thread_href(&category, &thread)))
}

#[handler]
pub async fn post_reply(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let (category, thread) = visible_thread(&state, Some(&actor), id).await?;
    policy::ensure_can_reply(&actor, &thread)?;
    let body = match Compose::reply(&category, &thread).composed(ctx, form)? {
        Ok(body) => body,
        Err(page) => return Ok(page),
    };
    state.forum_posts.check(actor.id)?;
    let post = service::reply(
        &state.db,
        &actor,
        thread.id,
        &body,
        state.config.forum_hold_first_posts,
        state.clock.now(),
    )
    .await?;
    let to = post_href(&state, &category, &thread, &post).await?;
    let message = if post.held {
        crate::forum::discussions::HELD_MESSAGE
    } else {
        "Your reply has been posted."
    };
    Ok(done(&state, jar, message, &to))
}

// ---------------------------------------------------------------------------------------
// Editing and deleting one's posts
// ---------------------------------------------------------------------------------------

/// A post, with its thread and category, when this visitor may see the thread.
async fn visible_post(
    state: &AppState,
    actor: Option<&Actor>,
    id: i64,
) -> AppResult<(
    forum_category::Model,
    forum_thread::Model,
    forum_post::Model,
)> {
    let post = queries::post(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (category, thread) = visible_thread(state, actor, post.thread_id).await?;
    Ok((category, thread, post))
}

async fn own_post(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> AppResult<(
    forum_category::Model,
    forum_thread::Model,
    forum_post::Model,
)> {
    let (category, thread, post) = visible_post(state, Some(actor), id).await?;
    policy::ensure_can_change_post(actor, &thread, &post)?;
    Ok((category, thread, post))
}

#[handler]
pub async fn edit_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (category, thread, post) = own_post(&ctx.state, &user.actor(), id).await?;
    let form = PostForm {
        body: post.body.clone(),
        action: String::new(),
    };
    Compose::edit(&category, &thread, id).page(ctx, form, None, FieldErrors::new())
}

#[handler]
pub async fn edit(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let (category, thread, _) = own_post(&state, &actor, id).await?;
    let body = match Compose::edit(&category, &thread, id).composed(ctx, form)? {
        Ok(body) => body,
        Err(page) => return Ok(page),
    };
    let post = service::edit_post(&state.db, &actor, id, &body, state.clock.now()).await?;
    let to = post_href(&state, &category, &thread, &post).await?;
    Ok(done(&state, jar, "Your post has been changed.", &to))
}

#[handler]
pub async fn delete_confirm(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (category, thread, post) = own_post(&ctx.state, &user.actor(), id).await?;
    let back = post_href(&ctx.state, &category, &thread, &post).await?;
    confirm::render(
        ctx,
        &Confirm {
            heading: "Delete your post?".into(),
            message: format!(
                "Its words will be gone for good. Its place in \u{201c}{}\u{201d} stays, marked as deleted, so the replies to it still make sense.",
                thread.title
            ),
            action: format!("/forum/posts/{id}/delete"),
            button: "Delete my post".into(),
            back_href: back,
            ..Default::default()
        },
    )
}

#[handler]
pub async fn delete(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let (category, _, _) = own_post(&state, &actor, id).await?;
    let thread = service::delete_post(&state.db, &actor, id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "Your post has been deleted.",
        &thread_href(&category, &thread),
    ))
}

// ---------------------------------------------------------------------------------------
// Moderation (admins)
// ---------------------------------------------------------------------------------------

fn hide_confirm(
    ctx: PageCtx,
    heading: String,
    message: String,
    action: String,
    back_href: String,
    value: String,
    error: Option<String>,
) -> AppResult<Response> {
    confirm::render(
        ctx,
        &Confirm {
            heading,
            message,
            action,
            hidden: vec![Hidden {
                name: "decision".into(),
                value: "hide".into(),
            }],
            reason: Some(ReasonBox {
                label: "Why is it hidden?".into(),
                hint: "Admins see this beside what was hidden; members do not.".into(),
                required: true,
                value,
                error,
            }),
            button: "Hide".into(),
            back_href,
        },
    )
}

#[handler]
pub async fn hide_thread_confirm(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (category, thread) = visible_thread(&ctx.state, Some(&admin.actor()), id).await?;
    hide_confirm(
        ctx,
        format!("Hide \u{201c}{}\u{201d}?", thread.title),
        "Members will no longer see the thread or find it. Admins still can, with your reason, and can show it again.".into(),
        format!("/forum/threads/{id}/moderate"),
        thread_href(&category, &thread),
        String::new(),
        None,
    )
}

#[handler]
pub async fn moderate_thread(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ModerateForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = admin.actor();
    let (category, thread) = visible_thread(&state, Some(&actor), id).await?;
    let (decision, message) = match form.decision.as_str() {
        "pin" => (
            ThreadDecision::Pin,
            "The thread is pinned to the top of its category.",
        ),
        "unpin" => (ThreadDecision::Unpin, "The thread is no longer pinned."),
        "lock" => (
            ThreadDecision::Lock,
            "The thread is locked: it takes no more replies.",
        ),
        "unlock" => (
            ThreadDecision::Unlock,
            "The thread is open for replies again.",
        ),
        "show" => (ThreadDecision::Show, "Members can see the thread again."),
        "hide" => match form.reason() {
            Ok(reason) => (
                ThreadDecision::Hide(reason),
                "The thread is hidden from members.",
            ),
            Err(errors) => {
                return hide_confirm(
                    ctx,
                    format!("Hide \u{201c}{}\u{201d}?", thread.title),
                    "Members will no longer see the thread or find it. Admins still can, with your reason, and can show it again.".into(),
                    format!("/forum/threads/{id}/moderate"),
                    thread_href(&category, &thread),
                    form.note.clone(),
                    errors.get("note").cloned(),
                );
            }
        },
        _ => {
            return Err(AppError::BadRequest(
                "Choose pin, unpin, lock, unlock, hide or show.".into(),
            ));
        }
    };
    let thread =
        service::moderate_thread(&state.db, &actor, thread.id, decision, state.clock.now()).await?;
    Ok(done(&state, jar, message, &thread_href(&category, &thread)))
}

#[handler]
pub async fn hide_post_confirm(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (category, thread, post) = visible_post(&ctx.state, Some(&admin.actor()), id).await?;
    let back = post_href(&ctx.state, &category, &thread, &post).await?;
    hide_confirm(
        ctx,
        "Hide this post?".into(),
        format!(
            "Members will see that a post in \u{201c}{}\u{201d} was hidden, not what it said. Admins still see it, with your reason.",
            thread.title
        ),
        format!("/forum/posts/{id}/hide"),
        back,
        String::new(),
        None,
    )
}

#[handler]
pub async fn moderate_post(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ModerateForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = admin.actor();
    let (category, thread, post) = visible_post(&state, Some(&actor), id).await?;
    let hide = match form.decision.as_str() {
        "show" => None,
        "hide" => match form.reason() {
            Ok(reason) => Some(reason),
            Err(errors) => {
                let back = post_href(&state, &category, &thread, &post).await?;
                return hide_confirm(
                    ctx,
                    "Hide this post?".into(),
                    format!(
                        "Members will see that a post in \u{201c}{}\u{201d} was hidden, not what it said. Admins still see it, with your reason.",
                        thread.title
                    ),
                    format!("/forum/posts/{id}/hide"),
                    back,
                    form.note.clone(),
                    errors.get("note").cloned(),
                );
            }
        },
        _ => return Err(AppError::BadRequest("Choose hide or show.".into())),
    };
    let message = match (hide.is_some(), post.held) {
        (true, false) => "The post is hidden from members.",
        (false, false) => "Members can see the post again.",
        (true, true) => "The post is turned down: it stays hidden, with your reason.",
        (false, true) => {
            "The post is approved: everyone can read it, and its thread's followers hear of it."
        }
    };
    let (thread, post) =
        service::moderate_post(&state.db, &actor, id, hide, state.clock.now()).await?;
    let to = post_href(&state, &category, &thread, &post).await?;
    Ok(done(&state, jar, message, &to))
}

// ---------------------------------------------------------------------------------------
// Categories (admins)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct AdminCategory {
    id: i64,
    name: String,
    href: String,
    edit_href: String,
    admins_only: bool,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct CategoriesPage {
    categories: Vec<AdminCategory>,
    form: CategoryForm,
    invalid: bool,
    errors: serde_json::Value,
}

async fn categories_page(
    ctx: PageCtx,
    form: CategoryForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let all = queries::categories(&ctx.state.db).await?;
    let count = all.len();
    let categories = all
        .into_iter()
        .enumerate()
        .map(|(i, c)| AdminCategory {
            id: c.id,
            href: category_href(&c),
            edit_href: format!("/admin/forum/{}", c.id),
            name: c.name,
            admins_only: c.admins_only,
            first: i == 0,
            last: i + 1 == count,
        })
        .collect();
    let invalid = !errors.is_empty();
    let view = CategoriesPage {
        categories,
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "forum/admin-categories",
        "Forum categories",
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

/// After saving a category: back to the list, or the refusal (an address already taken)
/// beside the address field.
fn after_save(
    state: &AppState,
    jar: &CookieJar,
    saved: AppResult<forum_category::Model>,
    what: &str,
) -> AppResult<Result<Response, FieldErrors>> {
    match saved {
        Ok(c) => Ok(Ok(done(
            state,
            jar,
            format!("{} {what}.", c.name),
            "/admin/forum",
        ))),
        Err(err) => beside("slug", err).map(Err),
    }
}

#[handler]
pub async fn admin_categories(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Response> {
    categories_page(ctx, CategoryForm::default(), FieldErrors::new()).await
}

#[handler]
pub async fn create_category(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Form(form): Form<CategoryForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let errors = match form.parse() {
        Ok(input) => {
            let saved =
                service::create_category(&state.db, &admin.actor(), input, state.clock.now()).await;
            match after_save(&state, jar, saved, "has been added to the forum")? {
                Ok(done) => return Ok(done),
                Err(errors) => errors,
            }
        }
        Err(errors) => errors,
    };
    categories_page(ctx, form, errors).await
}

#[derive(Serialize)]
struct CategoryEditPage {
    name: String,
    action: String,
    form: CategoryForm,
    invalid: bool,
    errors: serde_json::Value,
}

fn category_edit_page(
    ctx: PageCtx,
    category: &forum_category::Model,
    form: CategoryForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let view = CategoryEditPage {
        name: category.name.clone(),
        action: format!("/admin/forum/{}", category.id),
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "forum/admin-category",
        &format!("Edit {}", category.name),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn edit_category_form(
    ctx: PageCtx,
    RequireAdmin(_): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let category = category_by_id(&ctx.state, id).await?;
    let form = CategoryForm {
        name: category.name.clone(),
        slug: category.slug.clone(),
        description: category.description.clone(),
        admins_only: category.admins_only.then(|| "on".to_string()),
    };
    category_edit_page(ctx, &category, form, FieldErrors::new())
}

#[handler]
pub async fn edit_category(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<CategoryForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let category = category_by_id(&state, id).await?;
    let errors = match form.parse() {
        Ok(input) => {
            let saved =
                service::edit_category(&state.db, &admin.actor(), id, input, state.clock.now())
                    .await;
            match after_save(&state, jar, saved, "has been saved")? {
                Ok(done) => return Ok(done),
                Err(errors) => errors,
            }
        }
        Err(errors) => errors,
    };
    category_edit_page(ctx, &category, form, errors)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    direction: String,
}

#[handler]
pub async fn move_category(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let up = match form.direction.as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("Choose up or down.".into())),
    };
    let category = category_by_id(&state, id).await?;
    let moved =
        service::move_category(&state.db, &admin.actor(), id, up, state.clock.now()).await?;
    let message = match (moved, up) {
        (true, _) => format!("{} has moved {}.", category.name, form.direction),
        (false, true) => format!("{} is already first.", category.name),
        (false, false) => format!("{} is already last.", category.name),
    };
    Ok(done(&state, jar, message, "/admin/forum"))
}

// ---------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------

fn report_confirm(
    ctx: PageCtx,
    id: i64,
    title: &str,
    back_href: String,
    value: String,
    error: Option<String>,
) -> AppResult<Response> {
    confirm::render(
        ctx,
        &Confirm {
            heading: "Report this post to the admins?".into(),
            message: format!(
                "The admins will read your reason beside the post in \u{201c}{title}\u{201d} and decide whether to hide it. Its author is not told who reported it."
            ),
            action: format!("/forum/posts/{id}/report"),
            hidden: Vec::new(),
            reason: Some(ReasonBox {
                label: "What is wrong with it?".into(),
                hint: "For example: advertising, a personal attack, someone's private details."
                    .into(),
                required: true,
                value,
                error,
            }),
            button: "Report".into(),
            back_href,
        },
    )
}

#[handler]
pub async fn report_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (category, thread, post) = visible_post(&ctx.state, Some(&user.actor()), id).await?;
    let back = post_href(&ctx.state, &category, &thread, &post).await?;
    report_confirm(ctx, id, &thread.title, back, String::new(), None)
}

#[handler]
pub async fn report(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<ModerateForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let (category, thread, post) = visible_post(&state, Some(&actor), id).await?;
    let back = post_href(&state, &category, &thread, &post).await?;
    let reason = match form.reason() {
        Ok(reason) => reason,
        Err(errors) => {
            let error = errors
                .get("note")
                .map(|_| "Say what is wrong with the post: the admins will read it.".to_string());
            return report_confirm(ctx, id, &thread.title, back, form.note.clone(), error);
        }
    };
    crate::forum::reports::report(&state.db, &actor, id, &reason, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "Thank you: the admins have your report and will look at the post.",
        &back,
    ))
}

#[derive(Serialize)]
struct ReportLine {
    by: String,
    reason: String,
    at: String,
    at_iso: String,
}

#[derive(Serialize)]
struct ReportedPost {
    id: i64,
    href: String,
    thread: String,
    author: String,
    posted: String,
    posted_iso: String,
    html: Option<String>,
    deleted: bool,
    reports: Vec<ReportLine>,
}

#[derive(Serialize)]
struct ReportsPage {
    posts: Vec<ReportedPost>,
    /// New members' posts waiting for approval.
    held: Vec<ReportedPost>,
}

#[handler]
pub async fn reports_page(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let open = crate::forum::reports::open(&state.db).await?;
    let held = crate::forum::reports::held(&state.db).await?;
    let threads: HashMap<i64, forum_thread::Model> = queries::threads_by_ids(
        &state.db,
        open.iter()
            .map(|(p, _)| p.thread_id)
            .chain(held.iter().map(|p| p.thread_id)),
    )
    .await?;
    let people: Vec<i64> = open
        .iter()
        .flat_map(|(p, rs)| {
            p.author_id
                .into_iter()
                .chain(rs.iter().filter_map(|r| r.reporter_id))
        })
        .chain(held.iter().filter_map(|p| p.author_id))
        .collect();
    let names = queries::names(&state.db, people).await?;
    let view = |p: &forum_post::Model, rs: &[entity::forum_report::Model]| ReportedPost {
        id: p.id,
        href: format!("/forum/posts/{}", p.id),
        thread: threads
            .get(&p.thread_id)
            .map(|t| t.title.clone())
            .unwrap_or_default(),
        author: author_name(&names, p.author_id),
        posted: format::date_time(p.created_at, tz),
        posted_iso: format::iso(p.created_at),
        html: p.deleted_at.is_none().then(|| p.body_html.clone()),
        deleted: p.deleted_at.is_some(),
        reports: rs
            .iter()
            .map(|r| ReportLine {
                by: author_name(&names, r.reporter_id),
                reason: r.reason.clone(),
                at: format::date_time(r.created_at, tz),
                at_iso: format::iso(r.created_at),
            })
            .collect(),
    };
    let posts = open.iter().map(|(p, rs)| view(p, rs)).collect();
    let held = held.iter().map(|p| view(p, &[])).collect();
    ctx.render(
        "forum/reports",
        "Reported forum posts",
        None,
        &ReportsPage { posts, held },
    )
    .map(IntoResponse::into_response)
}

#[handler]
pub async fn dismiss_reports(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    crate::forum::reports::dismiss(&state.db, &admin.actor(), id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        "The reports are dismissed; the post stays as it is.",
        "/admin/forum/reports",
    ))
}
