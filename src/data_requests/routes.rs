//! The dataset request pages: the list (by votes or newest, by status), one request with
//! its votes and visible history, asking and correcting (members), voting, recording where a
//! request stands (admins), and every request as CSV.

use std::collections::HashSet;

use entity::dataset_request::{self, RequestStatus};
use poem::http::{StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use crate::data_requests::forms::{RequestForm, StatusForm, VoteForm};
use crate::data_requests::queries::{self, Show, Sort};
use crate::data_requests::{policy, service};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::done;
use crate::web::format;
use crate::web::markdown;
use crate::web::text::{FieldErrors, errors_json};
use crate::web::user::CurrentUser;

/// Requests a page of the list.
const PER_PAGE: u64 = 25;

pub fn href(r: &dataset_request::Model) -> String {
    format!("/data-requests/{}", r.id)
}

/// The badge class of a status (colours as the events' badges).
fn badge(status: RequestStatus) -> &'static str {
    match status {
        RequestStatus::Requested => "badge-info",
        RequestStatus::Discussing => "badge-pending",
        RequestStatus::Published => "badge-published",
        RequestStatus::Declined => "badge-cancelled",
    }
}

async fn visible(state: &AppState, id: i64) -> AppResult<dataset_request::Model> {
    queries::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ListQuery {
    sort: Option<String>,
    show: Option<String>,
    page: Option<u64>,
}

#[derive(Serialize)]
struct Row {
    id: i64,
    href: String,
    title: String,
    holder: String,
    status: &'static str,
    status_label: &'static str,
    badge: &'static str,
    votes: i32,
    voted: bool,
    can_vote: bool,
    vote_action: String,
    asked: String,
    asked_iso: String,
}

#[derive(Serialize)]
struct Choice {
    label: &'static str,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct ListPage {
    /// The list's own choices, sent back with a vote so the voter returns here.
    sort: &'static str,
    show: &'static str,
    page: u64,
    rows: Vec<Row>,
    total: u64,
    sorts: Vec<Choice>,
    shows: Vec<Choice>,
    show_label: &'static str,
    can_request: bool,
    signed_in: bool,
    previous_href: Option<String>,
    next_href: Option<String>,
}

fn list_href(sort: Sort, show: Show, page: u64) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    if sort != Sort::Votes {
        pairs.append_pair("sort", sort.as_str());
    }
    if show != Show::Open {
        pairs.append_pair("show", show.as_str());
    }
    if page > 1 {
        pairs.append_pair("page", &page.to_string());
    }
    let query = pairs.finish();
    if query.is_empty() {
        "/data-requests".into()
    } else {
        format!("/data-requests?{query}")
    }
}

fn show_label(show: Show) -> &'static str {
    match show {
        Show::Open => "Open requests",
        Show::All => "All requests",
        Show::Only(RequestStatus::Requested) => "Requested, not yet taken up",
        Show::Only(RequestStatus::Discussing) => "In discussion with the publisher",
        Show::Only(RequestStatus::Published) => "Published",
        Show::Only(RequestStatus::Declined) => "Declined",
    }
}

fn row(r: &dataset_request::Model, voted: &HashSet<i64>, ctx: &PageCtx) -> Row {
    let tz = ctx.state.config.time_zone;
    Row {
        id: r.id,
        href: href(r),
        title: r.title.clone(),
        holder: r.holder.clone(),
        status: r.status.as_str(),
        status_label: r.status.label(),
        badge: badge(r.status),
        votes: r.votes,
        voted: voted.contains(&r.id),
        can_vote: policy::can_vote(ctx.actor().as_ref(), r),
        vote_action: format!("{}/vote", href(r)),
        asked: crate::web::format::day(r.created_at, tz),
        asked_iso: format::iso(r.created_at),
    }
}

