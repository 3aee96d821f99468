//! `/profile/tokens`: a member's personal API tokens. Making one shows it once, on the page
//! that answers the form (never in a redirect, a flash cookie or a log); the list names each
//! by what its member called it and its first characters, with its scope, expiry, last use
//! and a button to revoke it.

use chrono::{DateTime, Utc};
use entity::api_token::{self, TokenScope};
use poem::http::{HeaderValue, StatusCode, header};
use poem::web::cookie::CookieJar;
use poem::web::{Form, Path};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};

use crate::auth::tokens::{self, MAX_DAYS, NewToken};
use crate::error::AppResult;
use crate::web::PageCtx;
use crate::web::flash::done;
use crate::web::format;
use crate::web::text::{FieldErrors, errors_json, single};
use crate::web::user::CurrentUser;

/// The lifetimes offered, in days; 90 unless chosen.
const LIFETIMES: [(u32, &str); 4] = [
    (7, "A week"),
    (30, "30 days"),
    (90, "90 days"),
    (365, "A year"),
];
const DEFAULT_DAYS: u32 = 90;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub days: String,
}

impl TokenForm {
    pub fn parse(&self) -> Result<NewToken, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = single(
            &mut errors,
            "name",
            &self.name,
            80,
            Some("Name the token after what will use it, such as \"Council dashboard\"."),
        );
        let scope = TokenScope::parse(&self.scope);
        if scope.is_none() {
            errors.insert(
                "scope",
                "Choose whether the token may only read, or also act for you.".into(),
            );
        }
        let days = self
            .days
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=MAX_DAYS).contains(d));
        if days.is_none() {
            errors.insert("days", "Choose how long the token lasts.".into());
        }
        match (name, scope, days) {
            (Some(name), Some(scope), Some(days)) if errors.is_empty() => {
                Ok(NewToken { name, scope, days })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    name: String,
    hint: String,
    scope: &'static str,
    created: String,
    expires: String,
    last_used: Option<String>,
    state: &'static str,
    active: bool,
}

#[derive(Serialize)]
struct Lifetime {
    days: u32,
    label: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct TokensPage {
    tokens: Vec<TokenRow>,
    form: TokenForm,
    lifetimes: Vec<Lifetime>,
    invalid: bool,
    errors: serde_json::Value,
    /// The token just made: shown this once.
    made: Option<Made>,
}

#[derive(Serialize)]
struct Made {
    name: String,
    secret: String,
    scope: &'static str,
    expires: String,
}

fn row(t: &api_token::Model, now: DateTime<Utc>, tz: chrono_tz::Tz) -> TokenRow {
    let (state, active) = if t.revoked_at.is_some() {
        ("Revoked", false)
    } else if t.expires_at <= now {
        ("Expired", false)
    } else {
        ("In use", true)
    };
    TokenRow {
        id: t.id,
        name: t.name.clone(),
        hint: format!("{}…", t.hint),
        scope: scope_label(t.scope),
        created: format::day(t.created_at, tz),
        expires: format::day(t.expires_at, tz),
        last_used: t.last_used_at.map(|at| format::day(at, tz)),
        state,
        active,
    }
}

fn scope_label(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Read => "Read",
        TokenScope::Write => "Read and act for me",
    }
}

async fn page(
    ctx: PageCtx,
    user_id: i64,
    form: TokenForm,
    errors: FieldErrors,
    made: Option<Made>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let now = state.clock.now();
    let tz = state.config.time_zone;
    let rows = tokens::list(&state.db, user_id)
        .await?
        .iter()
        .map(|t| row(t, now, tz))
        .collect();
    let chosen = form.days.parse::<u32>().unwrap_or(DEFAULT_DAYS);
    let invalid = !errors.is_empty();
    let view = TokensPage {
        tokens: rows,
        lifetimes: LIFETIMES
            .iter()
            .map(|(days, label)| Lifetime {
                days: *days,
                label,
                selected: *days == chosen,
            })
            .collect(),
        form,
        invalid,
        errors: errors_json(&errors),
        made,
    };
    let mut resp = ctx
        .render_form(
            "auth/tokens",
            "API tokens",
            invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
            &view,
        )?
        .into_response();
    // The page may hold a token that is shown once: never keep a copy anywhere.
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[handler]
pub async fn tokens_page(ctx: PageCtx, CurrentUser(user): CurrentUser) -> AppResult<Response> {
    let form = TokenForm {
        scope: "read".into(),
        days: DEFAULT_DAYS.to_string(),
        ..Default::default()
    };
    page(ctx, user.id, form, FieldErrors::new(), None).await
}

#[handler]
pub async fn create_token(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let input = match form.parse() {
        Ok(input) => input,
        Err(errors) => return page(ctx, user.id, form, errors, None).await,
    };
    let state = ctx.state.clone();
    let (row, secret) = tokens::create(&state.db, &user.actor(), input, state.clock.now()).await?;
    let made = Made {
        name: row.name.clone(),
        secret,
        scope: scope_label(row.scope),
        expires: format::day(row.expires_at, state.config.time_zone),
    };
    let fresh = TokenForm {
        scope: "read".into(),
        days: DEFAULT_DAYS.to_string(),
        ..Default::default()
    };
    page(ctx, user.id, fresh, FieldErrors::new(), Some(made)).await
}

#[handler]
pub async fn revoke_token(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let state = ctx.state.clone();
    let token = tokens::revoke(&state.db, &user.actor(), id, state.clock.now()).await?;
    Ok(done(
        &state,
        jar,
        format!(
            "The token \"{}\" is revoked: it no longer works.",
            token.name
        ),
        "/profile/tokens",
    ))
}
