use entity::user::Role;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Html, Path, Query};
use poem::{Response, handler};
use serde::Deserialize;

use crate::auth::service;
use crate::auth::views::{AuditRow, AuditView, UserRow, UsersView};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::format;
use crate::web::see_other;
use crate::web::user::RequireAdmin;

const AUDIT_PER_PAGE: u64 = 50;

#[handler]
pub async fn index(RequireAdmin(_): RequireAdmin) -> Response {
    see_other("/admin/users")
}

#[handler]
pub async fn users(ctx: PageCtx, RequireAdmin(admin): RequireAdmin) -> AppResult<Html<String>> {
    let tz = ctx.state.config.time_zone;
    let people = service::list_users(&ctx.state.db).await?;
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
    let person = service::set_role(&state.db, &admin.actor(), id, role, state.clock.now()).await?;
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
        service::set_disabled(&state.db, &admin.actor(), id, disabled, state.clock.now()).await?;
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
    let person = service::find_user(&ctx.state.db, id)
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

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[handler]
pub async fn audit(
    ctx: PageCtx,
    RequireAdmin(admin): RequireAdmin,
    Query(q): Query<PageQuery>,
) -> AppResult<Html<String>> {
    let tz = ctx.state.config.time_zone;
    let page = service::audit_log(
        &ctx.state.db,
        &admin.actor(),
        q.page.unwrap_or(1),
        AUDIT_PER_PAGE,
    )
    .await?;
    let view = AuditView {
        previous_href: (page.page > 1).then(|| format!("/admin/audit?page={}", page.page - 1)),
        next_href: (page.page < page.pages).then(|| format!("/admin/audit?page={}", page.page + 1)),
        page: page.page,
        pages: page.pages,
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditRow {
                at: format::date_time(e.at, tz),
                at_iso: format::iso(e.at),
                actor: e.actor_label,
                action: e.action,
                target: match e.target_id {
                    Some(id) => format!("{} {id}", e.target_type),
                    None => e.target_type,
                },
                detail: e.detail,
            })
            .collect(),
    };
    ctx.render("admin/audit", "Audit log", None, &view)
}
