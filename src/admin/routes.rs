use entity::user::Role;
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Html, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

use crate::admin::forms::{AuditQuery, FilterErrors};
use crate::admin::{service, views};
use crate::auth::service as accounts;
use crate::auth::views::{UserRow, UsersView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::format;
use crate::web::user::RequireAdmin;

const AUDIT_PER_PAGE: u64 = 50;

#[derive(serde::Serialize)]
struct Waiting {
    label: &'static str,
    href: &'static str,
    count: u64,
}

#[derive(serde::Serialize)]
struct IndexView {
    waiting: Vec<Waiting>,
}

/// The admin area's own page: what waits for an admin (each feature's count, as registered
/// in `AppState::waiting_for_admins`), then its parts.
#[handler]
pub async fn index(ctx: PageCtx, RequireAdmin(_): RequireAdmin) -> AppResult<Html<String>> {
    let mut waiting = Vec::new();
    for source in ctx.state.waiting_for_admins.iter() {
        let count = source.count(&ctx.state.db).await?;
        if count > 0 {
            waiting.push(Waiting {
                label: source.label(),
                href: source.href(),
                count,
            });
        }
    }
    ctx.render("admin/index", "Admin", None, &IndexView { waiting })
}

#[handler]
pub async fn users(ctx: PageCtx, RequireAdmin(admin): RequireAdmin) -> AppResult<Html<String>> {
    let tz = ctx.state.config.time_zone;
    let people = accounts::list_users(&ctx.state.db).await?;
    let admins = people.iter().filter(|p| p.role == Role::Admin).count();
    let view = UsersView {
        members: people.len() - admins,
        admins,
        users: people
            .into_iter()
            .map(|p| UserRow {
                id: p.id,
                is_self: p.id == admin.id,
                display_name: p.display_name,
                email: p.email,
                organisation: p.organisation,
                is_admin: p.role == Role::Admin,
                disabled: p.disabled,
                last_sign_in: p.last_sign_in_at.map(|t| format::date_time(t, tz)),
            })
            .collect(),
    };
    ctx.render("admin/users", "People and roles", None, &view)
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

#[handler]
pub async fn change_role(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
    Form(form): Form<RoleForm>,
) -> AppResult<Response> {
    let role = match form.role.as_str() {
        "admin" => Role::Admin,
        "member" => Role::Member,
        other => return Err(AppError::BadRequest(format!("{other:?} is not a role"))),
    };
    let person = accounts::set_role(&state.db, &admin.actor(), id, role, state.clock.now()).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        format!(
            "{} is now {}.",
            person.display_name,
            if role == Role::Admin {
                "an admin"
            } else {
                "a member"
            }
        ),
        "/admin/users",
    ))
}

async fn set_disabled(
    state: &AppState,
    admin: &crate::web::user::SessionUser,
    id: i64,
    jar: &CookieJar,
    disabled: bool,
) -> AppResult<Response> {
    let person =
        accounts::set_disabled(&state.db, &admin.actor(), id, disabled, state.clock.now()).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        if disabled {
            format!(
                "{}'s account is disabled and signed out everywhere.",
                person.display_name
            )
        } else {
            format!("{}'s account is enabled again.", person.display_name)
        },
        "/admin/users",
    ))
}

/// Asks before an account is disabled.
#[handler]
pub async fn confirm_disable(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::auth::policy::ensure_can_manage_accounts(&admin.actor())?;
    let person = accounts::find_user(&ctx.state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::web::confirm::render(
        ctx,
        &crate::web::confirm::Confirm {
            heading: format!("Disable {}\u{2019}s account?", person.display_name),
            message: format!(
                "{} ({}) is signed out everywhere at once and cannot sign in again until an \
                 admin enables the account. Nothing they wrote is deleted.",
                person.display_name, person.email
            ),
            action: format!("/admin/users/{id}/disable"),
            hidden: Vec::new(),
            reason: None,
            button: "Disable the account".into(),
            back_href: "/admin/users".into(),
        },
    )
}

#[handler]
pub async fn disable(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
) -> AppResult<Response> {
    set_disabled(&state, &admin, id, jar, true).await
}

#[handler]
pub async fn enable(
    state: Data<&AppState>,
    RequireAdmin(admin): RequireAdmin,
    Path(id): Path<i64>,
    jar: &CookieJar,
) -> AppResult<Response> {
    set_disabled(&state, &admin, id, jar, false).await
}

/// The audit log, newest first, under the filters in the query string. Filters that make no
/// sense give the form back with what is wrong (400), never a guess.
#[handler]
pub async fn audit(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Query(sent): Query<AuditQuery>,
) -> AppResult<Response> {
    let tz = ctx.state.config.time_zone;
    let actor = admin.actor();
    let people = service::log_people(&ctx.state.db, &actor).await?;
    let ids: Vec<i64> = people.people.iter().map(|p| p.id).collect();
    let (view, status) = match sent.parse(&ids) {
        Ok(filter) => {
            let page = service::audit_log(
                &ctx.state.db,
                &actor,
                &filter,
                filter.bounds(tz),
                sent.page(),
                AUDIT_PER_PAGE,
            )
            .await?;
            let form = views::filter_form(&sent, &FilterErrors::default(), &people);
            (views::audit_page(form, &filter, page, tz), StatusCode::OK)
        }
        Err(errors) => {
            let form = views::filter_form(&sent, &errors, &people);
            (views::invalid_filters(form), StatusCode::BAD_REQUEST)
        }
    };
    let title = if status == StatusCode::OK {
        "Audit log"
    } else {
        "Error: Audit log"
    };
    let mut resp = ctx
        .render("admin/audit", title, None, &view)?
        .into_response();
    resp.set_status(status);
    Ok(resp)
}
