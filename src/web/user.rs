//! The signed-in person as every page sees them, and the extractors handlers use to ask who
//! is asking (`MaybeUser`, `CurrentUser`, `RequireAdmin`). The session layer (in `auth`)
//! finds the person and leaves them on the request with [`set_loaded`]; nothing here knows
//! how sessions work.

use entity::user::Role;
use poem::{FromRequest, Request, RequestBody};
use serde::Serialize;

use crate::actor::Actor;
use crate::error::AppError;

/// The person behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct SessionUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    #[serde(skip)]
    pub session_id: i64,
}

impl SessionUser {
    /// What the rules need to know about them.
    pub fn actor(&self) -> Actor {
        Actor::from(self)
    }
}

impl From<&SessionUser> for Actor {
    fn from(user: &SessionUser) -> Self {
        Actor {
            id: user.id,
            role: user.role,
        }
    }
}

#[derive(Clone)]
struct LoadedUser(Option<SessionUser>);

/// Leaves the person a request comes from (or nobody) on it, for the extractors below.
pub fn set_loaded(req: &mut Request, user: Option<SessionUser>) {
    crate::web::errors::SeenViewer::set_user(req, user.clone());
    req.extensions_mut().insert(LoadedUser(user));
}

fn loaded(req: &Request) -> Option<SessionUser> {
    req.extensions()
        .get::<LoadedUser>()
        .and_then(|l| l.0.clone())
}

/// Whether the request comes from someone signed in.
pub fn is_signed_in(req: &Request) -> bool {
    req.extensions()
        .get::<LoadedUser>()
        .is_some_and(|l| l.0.is_some())
}

/// Whoever is signed in, if anyone.
pub struct MaybeUser(pub Option<SessionUser>);

/// A signed-in, enabled member; anyone else is sent to sign in (401).
pub struct CurrentUser(pub SessionUser);

/// A signed-in admin: anonymous visitors are sent to sign in (401), members get 403. Only
/// for the admin area's pages; what an admin may then do is still decided by the feature's
/// policy.
pub struct RequireAdmin(pub SessionUser);

impl<'a> FromRequest<'a> for MaybeUser {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(MaybeUser(loaded(req)))
    }
}

impl<'a> FromRequest<'a> for CurrentUser {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        loaded(req)
            .map(CurrentUser)
            .ok_or_else(|| AppError::Unauthorized.into())
    }
}

impl<'a> FromRequest<'a> for RequireAdmin {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        match loaded(req) {
            None => Err(AppError::Unauthorized.into()),
            Some(user) if user.actor().is_admin() => Ok(RequireAdmin(user)),
            Some(_) => {
                Err(AppError::Forbidden("Only the site's admins can do that.".into()).into())
            }
        }
    }
}
