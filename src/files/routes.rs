//! The files' pages: the upload form of each place (a meeting, an agenda item, an event, a
//! date of a series), downloads with everything HTTP offers (conditional requests, ranges,
//! the file's name), and deleting (admins).

use std::time::SystemTime;

use chrono::NaiveDate;
use entity::stored_file;
use headers::{ETag, HeaderMapExt, IfRange, LastModified};
use poem::http::{Method, StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Multipart, Path};
use poem::{Body, Request, Response, handler};
use sea_orm::EntityTrait;
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::events::queries::Lookup;
use crate::files::policy::{self, Place};
use crate::files::service;
use crate::files::views::{self, Controls, FileView};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::text::FieldErrors;
use crate::web::user::{CurrentUser, MaybeUser};

// ---------------------------------------------------------------------------------------
// Places
// ---------------------------------------------------------------------------------------

async fn meeting_place(state: &AppState, slug: &str) -> AppResult<Place> {
    let m = crate::meetings::queries::find(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Place::Meeting(m))
}

async fn item_place(state: &AppState, slug: &str, item_id: i64) -> AppResult<Place> {
    let m = crate::meetings::queries::find(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = entity::agenda_item::Entity::find_by_id(item_id)
        .one(&state.db)
        .await?
        .filter(|i| i.meeting_id == m.id)
        .ok_or(AppError::NotFound)?;
    Ok(Place::Item(m, item))
}

async fn event_place(state: &AppState, slug: &str, date: Option<&str>) -> AppResult<Place> {
    let Some(Lookup::Found(e)) = crate::events::queries::find_by_slug(&state.db, slug).await?
    else {
        return Err(AppError::NotFound);
    };
    let occurrence = match date {
        None => String::new(),
        Some(date) => {
            let day =
                NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| AppError::NotFound)?;
            let exceptions = crate::events::queries::exceptions_of(&state.db, &e).await?;
            crate::events::page::occurrence_on(&e, &exceptions, day).ok_or(AppError::NotFound)?;
            date.to_string()
        }
    };
    Ok(Place::Event(*e, occurrence))
}

/// The place of a stored file.
pub async fn place_of(state: &AppState, f: &stored_file::Model) -> AppResult<Place> {
    let db = &state.db;
    if let Some(id) = f.meeting_id {
        let m = entity::meeting::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Place::Meeting(m));
    }
    if let Some(id) = f.agenda_item_id {
        let item = entity::agenda_item::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let m = entity::meeting::Entity::find_by_id(item.meeting_id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(Place::Item(m, item));
    }
    if let Some(id) = f.event_id {
        let e = crate::events::queries::get(db, id).await?;
        return Ok(Place::Event(e, f.occurrence.clone()));
    }
    Err(AppError::NotFound)
}

/// Where the place's page is, and how to name it.
fn place_page(state: &AppState, place: &Place) -> (String, String) {
    let tz = state.config.time_zone;
    match place {
        Place::Meeting(m) => (
            crate::meetings::views::href(m),
            format!("{}, {}", m.title, crate::meetings::views::when(m, tz)),
        ),
        Place::Item(m, item) => (
            format!("{}#item-{}", crate::meetings::views::href(m), item.position),
            format!("“{}” at {}", item.title, m.title),
        ),
        Place::Event(e, occurrence) if occurrence.is_empty() => {
            (format!("/events/{}", e.slug), e.title.clone())
        }
        Place::Event(e, occurrence) => (
            format!("/events/{}/{occurrence}", e.slug),
            format!("{} on {occurrence}", e.title),
        ),
    }
}

fn upload_address(place: &Place) -> String {
    match place {
        Place::Meeting(m) => format!("{}/files", crate::meetings::views::href(m)),
        Place::Item(m, item) => format!(
            "{}/agenda/{}/files",
            crate::meetings::views::href(m),
            item.id
        ),
        Place::Event(e, occurrence) if occurrence.is_empty() => {
            format!("/events/{}/files", e.slug)
        }
        Place::Event(e, occurrence) => format!("/events/{}/{occurrence}/files", e.slug),
    }
}

