//! Discussions of the site's pages: every public event, each date of a series, every
//! meeting and every dataset request can have a forum thread about it, started by its first
//! post and shown on the page (the forum is an events, meetings and dataset requests
//! extension: they do not know it). The thread is an ordinary one, with a `subject` naming
//! its page (`event:12`, `event:12:2026-12-20`, `meeting:5`, `data-request:3`; one thread
//! each), in a category the forum makes for the kind of page on the
//! first discussion (`forum_category.holds`), and it links back to its page.
//!
//! Starting a discussion is a first reply, so any member may, in whatever category it lands
//! (a category kept for admins to start threads in applies to threads members start
//! themselves). Locked and hidden discussions follow the forum's rules.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{dataset_request, event, forum_category, forum_post, forum_thread, meeting};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::actor::Actor;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::events::extensions::{EventPageRequest, EventsExtension, PagePart};
use crate::events::queries::Lookup;
use crate::forum::forms::PostForm;
use crate::forum::routes::Compose;
use crate::forum::{policy, service};
use crate::meetings::extensions::{MeetingPageRequest, MeetingParts, MeetingsExtension};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::done;
use crate::web::router::{Router, get};
use crate::web::text::FieldErrors;
use crate::web::user::{CurrentUser, SessionUser};
use poem::web::cookie::CookieJar;
use poem::web::{Form, Path};
use poem::{Response, handler};

/// What a discussion is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Event(i64),
    /// One date of a series, by the day it was planned for (in the event's time zone).
    Date(i64, NaiveDate),
    Meeting(i64),
    DataRequest(i64),
}

impl Subject {
    /// As `forum_thread.subject` holds it.
    pub fn key(&self) -> String {
        match self {
            Subject::Event(id) => format!("event:{id}"),
            Subject::Date(id, day) => format!("event:{id}:{}", day.format("%Y-%m-%d")),
            Subject::Meeting(id) => format!("meeting:{id}"),
            Subject::DataRequest(id) => format!("data-request:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Subject> {
        let mut parts = key.split(':');
        let kind = parts.next()?;
        let id: i64 = parts.next()?.parse().ok()?;
        let day = parts.next();
        if parts.next().is_some() {
            return None;
        }
        match (kind, day) {
            ("event", None) => Some(Subject::Event(id)),
            ("event", Some(day)) => Some(Subject::Date(
                id,
                NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?,
            )),
            ("meeting", None) => Some(Subject::Meeting(id)),
            ("data-request", None) => Some(Subject::DataRequest(id)),
            _ => None,
        }
    }

    /// The kind of page, as `forum_category.holds` names it.
    fn holds(&self) -> &'static str {
        match self {
            Subject::Event(_) | Subject::Date(..) => "events",
            Subject::Meeting(_) => "meetings",
            Subject::DataRequest(_) => "data-requests",
        }
    }
}

/// A page that can be discussed.
#[derive(Debug, Clone)]
pub struct Page {
    pub subject: Subject,
    /// What the thread is called when it starts, and how its link back reads.
    pub title: String,
    pub href: String,
}

pub(crate) fn event_page(e: &event::Model, day: Option<NaiveDate>) -> Page {
    match day {
        None => Page {
            subject: Subject::Event(e.id),
            title: e.title.clone(),
            href: format!("/events/{}", e.slug),
        },
        Some(day) => Page {
            subject: Subject::Date(e.id, day),
            title: format!("{}, {}", e.title, day.format("%-d %B %Y")),
            href: format!("/events/{}/{}", e.slug, day.format("%Y-%m-%d")),
        },
    }
}

pub(crate) fn meeting_page(m: &meeting::Model) -> Page {
    Page {
        subject: Subject::Meeting(m.id),
        title: m.title.clone(),
        href: format!("/meetings/{}", m.slug),
    }
}

pub(crate) fn data_request_page(r: &dataset_request::Model) -> Page {
    Page {
        subject: Subject::DataRequest(r.id),
        title: r.title.clone(),
        href: crate::data_requests::routes::href(r),
    }
}

pub async fn find_data_request_page(state: &AppState, id: i64) -> AppResult<Page> {
    let r = crate::data_requests::queries::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(data_request_page(&r))
}

/// The page at `/events/{slug}` or `/events/{slug}/{date}`, if it is public: drafts and
/// events waiting for review are not discussed.
pub async fn find_event_page(state: &AppState, slug: &str, date: Option<&str>) -> AppResult<Page> {
    let Some(Lookup::Found(e)) = crate::events::queries::find_by_slug(&state.db, slug).await?
    else {
        return Err(AppError::NotFound);
    };
    if !crate::events::policy::can_view(None, &e) {
        return Err(AppError::NotFound);
    }
    let day = match date {
        None => None,
        Some(date) => {
            let day =
                NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
            let exceptions = crate::events::queries::exceptions_of(&state.db, &e).await?;
            crate::events::page::occurrence_on(&e, &exceptions, day).ok_or(AppError::NotFound)?;
            Some(day)
        }
    };
    Ok(event_page(&e, day))
}

pub async fn find_meeting_page(state: &AppState, slug: &str) -> AppResult<Page> {
    let m = crate::meetings::queries::find(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(meeting_page(&m))
}

/// The page a thread discusses, for its link back: none for an ordinary thread, or when
/// the page is gone or no longer public.
pub async fn page_of(
    db: &DatabaseConnection,
    thread: &forum_thread::Model,
) -> AppResult<Option<Page>> {
    let Some(subject) = thread.subject.as_deref().and_then(Subject::parse) else {
        return Ok(None);
    };
    Ok(match subject {
        Subject::Event(id) | Subject::Date(id, _) => event::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|e| crate::events::policy::can_view(None, e))
            .map(|e| {
                let day = match subject {
                    Subject::Date(_, day) => Some(day),
                    _ => None,
                };
                event_page(&e, day)
            }),
        Subject::Meeting(id) => meeting::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|m| meeting_page(&m)),
        Subject::DataRequest(id) => dataset_request::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|r| data_request_page(&r)),
    })
}

