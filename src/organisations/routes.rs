//! The register's pages: the list (by kind, with what admins still have to sort), one
//! entry, adding, editing and merging (admins), and the register as open data (CSV, JSON).

use crate::web::flash::done;
use crate::web::text::beside;
use crate::web::text::errors_json;
use std::collections::HashMap;

use entity::organisation::{self, Kind};
use poem::http::{StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::organisations::forms::{MergeForm, OrgForm};
use crate::organisations::queries::{self, Uses};
use crate::organisations::service;
use crate::state::AppState;
use crate::web::PageCtx;

use crate::web::text::FieldErrors;
use crate::web::user::RequireAdmin;

pub fn href(org: &organisation::Model) -> String {
    format!("/organisations/{}", org.id)
}

#[derive(Serialize)]
struct Row {
    href: String,
    name: String,
    website: Option<String>,
    members: u64,
    attendance: u64,
    /// Records pointing at it (for admins sorting names).
    uses: u64,
}

#[derive(Serialize)]
struct Group {
    kind: &'static str,
    label: &'static str,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct ListPage {
    groups: Vec<Group>,
    count: usize,
    to_sort: Vec<Row>,
    to_sort_count: usize,
    is_admin: bool,
}

/// `is_admin`: counts everyone; others see the members who are listed publicly.
fn row(org: &organisation::Model, uses: Option<&Uses>, is_admin: bool) -> Row {
    let uses = uses.copied().unwrap_or_default();
    Row {
        href: href(org),
        name: org.name.clone(),
        website: org.website.clone(),
        members: if is_admin { uses.members } else { uses.listed },
        attendance: uses.attendance,
        uses: uses.total(),
    }
}

#[handler]
pub async fn list(ctx: PageCtx) -> AppResult<Response> {
    let state = ctx.state.clone();
    let is_admin = ctx.actor().is_some_and(|a| a.is_admin());
    let all = queries::current(&state.db).await?;
    let uses = queries::uses(&state.db, None).await?;
    let mut groups: Vec<Group> = Kind::ALL
        .iter()
        .map(|k| Group {
            kind: k.as_str(),
            label: plural(*k),
            rows: Vec::new(),
        })
        .collect();
    let mut to_sort = Vec::new();
    let mut count = 0;
    for org in &all {
        match org.kind {
            Some(kind) => {
                count += 1;
                if let Some(g) = groups.iter_mut().find(|g| g.kind == kind.as_str()) {
                    g.rows.push(row(org, uses.get(&org.id), is_admin));
                }
            }
            // A name nobody uses any more (a typo put right) needs no sorting.
            None if is_admin && uses.get(&org.id).is_some_and(|u| u.total() > 0) => {
                to_sort.push(row(org, uses.get(&org.id), true))
            }
            None => {}
        }
    }
    groups.retain(|g| !g.rows.is_empty());
    let view = ListPage {
        groups,
        count,
        to_sort_count: to_sort.len(),
        to_sort,
        is_admin,
    };
    Ok(ctx
        .render(
            "organisations/list",
            "Organisations",
            Some("The councils, transport bodies, charities, universities, companies and community groups in the forum."),
            &view,
        )?
        .into_response())
}

fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Council => "Councils",
        Kind::Transport => "Transport bodies",
        Kind::Charity => "Charities",
        Kind::University => "Universities",
        Kind::Company => "Companies",
        Kind::Community => "Community groups",
    }
}

#[derive(Serialize)]
struct ShowPage {
    id: i64,
    name: String,
    kind: Option<&'static str>,
    website: Option<String>,
    members: u64,
    attendance: u64,
    guests: u64,
    actions: u64,
    is_admin: bool,
    merged_here: Vec<String>,
}

/// An entry that exists for this visitor: unsorted names only for admins.
async fn visible(state: &AppState, id: i64, is_admin: bool) -> AppResult<organisation::Model> {
    let org = queries::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.kind.is_none() && !is_admin {
        return Err(AppError::NotFound);
    }
    Ok(org)
}