// ---------------------------------------------------------------------------------------
// Uploading
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct UploadPage {
    heading: String,
    /// What the page says the file goes to: "To ..." or, when replacing, "Replacing ...".
    lede: String,
    /// Replacing a file: its title is kept unless another is given.
    replacing: bool,
    place: String,
    back_href: String,
    action: String,
    title: String,
    accept: String,
    allowed: String,
    max_mb: u64,
    files: Vec<FileView>,
    invalid: bool,
    errors: FieldErrors,
}

async fn who(state: &AppState, id: i64) -> AppResult<Option<entity::user::Model>> {
    Ok(crate::auth::service::find_user(&state.db, id).await?)
}

async fn upload_page(
    ctx: PageCtx,
    place: Place,
    title: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (back_href, label) = place_page(&state, &place);
    let files = FileView::list(
        &service::current(service::of_place(&state.db, &place).await?),
        Controls::default(),
        state.config.time_zone,
    );
    let invalid = !errors.is_empty();
    let view = UploadPage {
        heading: "Add a file".into(),
        lede: format!("To {label}"),
        replacing: false,
        place: label,
        back_href,
        action: upload_address(&place),
        title,
        accept: crate::files::kinds::accept_attribute(),
        allowed: crate::files::kinds::allowed_list(),
        max_mb: state.config.max_upload_bytes / (1024 * 1024),
        files,
        invalid,
        errors,
    };
    ctx.render_form(
        "files/upload",
        &view.heading.clone(),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

async fn show_form(
    ctx: PageCtx,
    user: &crate::web::user::SessionUser,
    place: Place,
) -> AppResult<Response> {
    let found = who(&ctx.state, user.id).await?;
    policy::ensure_can_upload(&user.actor(), found.as_ref(), &place)?;
    upload_page(ctx, place, String::new(), FieldErrors::new()).await
}

async fn receive(
    ctx: PageCtx,
    user: &crate::web::user::SessionUser,
    jar: &CookieJar,
    place: Place,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let found = who(&state, user.id).await?;
    let actor = user.actor();
    policy::ensure_can_upload(&actor, found.as_ref(), &place)?;
    let multipart = multipart.map_err(|_| {
        AppError::BadRequest(
            "This address takes a file, sent from the upload form (multipart/form-data).".into(),
        )
    })?;
    let form = service::read_form(
        state.files.as_ref(),
        multipart,
        state.config.max_upload_bytes,
    )
    .await?;
    match service::check(form) {
        Ok(checked) => {
            let f = service::store(
                &state.db,
                state.files.as_ref(),
                &actor,
                &place,
                checked,
                state.clock.now(),
            )
            .await?;
            let (back, _) = place_page(&state, &place);
            Ok(flash::redirect(
                jar,
                state.config.secure_cookies(),
                FlashKind::Success,
                format!("“{}” has been added ({}).", f.title, f.filename),
                &back,
            ))
        }
        Err((errors, title)) => upload_page(ctx, place, title, errors).await,
    }
}

#[handler]
pub async fn meeting_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let place = meeting_place(&ctx.state, &slug).await?;
    show_form(ctx, &user, place).await
}

#[handler]
pub async fn meeting_upload(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let place = meeting_place(&ctx.state, &slug).await?;
    receive(ctx, &user, jar, place, multipart).await
}

#[handler]
pub async fn item_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((slug, item)): Path<(String, i64)>,
) -> AppResult<Response> {
    let place = item_place(&ctx.state, &slug, item).await?;
    show_form(ctx, &user, place).await
}

#[handler]
pub async fn item_upload(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, item)): Path<(String, i64)>,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let place = item_place(&ctx.state, &slug, item).await?;
    receive(ctx, &user, jar, place, multipart).await
}

#[handler]
pub async fn event_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let place = event_place(&ctx.state, &slug, None).await?;
    show_form(ctx, &user, place).await
}

#[handler]
pub async fn event_upload(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(slug): Path<String>,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let place = event_place(&ctx.state, &slug, None).await?;
    receive(ctx, &user, jar, place, multipart).await
}