#[handler]
pub async fn list(ctx: PageCtx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let state = ctx.state.clone();
    // Unknown choices in an address (an old or mistyped link) fall back to the defaults.
    let sort = q
        .sort
        .as_deref()
        .and_then(Sort::parse)
        .unwrap_or(Sort::Votes);
    let showing = q
        .show
        .as_deref()
        .and_then(Show::parse)
        .unwrap_or(Show::Open);
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let (requests, total) = queries::list(&state.db, showing, sort, page, PER_PAGE).await?;
    let ids: Vec<i64> = requests.iter().map(|r| r.id).collect();
    let voted = match ctx.actor() {
        Some(a) => queries::voted(&state.db, a.id, &ids).await?,
        None => HashSet::new(),
    };
    let sorts = [(Sort::Votes, "Most votes"), (Sort::Newest, "Newest")]
        .into_iter()
        .map(|(s, label)| Choice {
            label,
            href: list_href(s, showing, 1),
            current: s == sort,
        })
        .collect();
    let mut choices = vec![Show::Open, Show::All];
    choices.extend(RequestStatus::ALL.map(Show::Only));
    let shows = choices
        .into_iter()
        .map(|s| Choice {
            label: show_label(s),
            href: list_href(sort, s, 1),
            current: s == showing,
        })
        .collect();
    let view = ListPage {
        sort: sort.as_str(),
        show: showing.as_str(),
        page,
        rows: requests.iter().map(|r| row(r, &voted, &ctx)).collect(),
        total,
        sorts,
        shows,
        show_label: show_label(showing),
        can_request: policy::can_request(ctx.actor().as_ref()),
        signed_in: ctx.user.is_some(),
        previous_href: (page > 1).then(|| list_href(sort, showing, page - 1)),
        next_href: (page * PER_PAGE < total).then(|| list_href(sort, showing, page + 1)),
    };
    Ok(ctx
        .render(
            "data-requests/list",
            "Dataset requests",
            Some("Datasets the forum's members want public bodies to publish, by votes, and what became of each request."),
            &view,
        )?
        .into_response())
}

// ---------------------------------------------------------------------------------------
// One request
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Change {
    when: String,
    iso: String,
    status_label: &'static str,
    badge: &'static str,
    note_html: Option<String>,
    link: Option<String>,
    by: Option<String>,
    first: bool,
}

#[derive(Serialize)]
struct StatusOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Serialize)]
struct ShowPage {
    id: i64,
    title: String,
    holder: String,
    description_html: String,
    reason_html: String,
    links: Vec<String>,
    status_label: &'static str,
    badge: &'static str,
    published: bool,
    declined: bool,
    outcome_link: Option<String>,
    outcome_note_html: Option<String>,
    votes: i32,
    voted: bool,
    /// Requested or in discussion: votes are open.
    open: bool,
    can_vote: bool,
    signed_in: bool,
    vote_action: String,
    can_edit: bool,
    edit_href: String,
    can_set_status: bool,
    status_action: String,
    status_options: Vec<StatusOption>,
    status_form: StatusForm,
    status_invalid: bool,
    status_errors: serde_json::Value,
    history: Vec<Change>,
    /// What other features add (the forum's discussion).
    parts: Vec<crate::data_requests::extensions::PagePart>,
}

