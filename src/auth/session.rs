//! Sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, an expiry that
//! slides forward while the person keeps using the site. The person found is left on the
//! request for `web::user`'s extractors.

use chrono::{DateTime, Duration, Utc};
use entity::session;
use entity::user;
use poem::web::cookie::{Cookie, CookieJar, SameSite};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use crate::config::Config;
use crate::db::begin_write;
use crate::error::AppError;
use crate::state::AppState;
pub use crate::web::user::SessionUser;
use crate::web::user::set_loaded;

/// Sliding renewal writes to the database at most this often per session.
const RENEW_EVERY: Duration = Duration::hours(1);

pub fn cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies() {
        "__Host-convene_session"
    } else {
        "convene_session"
    }
}

fn hash_token(token: &str) -> String {
    crate::secret::sha256_hex(token)
}

fn session_cookie(config: &Config, value: String, max_age: std::time::Duration) -> Cookie {
    let mut cookie = Cookie::new_with_str(cookie_name(config), value);
    cookie.set_path("/");
    cookie.set_http_only(true);
    // Lax, not Strict: the sign-in callback arrives as a top-level navigation from the
    // provider and must carry the cookies set before it left.
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(config.secure_cookies());
    cookie.set_max_age(max_age);
    cookie
}

fn lifetime(config: &Config) -> Duration {
    Duration::days(i64::from(config.auth.session_days))
}

/// Starts a session for `user_id` inside the caller's transaction and sets its cookie.
pub async fn create(
    db: &impl ConnectionTrait,
    config: &Config,
    jar: &CookieJar,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let token = crate::secret::random_token();
    // Expired sessions are useless; clearing them here keeps the table small without a
    // background job.
    session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    session::ActiveModel {
        token_hash: Set(hash_token(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + lifetime(config)),
        renewed_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    jar.add(session_cookie(
        config,
        token,
        lifetime(config).to_std().unwrap_or_default(),
    ));
    Ok(())
}

/// Ends this browser's session.
pub async fn destroy(state: &AppState, jar: &CookieJar, user: &SessionUser) -> Result<(), DbErr> {
    let txn = begin_write(&state.db).await?;
    session::Entity::delete_by_id(user.session_id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    clear_cookie(&state.config, jar);
    Ok(())
}

/// Ends every session of one person, on every device.
pub async fn destroy_all(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected)
}

pub fn clear_cookie(config: &Config, jar: &CookieJar) {
    let mut removal = session_cookie(config, String::new(), std::time::Duration::ZERO);
    removal.make_removal();
    jar.add(removal);
}

/// Looks the session up once per request and leaves `Option<SessionUser>` in the request's
/// extensions for the extractors below.
pub struct LoadSession {
    pub state: AppState,
}

impl<E: Endpoint> Middleware<E> for LoadSession {
    type Output = LoadSessionEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        LoadSessionEndpoint {
            inner,
            state: self.state.clone(),
        }
    }
}

pub struct LoadSessionEndpoint<E> {
    inner: E,
    state: AppState,
}

impl<E: Endpoint> Endpoint for LoadSessionEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let skip = req.uri().path().starts_with("/assets/") || req.uri().path() == "/healthz";
        let token = req
            .cookie()
            .get(cookie_name(&self.state.config))
            .map(|c| c.value_str().to_string())
            .filter(|t| !t.is_empty());
        let user = match token {
            Some(token) if !skip => {
                let found = lookup(&self.state, &token).await.map_err(AppError::from)?;
                if found.is_none() {
                    // Expired, ended elsewhere, disabled or tampered with: forget it.
                    clear_cookie(&self.state.config, req.cookie());
                }
                found
            }
            _ => None,
        };
        set_loaded(&mut req, user);
        Ok(self.inner.call(req).await?.into_response())
    }
}

async fn lookup(state: &AppState, token: &str) -> Result<Option<SessionUser>, DbErr> {
    let now = state.clock.now();
    let Some((session, Some(user))) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .find_also_related(user::Entity)
        .one(&state.db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now || user.disabled {
        return Ok(None);
    }
    if now - session.renewed_at >= RENEW_EVERY {
        renew(state, session.id, now).await?;
    }
    Ok(Some(SessionUser {
        id: user.id,
        email: user.email,
        display_name: user.display_name,
        role: user.role,
        session_id: session.id,
    }))
}

/// Pushes the expiry forward. The cookie keeps its original lifetime, which is at least as
/// long as the session's, so only the database row needs the write.
async fn renew(state: &AppState, session_id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    let txn = begin_write(&state.db).await?;
    session::ActiveModel {
        id: Set(session_id),
        expires_at: Set(now + lifetime(&state.config)),
        renewed_at: Set(now),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    txn.commit().await
}