#[handler]
pub async fn date_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path((slug, date)): Path<(String, String)>,
) -> AppResult<Response> {
    let place = event_place(&ctx.state, &slug, Some(&date)).await?;
    show_form(ctx, &user, place).await
}

#[handler]
pub async fn date_upload(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path((slug, date)): Path<(String, String)>,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let place = event_place(&ctx.state, &slug, Some(&date)).await?;
    receive(ctx, &user, jar, place, multipart).await
}

// ---------------------------------------------------------------------------------------
// Replacing and reordering
// ---------------------------------------------------------------------------------------

/// A current file (neither replaced nor deleted) that `user` may manage: whoever may add
/// files to its place may replace or move it.
async fn managed_file(
    state: &AppState,
    user: &crate::web::user::SessionUser,
    id: i64,
) -> AppResult<(stored_file::Model, Place)> {
    let actor = user.actor();
    let (f, place) = visible_file(state, Some(&actor), id).await?;
    let found = who(state, user.id).await?;
    policy::ensure_can_upload(&actor, found.as_ref(), &place)?;
    if let Some(newer) = f.replaced_by {
        return Err(AppError::Conflict(format!(
            "“{}” has been replaced already; its newest version is at /files/{newer}.",
            f.title
        )));
    }
    Ok((f, place))
}

async fn replace_page(
    ctx: PageCtx,
    f: &stored_file::Model,
    place: &Place,
    title: String,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (back_href, label) = place_page(&state, place);
    let invalid = !errors.is_empty();
    let view = UploadPage {
        heading: format!("Replace “{}”", f.title),
        lede: format!(
            "A new version of {} ({}), in {label}. The current one stays, listed as an \
             earlier version, and keeps its address.",
            f.filename,
            views::size_text(f.size)
        ),
        replacing: true,
        place: label,
        back_href,
        action: format!("/files/{}/replace", f.id),
        title,
        accept: crate::files::kinds::accept_attribute(),
        allowed: crate::files::kinds::allowed_list(),
        max_mb: state.config.max_upload_bytes / (1024 * 1024),
        files: Vec::new(),
        invalid,
        errors,
    };
    ctx.render_form(
        "files/upload",
        &view.heading.clone(),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn replace_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let (f, place) = managed_file(&ctx.state, &user, id).await?;
    replace_page(ctx, &f, &place, String::new(), FieldErrors::new()).await
}

#[handler]
pub async fn replace(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    multipart: poem::Result<Multipart>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let (f, place) = managed_file(&state, &user, id).await?;
    let multipart = multipart.map_err(|_| {
        AppError::BadRequest(
            "This address takes a file, sent from the replace form (multipart/form-data).".into(),
        )
    })?;
    let form = service::read_form(
        state.files.as_ref(),
        multipart,
        state.config.max_upload_bytes,
    )
    .await?;
    let title_given = !form.title.trim().is_empty();
    match service::check(form) {
        Ok(checked) => {
            let new = service::replace(
                &state.db,
                state.files.as_ref(),
                &user.actor(),
                &f,
                checked,
                title_given,
                state.clock.now(),
            )
            .await?;
            let (back, _) = place_page(&state, &place);
            Ok(flash::redirect(
                jar,
                state.config.secure_cookies(),
                FlashKind::Success,
                format!(
                    "“{}” has a new version ({}). The earlier one is listed under it.",
                    new.title, new.filename
                ),
                &files_anchor(&back),
            ))
        }
        Err((errors, title)) => replace_page(ctx, &f, &place, title, errors).await,
    }
}

#[derive(serde::Deserialize)]
pub struct MoveForm {
    direction: String,
}

/// Moves a file up or down among its place's files.
#[handler]
pub async fn move_file(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    form: poem::Result<poem::web::Form<MoveForm>>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    // Who may first, then what was asked.
    let (f, place) = managed_file(&state, &user, id).await?;
    let direction = form.map(|f| f.0.direction).unwrap_or_default();
    let up = match direction.as_str() {
        "up" => true,
        "down" => false,
        _ => {
            return Err(AppError::BadRequest(
                "A file moves \"up\" or \"down\".".into(),
            ));
        }
    };
    let moved = service::move_file(&state.db, &f, up).await?;
    let (back, _) = place_page(&state, &place);
    let (kind, message) = match (moved, up) {
        (true, true) => (FlashKind::Success, format!("“{}” has moved up.", f.title)),
        (true, false) => (FlashKind::Success, format!("“{}” has moved down.", f.title)),
        (false, true) => (FlashKind::Info, format!("“{}” is first already.", f.title)),
        (false, false) => (FlashKind::Info, format!("“{}” is last already.", f.title)),
    };
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        kind,
        message,
        &files_anchor(&back),
    ))
}