pub async fn thread_of(
    db: &DatabaseConnection,
    subject: &Subject,
) -> AppResult<Option<forum_thread::Model>> {
    Ok(forum_thread::Entity::find()
        .filter(forum_thread::Column::Subject.eq(subject.key()))
        .one(db)
        .await?)
}

/// The category holding discussions of `subject`'s kind, made now if there is none. Inside
/// the caller's transaction: two first discussions at once make it once (the unique
/// `holds`), the loser's transaction failing and being tried again by [`post`].
async fn category_for(
    txn: &sea_orm::DatabaseTransaction,
    subject: &Subject,
    now: DateTime<Utc>,
) -> AppResult<forum_category::Model> {
    let holds = subject.holds();
    if let Some(c) = forum_category::Entity::find()
        .filter(forum_category::Column::Holds.eq(holds))
        .one(txn)
        .await?
    {
        return Ok(c);
    }
    let (name, slug, description) = match holds {
        "events" => (
            "Event discussions",
            "event-discussions",
            "Questions and follow-ups about the forum's events: one thread for each event or \
             date, started from its page.",
        ),
        "meetings" => (
            "Meeting discussions",
            "meeting-discussions",
            "Talk about the forum's meetings, their agendas and minutes: one thread for each \
             meeting, started from its page.",
        ),
        _ => (
            "Dataset request discussions",
            "dataset-request-discussions",
            "What members know about the datasets they ask for, and news from their \
             publishers: one thread for each request, started from its page.",
        ),
    };
    // A category an admin made may have the slug already.
    let mut free = slug.to_string();
    for n in 2.. {
        let taken = forum_category::Entity::find()
            .filter(forum_category::Column::Slug.eq(&free))
            .count(txn)
            .await?
            > 0;
        if !taken {
            break;
        }
        free = format!("{slug}-{n}");
    }
    let last: Option<i32> = forum_category::Entity::find()
        .select_only()
        .column_as(forum_category::Column::Position.max(), "last")
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten();
    Ok(forum_category::ActiveModel {
        slug: Set(free),
        name: Set(name.into()),
        description: Set(description.into()),
        position: Set(last.unwrap_or(0) + 1),
        admins_only: Set(false),
        created_at: Set(now),
        holds: Set(Some(holds.into())),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Posts `body` to the page's discussion, starting it (and its category) with this post if
/// it has none.
pub async fn post(
    db: &DatabaseConnection,
    actor: &Actor,
    page: &Page,
    body: &str,
    hold_first: u32,
    now: DateTime<Utc>,
) -> AppResult<(forum_thread::Model, forum_post::Model)> {
    // A second first post at the same moment loses the race for the subject (or for the
    // category) and is posted again as a reply.
    for attempt in 0..3 {
        if let Some(thread) = thread_of(db, &page.subject).await? {
            let post = service::reply(db, actor, thread.id, body, hold_first, now).await?;
            return Ok((thread, post));
        }
        match start(db, actor, page, body, hold_first, now).await {
            Err(AppError::Conflict(_)) if attempt < 2 => continue,
            done => return done,
        }
    }
    Err(AppError::Conflict(
        "Somebody started this discussion at the same moment. Post again.".into(),
    ))
}

async fn start(
    db: &DatabaseConnection,
    actor: &Actor,
    page: &Page,
    body: &str,
    hold_first: u32,
    now: DateTime<Utc>,
) -> AppResult<(forum_thread::Model, forum_post::Model)> {
    let txn = begin_write(db).await?;
    let held = service::must_wait(&txn, actor, hold_first).await?;
    let category = category_for(&txn, &page.subject, now).await?;
    let title: String = page
        .title
        .chars()
        .take(crate::forum::forms::MAX_TITLE)
        .collect();
    let thread = service::insert_thread(
        &txn,
        actor,
        &category,
        &title,
        Some(page.subject.key()),
        // A page's discussion is never held as a whole, or one new member's post would
        // close it to everyone: only the post waits.
        false,
        now,
    )
    .await?;
    let post = service::insert_post(&txn, thread.id, actor.id, body, held, now).await?;
    if held {
        service::recount(&txn, &thread).await?;
    }
    service::mark_read(&txn, actor.id, thread.id, post.id, true).await?;
    if !held {
        crate::forum::notices::post_written(&txn, &thread, &post, actor.id, now).await?;
    }
    txn.commit().await?;
    Ok((thread, post))
}

// ---------------------------------------------------------------------------------------
// The part of the pages
// ---------------------------------------------------------------------------------------

/// What a member whose post waits for approval is told.
pub const HELD_MESSAGE: &str = "Thank you: as a new member, your first posts wait for an \
    admin's approval. Everyone will see this one once it is approved.";

/// How many of the latest posts a page shows; the thread has the rest.
const SHOWN: u64 = 3;

#[derive(Serialize)]
struct ShownPost {
    author: String,
    at: String,
    at_iso: String,
    html: String,
    href: String,
}

#[derive(Serialize)]
struct DiscussionPart {
    /// The page's name for the heading's context ("about …").
    about: String,
    thread_href: Option<String>,
    posts: Vec<ShownPost>,
    shown: usize,
    post_count: i32,
    more: bool,
    locked: bool,
    hidden: bool,
    /// Where the form posts (and the full compose page is).
    action: String,
    can_post: bool,
    signed_in: bool,
    signin_href: String,
}

async fn part(state: &AppState, page: Page, actor: Option<&Actor>) -> AppResult<Option<PagePart>> {
    let thread = thread_of(&state.db, &page.subject).await?;
    let tz = state.config.time_zone;
    let action = format!("{}/discussion", page.href);
    let mut view = DiscussionPart {
        about: page.title.clone(),
        thread_href: None,
        posts: Vec::new(),
        shown: 0,
        post_count: 0,
        more: false,
        locked: false,
        hidden: false,
        can_post: actor.is_some(),
        signed_in: actor.is_some(),
        signin_href: crate::web::page::signin_href(&page.href),
        action,
    };
    if let Some(thread) = thread {
        if !policy::can_see_thread(actor, &thread) {
            // Hidden by the admins: the page says so, and shows nothing of it.
            view.hidden = true;
            view.can_post = false;
        } else {
            // Two queries in all (the thread, then its latest posts with their authors'
            // names): event and meeting pages keep a fixed cost. The thread's lasting
            // address leads to its readable one.
            view.thread_href = Some(format!("/forum/threads/{}", thread.id));
            view.post_count = thread.post_count;
            view.more = thread.post_count as u64 > SHOWN;
            view.locked = thread.locked;
            view.can_post = actor.is_some_and(|a| policy::can_reply(a, &thread));
            let latest: Vec<(i64, String, DateTime<Utc>, Option<String>)> =
                forum_post::Entity::find()
                    .select_only()
                    .columns([
                        forum_post::Column::Id,
                        forum_post::Column::BodyHtml,
                        forum_post::Column::CreatedAt,
                    ])
                    .column_as(
                        Expr::cust(
                            "(SELECT u.display_name FROM \"user\" AS u \
                             WHERE u.id = forum_post.author_id)",
                        ),
                        "author",
                    )
                    .filter(forum_post::Column::ThreadId.eq(thread.id))
                    .filter(forum_post::Column::HiddenAt.is_null())
                    .filter(forum_post::Column::DeletedAt.is_null())
                    .order_by_desc(forum_post::Column::Id)
                    .limit(SHOWN)
                    .into_tuple()
                    .all(&state.db)
                    .await?;
            view.posts = latest
                .into_iter()
                .rev()
                .map(|(id, html, created_at, author)| ShownPost {
                    author: author.unwrap_or_else(|| "A former member".into()),
                    at: crate::web::format::date_time(created_at, tz),
                    at_iso: crate::web::format::iso(created_at),
                    html,
                    href: format!("/forum/posts/{id}"),
                })
                .collect();
            view.shown = view.posts.len();
        }
    }
    Ok(Some(PagePart {
        template: "forum/discussion-part",
        data: serde_json::to_value(&view).map_err(|e| AppError::Internal(e.to_string()))?,
    }))
}

/// The forum's part of event and meeting pages.
pub struct Discussions;

impl EventsExtension for Discussions {
    fn event_page<'a>(
        &'a self,
        state: &'a AppState,
        request: EventPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(async move {
            let e = request.event;
            // Drafts and events in review are not discussed.
            if !crate::events::policy::can_view(None, e) {
                return Ok(None);
            }
            let day = request
                .occurrence
                .map(|at| at.original.with_timezone(&e.zone()).date_naive());
            part(state, event_page(e, day), request.actor).await
        })
    }

    fn my_events<'a>(
        &'a self,
        _state: &'a AppState,
        _actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(async { Ok(None) })
    }
}

impl MeetingsExtension for Discussions {
    fn meeting_page<'a>(
        &'a self,
        state: &'a AppState,
        request: MeetingPageRequest<'a>,
    ) -> BoxFuture<'a, AppResult<MeetingParts>> {
        Box::pin(async move {
            Ok(MeetingParts {
                meeting: part(state, meeting_page(request.meeting), request.actor).await?,
                items: Default::default(),
            })
        })
    }
}