async fn show_page(
    ctx: PageCtx,
    request: dataset_request::Model,
    status_form: Option<(StatusForm, FieldErrors)>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let actor = ctx.actor();
    let history = queries::history(&state.db, request.id).await?;
    let names = queries::names(&state.db, history.iter().filter_map(|c| c.actor_id)).await?;
    let voted = match &actor {
        Some(a) => queries::voted(&state.db, a.id, &[request.id])
            .await?
            .contains(&request.id),
        None => false,
    };
    let (status_form, status_errors) = status_form.unwrap_or_else(|| {
        (
            StatusForm {
                status: request.status.as_str().into(),
                note: String::new(),
                link: request.outcome_link.clone().unwrap_or_default(),
            },
            FieldErrors::new(),
        )
    });
    let status_invalid = !status_errors.is_empty();
    let parts = crate::data_requests::extensions::parts(&state, &request, actor.as_ref()).await?;
    let view = ShowPage {
        parts,
        id: request.id,
        title: request.title.clone(),
        holder: request.holder.clone(),
        description_html: markdown::to_user_html(&request.description),
        reason_html: markdown::to_user_html(&request.reason),
        links: request
            .links
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        status_label: request.status.label(),
        badge: badge(request.status),
        published: request.status == RequestStatus::Published,
        declined: request.status == RequestStatus::Declined,
        outcome_link: request.outcome_link.clone(),
        outcome_note_html: request.outcome_note.as_deref().map(markdown::to_user_html),
        votes: request.votes,
        voted,
        open: request.status.is_open(),
        can_vote: policy::can_vote(actor.as_ref(), &request),
        signed_in: actor.is_some(),
        vote_action: format!("{}/vote", href(&request)),
        can_edit: policy::can_edit(actor.as_ref(), &request),
        edit_href: format!("{}/edit", href(&request)),
        can_set_status: policy::can_set_status(actor.as_ref()),
        status_action: format!("{}/status", href(&request)),
        status_options: RequestStatus::ALL
            .iter()
            .map(|s| StatusOption {
                value: s.as_str(),
                label: s.label(),
                checked: status_form.status == s.as_str(),
            })
            .collect(),
        status_form,
        status_invalid,
        status_errors: errors_json(&status_errors),
        history: history
            .iter()
            .enumerate()
            .map(|(n, c)| Change {
                when: format::date_time(c.at, tz),
                iso: format::iso(c.at),
                status_label: c.status.label(),
                badge: badge(c.status),
                note_html: c.note.as_deref().map(markdown::to_user_html),
                link: c.link.clone(),
                by: c.actor_id.and_then(|id| names.get(&id).cloned()),
                first: n == 0,
            })
            .collect(),
    };
    let title = request.title.clone();
    if status_invalid {
        return ctx.render_form(
            "data-requests/show",
            &title,
            Some(StatusCode::UNPROCESSABLE_ENTITY),
            &view,
        );
    }
    Ok(ctx
        .render(
            "data-requests/show",
            &title,
            Some(&format!(
                "A request for {} to publish {}.",
                request.holder, request.title
            )),
            &view,
        )?
        .into_response())
}

#[handler]
pub async fn request_page(ctx: PageCtx, Path(id): Path<i64>) -> AppResult<Response> {
    let request = visible(&ctx.state, id).await?;
    show_page(ctx, request, None).await
}

// ---------------------------------------------------------------------------------------
// Asking and correcting
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct FormPage {
    heading: String,
    action: String,
    back_href: String,
    button: &'static str,
    form: RequestForm,
    invalid: bool,
    errors: serde_json::Value,
}

fn form_page(
    ctx: PageCtx,
    existing: Option<&dataset_request::Model>,
    form: RequestForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let (heading, action, back_href, button) = match existing {
        Some(r) => (
            format!("Change the request for {}", r.title),
            format!("{}/edit", href(r)),
            href(r),
            "Save the request",
        ),
        None => (
            "Ask for a dataset".to_string(),
            "/data-requests/new".to_string(),
            "/data-requests".to_string(),
            "Make the request",
        ),
    };
    let view = FormPage {
        heading: heading.clone(),
        action,
        back_href,
        button,
        form,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "data-requests/form",
        &heading,
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn new_form(ctx: PageCtx, CurrentUser(_): CurrentUser) -> AppResult<Response> {
    form_page(ctx, None, RequestForm::default(), FieldErrors::new())
}

#[handler]
pub async fn create(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    match form.parse() {
        Ok(input) => {
            let request =
                service::create(&state.db, &user.actor(), input, state.clock.now()).await?;
            Ok(done(
                &state,
                jar,
                "Your request is made, with your vote. Share its page so that others can vote too.",
                &href(&request),
            ))
        }
        Err(errors) => form_page(ctx, None, form, errors),
    }
}

#[handler]
pub async fn edit_form(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let request = visible(&ctx.state, id).await?;
    policy::ensure_can_edit(&user.actor(), &request)?;
    let form = RequestForm {
        title: request.title.clone(),
        holder: request.holder.clone(),
        description: request.description.clone(),
        reason: request.reason.clone(),
        links: request.links.clone(),
    };
    form_page(ctx, Some(&request), form, FieldErrors::new())
}

#[handler]
pub async fn edit(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let request = visible(&state, id).await?;
    policy::ensure_can_edit(&user.actor(), &request)?;
    match form.parse() {
        Ok(input) => {
            let request =
                service::edit(&state.db, &user.actor(), id, input, state.clock.now()).await?;
            Ok(done(&state, jar, "The request is saved.", &href(&request)))
        }
        Err(errors) => form_page(ctx, Some(&request), form, errors),
    }
}

// ---------------------------------------------------------------------------------------
// Votes and status
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn vote(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<VoteForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    let request = visible(&state, id).await?;
    let message = match form.decision.as_str() {
        "vote" => {
            if service::vote(&state.db, &actor, request.id, state.clock.now()).await? {
                "Your vote is counted."
            } else {
                "You had already voted for this request: it counts once."
            }
        }
        "withdraw" => {
            if service::withdraw(&state.db, &actor, request.id).await? {
                "Your vote is withdrawn."
            } else {
                "You had not voted for this request."
            }
        }
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether to vote for the request or to withdraw your vote.".into(),
            ));
        }
    };
    let to = if form.back == "list" {
        // The list it was in: unknown values are the defaults, as in the list's address.
        let sort = Sort::parse(&form.sort).unwrap_or(Sort::Votes);
        let showing = Show::parse(&form.show).unwrap_or(Show::Open);
        let page = form.page.parse::<u64>().unwrap_or(1).clamp(1, 10_000);
        format!("{}#request-{}", list_href(sort, showing, page), request.id)
    } else {
        href(&request)
    };
    Ok(done(&state, jar, message, &to))
}