/// The place's page at its list of files (an agenda item's anchor already points there).
fn files_anchor(back: &str) -> String {
    if back.contains('#') {
        back.to_string()
    } else {
        format!("{back}#files")
    }
}

// ---------------------------------------------------------------------------------------
// Downloading
// ---------------------------------------------------------------------------------------

/// The file and its place, if `actor` may see the place (a deleted file is Gone).
async fn visible_file(
    state: &AppState,
    actor: Option<&crate::actor::Actor>,
    id: i64,
) -> AppResult<(stored_file::Model, Place)> {
    let f = stored_file::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let place = place_of(state, &f).await?;
    if !policy::can_see(actor, &place) {
        return Err(AppError::NotFound);
    }
    if f.deleted_at.is_some() {
        return Err(AppError::Gone(format!(
            "“{}” was deleted by the site's admins and is no longer available.",
            f.title
        )));
    }
    Ok((f, place))
}

/// `/files/{id}`: to the address with the file's name.
#[handler]
pub async fn by_id(
    state: poem::web::Data<&AppState>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let actor = user.as_ref().map(|u| u.actor());
    let (f, _) = visible_file(&state, actor.as_ref(), id).await?;
    Ok(Response::builder()
        .status(StatusCode::MOVED_PERMANENTLY)
        .header(header::LOCATION, views::href(&f))
        .finish())
}

/// The byte range to send, if the request asks for one it may have.
enum Wanted {
    Whole,
    Part(u64, u64),
    Unsatisfiable,
}

fn wanted(req: &Request, size: u64, etag: &ETag, last_modified: SystemTime) -> Wanted {
    let Some(range) = req.headers().typed_get::<headers::Range>() else {
        return Wanted::Whole;
    };
    if let Some(if_range) = req.headers().typed_get::<IfRange>()
        && if_range.is_modified(Some(etag), Some(&LastModified::from(last_modified)))
    {
        // The copy they hold is not this one: all of it, fresh.
        return Wanted::Whole;
    }
    let ranges: Vec<_> = range.satisfiable_ranges(size).collect();
    if ranges.is_empty() {
        return match raw_single_range(req) {
            // "The last N bytes" of a file shorter than N is all of it (RFC 9110 14.1.3).
            Some((None, Some(n))) if n > 0 && size > 0 => Wanted::Part(0, size - 1),
            // A last position before the first is not a valid range: ignored.
            Some((Some(first), Some(last))) if last < first => Wanted::Whole,
            _ => Wanted::Unsatisfiable,
        };
    }
    if ranges.len() > 1 {
        // Several ranges at once are rare for files; the whole file answers them all.
        return Wanted::Whole;
    }
    use std::ops::Bound;
    let (start, end) = ranges[0];
    let start = match start {
        Bound::Included(s) => s,
        Bound::Excluded(s) => s + 1,
        Bound::Unbounded => 0,
    };
    let end = match end {
        Bound::Included(e) => e.min(size - 1),
        Bound::Excluded(e) => e.saturating_sub(1).min(size - 1),
        Bound::Unbounded => size - 1,
    };
    if start >= size {
        return Wanted::Unsatisfiable;
    }
    if start > end {
        // Not a valid range: ignored, as RFC 9110 asks.
        return Wanted::Whole;
    }
    Wanted::Part(start, end)
}