impl crate::data_requests::extensions::DataRequestsExtension for Discussions {
    fn request_page<'a>(
        &'a self,
        state: &'a AppState,
        request: &'a dataset_request::Model,
        actor: Option<&'a Actor>,
    ) -> BoxFuture<'a, AppResult<Option<PagePart>>> {
        Box::pin(async move { part(state, data_request_page(request), actor).await })
    }
}

// ---------------------------------------------------------------------------------------
// Posting from a page
// ---------------------------------------------------------------------------------------

/// The compose page of a discussion (the page's own form posts straight to `discuss`).
async fn compose_page(ctx: PageCtx, page: Page) -> AppResult<Response> {
    Compose::discussion(&page).page(ctx, PostForm::default(), None, FieldErrors::new())
}

/// Posts to the page's discussion: the post, or the compose page again with the problem or
/// the preview asked for. Back to the page's discussion when it is posted.
async fn discuss(
    ctx: PageCtx,
    user: &SessionUser,
    jar: &CookieJar,
    page: Page,
    form: PostForm,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    if let Some(thread) = thread_of(&state.db, &page.subject).await? {
        if !policy::can_see_thread(Some(&actor), &thread) {
            return Err(AppError::NotFound);
        }
        policy::ensure_can_reply(&actor, &thread)?;
    }
    let body = match Compose::discussion(&page).composed(ctx, form)? {
        Ok(body) => body,
        Err(page) => return Ok(page),
    };
    state.forum_posts.check(actor.id)?;
    let hold_first = state.config.forum_hold_first_posts;
    let (_, posted) = post(
        &state.db,
        &actor,
        &page,
        &body,
        hold_first,
        state.clock.now(),
    )
    .await?;
    let message = if posted.held {
        HELD_MESSAGE
    } else {
        "Your post is in the discussion."
    };
    Ok(done(
        &state,
        jar,
        message,
        &format!("{}#discussion", page.href),
    ))
}