#[handler]
pub async fn show(ctx: PageCtx, Path(id): Path<i64>) -> AppResult<Response> {
    let state = ctx.state.clone();
    let is_admin = ctx.actor().is_some_and(|a| a.is_admin());
    let org = visible(&state, id, is_admin).await?;
    if org.merged_into_id.is_some() {
        let target = service::current(&state.db, org).await?;
        return Ok(Response::builder()
            .status(StatusCode::MOVED_PERMANENTLY)
            .header(header::LOCATION, href(&target))
            .finish());
    }
    let uses = queries::uses(&state.db, Some(org.id))
        .await?
        .remove(&org.id)
        .unwrap_or_default();
    let merged_here = if is_admin {
        queries::merged_into(&state.db, org.id)
            .await?
            .into_iter()
            .map(|o| o.name)
            .collect()
    } else {
        Vec::new()
    };
    let view = ShowPage {
        id: org.id,
        name: org.name.clone(),
        kind: org.kind.map(Kind::label),
        website: org.website.clone(),
        members: if is_admin { uses.members } else { uses.listed },
        attendance: uses.attendance,
        guests: uses.guests,
        actions: uses.actions,
        is_admin,
        merged_here,
    };
    Ok(ctx
        .render("organisations/show", &org.name, None, &view)?
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Adding and editing (admins)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct KindOption {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Serialize)]
struct FormPage {
    heading: String,
    action: String,
    back_href: String,
    button: &'static str,
    form: OrgForm,
    kinds: Vec<KindOption>,
    invalid: bool,
    errors: serde_json::Value,
}

fn form_page(
    ctx: PageCtx,
    existing: Option<&organisation::Model>,
    form: OrgForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let kinds = Kind::ALL
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label(),
            checked: form.kind == k.as_str(),
        })
        .collect();
    let (heading, action, back_href, button) = match existing {
        Some(org) => (
            format!("Edit {}", org.name),
            format!("{}/edit", href(org)),
            href(org),
            "Save",
        ),
        None => (
            "Add an organisation".to_string(),
            "/organisations/new".to_string(),
            "/organisations".to_string(),
            "Add to the register",
        ),
    };
    let view = FormPage {
        heading: heading.clone(),
        action,
        back_href,
        button,
        form,
        kinds,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "organisations/form",
        &heading,
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn new_form(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Response> {
    form_page(ctx, None, OrgForm::default(), FieldErrors::new())
}

#[handler]
pub async fn create(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let errors = match form.parse() {
        Ok(details) => {
            match service::create(&state.db, &admin.actor(), details, state.clock.now()).await {
                Ok(org) => {
                    return Ok(done(
                        &state,
                        jar,
                        format!("{} has been added to the register.", org.name),
                        &href(&org),
                    ));
                }
                Err(err) => beside("name", err)?,
            }
        }
        Err(errors) => errors,
    };
    form_page(ctx, None, form, errors)
}

#[handler]
pub async fn edit_form(
    ctx: PageCtx,
    RequireAdmin(_): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let org = visible(&ctx.state, id, true).await?;
    if org.merged_into_id.is_some() {
        return Err(AppError::Conflict(
            "This entry was merged into another; edit that one instead.".into(),
        ));
    }
    let form = OrgForm {
        name: org.name.clone(),
        kind: org.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        website: org.website.clone().unwrap_or_default(),
    };
    form_page(ctx, Some(&org), form, FieldErrors::new())
}

#[handler]
pub async fn edit(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<OrgForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let org = visible(&state, id, true).await?;
    let errors = match form.parse() {
        Ok(details) => {
            match service::edit(&state.db, &admin.actor(), id, details, state.clock.now()).await {
                Ok(org) => {
                    return Ok(done(
                        &state,
                        jar,
                        format!("{} has been saved.", org.name),
                        &href(&org),
                    ));
                }
                Err(err) => beside("name", err)?,
            }
        }
        Err(errors) => errors,
    };
    form_page(ctx, Some(&org), form, errors)
}

// ---------------------------------------------------------------------------------------
// Merging duplicates (admins)
// ---------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Choice {
    id: i64,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct MergePage {
    name: String,
    action: String,
    back_href: String,
    members: u64,
    attendance: u64,
    guests: u64,
    actions: u64,
    choices: Vec<Choice>,
    invalid: bool,
    errors: serde_json::Value,
}

async fn merge_page(
    ctx: PageCtx,
    org: &organisation::Model,
    form: MergeForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let uses = queries::uses(&state.db, Some(org.id))
        .await?
        .remove(&org.id)
        .unwrap_or_default();
    let choices = queries::current(&state.db)
        .await?
        .into_iter()
        .filter(|o| o.id != org.id)
        .map(|o| Choice {
            selected: form.into == o.id.to_string(),
            label: match o.kind {
                Some(k) => format!("{} ({})", o.name, k.label().to_lowercase()),
                None => format!("{} (not sorted yet)", o.name),
            },
            id: o.id,
        })
        .collect();
    let invalid = !errors.is_empty();
    let view = MergePage {
        name: org.name.clone(),
        action: format!("{}/merge", href(org)),
        back_href: href(org),
        members: uses.members,
        attendance: uses.attendance,
        guests: uses.guests,
        actions: uses.actions,
        choices,
        invalid,
        errors: errors_json(&errors),
    };
    ctx.render_form(
        "organisations/merge",
        &format!("Merge {}", org.name),
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        &view,
    )
}

#[handler]
pub async fn merge_form(
    ctx: PageCtx,
    RequireAdmin(_): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let org = visible(&ctx.state, id, true).await?;
    if org.merged_into_id.is_some() {
        return Err(AppError::Conflict(format!(
            "\u{201c}{}\u{201d} has already been merged.",
            org.name
        )));
    }
    merge_page(ctx, &org, MergeForm::default(), FieldErrors::new()).await
}

#[handler]
pub async fn merge(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    jar: &CookieJar,
    Path(id): Path<i64>,
    Form(form): Form<MergeForm>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let org = visible(&state, id, true).await?;
    let errors = match form.parse() {
        Ok(into) => {
            match service::merge(&state.db, &admin.actor(), id, into, state.clock.now()).await {
                Ok(target) => {
                    return Ok(done(
                        &state,
                        jar,
                        format!("{} has been merged into {}.", org.name, target.name),
                        &href(&target),
                    ));
                }
                Err(AppError::NotFound) => FieldErrors::from([(
                    "into",
                    "That organisation is no longer in the register; choose another.".into(),
                )]),
                Err(err) => beside("into", err)?,
            }
        }
        Err(errors) => errors,
    };
    merge_page(ctx, &org, form, errors).await
}

// ---------------------------------------------------------------------------------------
// Open data
// ---------------------------------------------------------------------------------------

/// One entry as published: stable id, name, kind, website, and the entry a merged duplicate
/// now is.
#[derive(Serialize)]
pub struct Published {
    pub id: i64,
    pub name: String,
    pub kind: Option<Kind>,
    pub website: Option<String>,
    pub merged_into: Option<i64>,
    pub url: String,
    pub updated_at: String,
}

async fn published(state: &AppState) -> AppResult<Vec<Published>> {
    let base = state
        .config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let all = queries::published(&state.db).await?;
    // A duplicate merged into an entry that is not published (never happens through the
    // pages, which only merge into sorted entries or sort the target) leads nowhere.
    let ids: HashMap<i64, ()> = all.iter().map(|o| (o.id, ())).collect();
    Ok(all
        .into_iter()
        .map(|o| Published {
            url: format!("{base}{}", href(&o)),
            merged_into: o.merged_into_id.filter(|id| ids.contains_key(id)),
            id: o.id,
            name: o.name,
            kind: o.kind,
            website: o.website,
            updated_at: o
                .updated_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
        .collect())
}

fn open_data(body: Vec<u8>, content_type: &str, filename: &str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(
            header::CONTENT_DISPOSITION,
            crate::web::headers::content_disposition("inline", filename),
        )
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body)
}

#[handler]
pub async fn register_json(state: Data<&AppState>) -> AppResult<Response> {
    let rows = published(&state).await?;
    let body = serde_json::to_vec_pretty(&serde_json::json!({ "organisations": rows }))
        .map_err(|e| AppError::Internal(format!("writing the register as JSON: {e}")))?;
    Ok(open_data(
        body,
        "application/json; charset=utf-8",
        "organisations.json",
    ))
}

#[handler]
pub async fn register_csv(state: Data<&AppState>) -> AppResult<Response> {
    let rows = published(&state).await?;
    let body = csv_of(&rows)
        .map_err(|e| AppError::Internal(format!("writing the register as CSV: {e}")))?;
    Ok(open_data(
        body,
        "text/csv; charset=utf-8; header=present",
        "organisations.csv",
    ))
}

/// The register as CSV (RFC 4180, CRLF), every cell formula-safe.
pub fn csv_of(rows: &[Published]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record([
        "id",
        "name",
        "kind",
        "website",
        "merged_into",
        "url",
        "updated_at",
    ])?;
    for r in rows {
        let record = [
            r.id.to_string(),
            r.name.clone(),
            r.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
            r.website.clone().unwrap_or_default(),
            r.merged_into.map(|id| id.to_string()).unwrap_or_default(),
            r.url.clone(),
            r.updated_at.clone(),
        ];
        out.write_record(
            record
                .iter()
                .map(|cell| crate::web::text::formula_safe(cell)),
        )?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}