/// The numbers of a single `bytes=` range as written (`first-last`, `first-`, `-suffix`), for
/// the cases the `headers` crate leaves out: a suffix longer than the file, and a range whose
/// end comes before its start.
fn raw_single_range(req: &Request) -> Option<(Option<u64>, Option<u64>)> {
    let value = req.headers().get(header::RANGE)?.to_str().ok()?;
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let number = |s: &str| -> Option<Option<u64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    };
    Some((number(first)?, number(last)?))
}

/// `/files/{id}/{name}`: the file, with a strong ETag (its SHA-256), Last-Modified, ranges
/// (one at a time, with If-Range) and conditional requests; a sandboxing CSP so nothing in a
/// file can run as the site. A download is counted once: a whole GET, or the range that
/// starts at its first byte.
#[handler]
pub async fn download(
    req: &Request,
    state: poem::web::Data<&AppState>,
    MaybeUser(user): MaybeUser,
    Path((id, name)): Path<(i64, String)>,
) -> AppResult<Response> {
    let actor = user.as_ref().map(|u| u.actor());
    let (f, place) = visible_file(&state, actor.as_ref(), id).await?;
    if name != f.filename {
        return Ok(Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, views::href(&f))
            .finish());
    }
    let etag_text = format!("\"{}\"", f.sha256);
    let etag: ETag = etag_text
        .parse()
        .map_err(|_| AppError::Internal("a stored hash is not a valid ETag".into()))?;
    let last_modified = SystemTime::from(f.created_at);
    let size = u64::try_from(f.size).unwrap_or(0);
    let public = policy::can_see(None, &place);
    let head = req.method() == Method::HEAD;

    let mut builder = Response::builder()
        .header(header::ETAG, etag_text.as_str())
        .header(
            header::LAST_MODIFIED,
            crate::web::conditional::http_date(f.created_at),
        )
        .header(
            header::CACHE_CONTROL,
            if public {
                "public, no-cache"
            } else {
                "private, no-cache"
            },
        )
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        );

    if crate::web::conditional::already_has(req.headers(), &[&etag_text], Some(f.created_at))
        .is_some()
    {
        return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
    }
    builder = builder.content_type(f.content_type.as_str());
    let (status, range) = match wanted(req, size, &etag, last_modified) {
        Wanted::Unsatisfiable => {
            return Ok(builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{size}"))
                .content_type("text/plain; charset=utf-8")
                .body(format!(
                    "That range is outside the file, which is {size} bytes long.\n"
                )));
        }
        Wanted::Whole => (StatusCode::OK, 0..size),
        Wanted::Part(start, end) => {
            builder = builder.header(header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}"));
            (StatusCode::PARTIAL_CONTENT, start..end + 1)
        }
    };
    let length = range.end - range.start;
    builder = builder
        .header(header::CONTENT_DISPOSITION, views::content_disposition(&f))
        .status(status)
        .header(header::CONTENT_LENGTH, length);
    if head {
        return Ok(builder.finish());
    }
    let stream = state
        .files
        .read(&f.sha256, range.clone())
        .await
        .map_err(|e| {
            tracing::error!(file = f.id, error = %e, "a stored file could not be read");
            AppError::Unavailable(
                "This file cannot be read right now. Please try again in a few minutes.".into(),
            )
        })?;
    if range.start == 0
        && let Err(e) = service::count_download(&state.db, f.id).await
    {
        // The file matters more than its count.
        tracing::warn!(file = f.id, error = %e, "a download could not be counted");
    }
    Ok(builder.body(Body::from_bytes_stream(stream)))
}

// ---------------------------------------------------------------------------------------
// Deleting
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn delete(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    if !policy::can_delete(Some(&actor)) {
        return Err(AppError::Forbidden(
            "Only the site's admins can delete files.".into(),
        ));
    }
    let f = stored_file::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let place = place_of(&state, &f).await?;
    service::delete(
        &state.db,
        state.files.as_ref(),
        &actor,
        &f,
        state.clock.now(),
    )
    .await?;
    let (back, _) = place_page(&state, &place);
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        format!(
            "“{}” has been deleted. Its address now says it was removed.",
            f.title
        ),
        &back,
    ))
}