#[handler]
pub async fn set_status(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<StatusForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let actor = user.actor();
    policy::ensure_can_set_status(&actor)?;
    let request = visible(&state, id).await?;
    let parsed = form.parse().and_then(|input| {
        // Recording the same status again needs news: a note, or a new address.
        if input.status == request.status
            && input.note.is_none()
            && input.link == request.outcome_link
        {
            Err(FieldErrors::from([(
                "note",
                "The request already stands so: add a note to record news of it.".to_string(),
            )]))
        } else {
            Ok(input)
        }
    });
    match parsed {
        Ok(input) => {
            let label = input.status.label();
            let request =
                service::set_status(&state.db, &actor, request.id, input, state.clock.now())
                    .await?;
            Ok(done(
                &state,
                jar,
                format!(
                    "The request is now: {}. The change is in its history.",
                    label.to_lowercase()
                ),
                &format!("{}#history", href(&request)),
            ))
        }
        Err(errors) => show_page(ctx, request, Some((form, errors))).await,
    }
}

// ---------------------------------------------------------------------------------------
// Open data
// ---------------------------------------------------------------------------------------

#[handler]
pub async fn csv_download(state: Data<&AppState>) -> AppResult<Response> {
    let requests = queries::all(&state.db).await?;
    let body = csv_of(&requests, state.config.base_url.as_str())
        .map_err(|e| AppError::Internal(format!("writing dataset requests as CSV: {e}")))?;
    Ok(Response::builder()
        .header(
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("inline", "data-requests.csv"),
        )
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body))
}

/// Every request as CSV (RFC 4180, CRLF), every cell formula-safe.
pub fn csv_of(requests: &[dataset_request::Model], base_url: &str) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "id",
        "title",
        "holder",
        "status",
        "votes",
        "published_at_url",
        "status_note",
        "requested_at",
        "status_changed_at",
        "links",
        "url",
    ])?;
    for r in requests {
        let record = [
            r.id.to_string(),
            r.title.clone(),
            r.holder.clone(),
            r.status.as_str().to_string(),
            r.votes.to_string(),
            r.outcome_link.clone().unwrap_or_default(),
            r.outcome_note.clone().unwrap_or_default(),
            format::iso(r.created_at),
            format::iso(r.status_changed_at),
            r.links.replace('\n', " "),
            format!("{}{}", base_url.trim_end_matches('/'), href(r)),
        ];
        out.write_record(record.iter().map(|c| crate::web::text::formula_safe(c)))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
