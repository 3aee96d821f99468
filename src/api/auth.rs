//! Who is calling the API: a personal API token in `Authorization: Bearer ...`, never the
//! session cookie (so a page on another site cannot act through a signed-in browser, and
//! the API needs no CSRF token). Operations that act for a member take a [`Token`]; a
//! missing, malformed, unknown, revoked or expired token is a 401 that says which, and a
//! read-only token asked to write is a 403.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;

use crate::auth::tokens::{self, TokenHolder};
use crate::error::AppError;
use crate::state::AppState;

/// A personal API token (`cvn_...`), made on the profile's API tokens page.
#[derive(SecurityScheme)]
#[oai(
    rename = "PersonalToken",
    ty = "bearer",
    bearer_format = "cvn_ followed by 43 characters",
    checker = "check"
)]
pub struct Token(pub TokenHolder);

async fn check(req: &Request, bearer: Bearer) -> poem::Result<TokenHolder> {
    let state = req
        .data::<AppState>()
        .ok_or_else(|| AppError::Internal("no application state on the request".into()))?;
    Ok(tokens::authenticate(&state.db, bearer.token.trim(), state.clock.now()).await?)
}

impl Token {
    /// The member, if the token may write.
    pub fn writer(&self) -> Result<&crate::actor::Actor, AppError> {
        self.0.ensure_can_write()?;
        Ok(&self.0.actor)
    }
}