#[handler]
pub async fn event_form(
    ctx: PageCtx,
    CurrentUser(_user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let page = find_event_page(&ctx.state, &slug, None).await?;
    compose_page(ctx, page).await
}

#[handler]
pub async fn event_post(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let page = find_event_page(&ctx.state, &slug, None).await?;
    discuss(ctx, &user, jar, page, form).await
}

#[handler]
pub async fn date_form(
    ctx: PageCtx,
    CurrentUser(_user): CurrentUser,
    Path((slug, date)): Path<(String, String)>,
) -> AppResult<Response> {
    let page = find_event_page(&ctx.state, &slug, Some(&date)).await?;
    compose_page(ctx, page).await
}

#[handler]
pub async fn date_post(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, date)): Path<(String, String)>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let page = find_event_page(&ctx.state, &slug, Some(&date)).await?;
    discuss(ctx, &user, jar, page, form).await
}

#[handler]
pub async fn meeting_form(
    ctx: PageCtx,
    CurrentUser(_user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let page = find_meeting_page(&ctx.state, &slug).await?;
    compose_page(ctx, page).await
}

#[handler]
pub async fn meeting_post(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let page = find_meeting_page(&ctx.state, &slug).await?;
    discuss(ctx, &user, jar, page, form).await
}

#[handler]
pub async fn data_request_form(
    ctx: PageCtx,
    CurrentUser(_user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let page = find_data_request_page(&ctx.state, id).await?;
    compose_page(ctx, page).await
}

#[handler]
pub async fn data_request_post(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    let page = find_data_request_page(&ctx.state, id).await?;
    discuss(ctx, &user, jar, page, form).await
}

/// The discussion routes, mounted after the pages they belong to (see `lib.rs`), with the
/// same parameters as the files' routes beside them (poem's route tree wants one spelling of
/// a segment's parameter).
pub fn mount(router: Router) -> Router {
    const SLUG: &str = ":slug<[a-z0-9-]+>";
    const DATE: &str = ":date<\\d{4}-\\d{2}-\\d{2}>";
    router
        .at("/events/:slug/discussion", get(event_form).post(event_post))
        .at(
            &format!("/events/:slug/{DATE}/discussion"),
            get(date_form).post(date_post),
        )
        .at(
            "/data-requests/:id<\\d{1,18}>/discussion",
            get(data_request_form).post(data_request_post),
        )
        .at(
            &format!("/meetings/{SLUG}/discussion"),
            get(meeting_form).post(meeting_post),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_written_and_read_back() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        for s in [
            Subject::Event(12),
            Subject::Date(12, day),
            Subject::Meeting(5),
            Subject::DataRequest(7),
        ] {
            assert_eq!(Subject::parse(&s.key()), Some(s));
        }
        assert_eq!(Subject::Date(12, day).key(), "event:12:2026-12-20");
        for bad in [
            "",
            "event",
            "event:x",
            "meeting:5:2026-12-20",
            "event:1:2026-13-01",
            "file:1",
        ] {
            assert_eq!(Subject::parse(bad), None, "{bad}");
        }
    }
}
