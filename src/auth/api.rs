//! The token's member in the JSON API (`/api/v1/me`): who a token acts for and what it may
//! do, so a script can check its token before it relies on it.

use chrono::{DateTime, Utc};
use entity::api_token;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use sea_orm::EntityTrait;

use crate::api::auth::Token;
use crate::api::problem::WriteError;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Tags)]
enum AccountTags {
    /// The member a token acts for.
    Account,
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Scope {
    /// Read only.
    Read,
    /// Read, and act as its member: answer events, vote.
    Write,
}

/// The member a token acts for, and the token.
#[derive(Debug, Object)]
pub struct Me {
    pub id: i64,
    /// The member's name, as the site shows it.
    pub name: String,
    pub admin: bool,
    /// The token's name, as its member gave it.
    pub token_name: String,
    pub scope: Scope,
    pub expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum MeResponse {
    /// The token's member.
    #[oai(status = 200)]
    Ok(Json<Me>),
}

pub struct AccountApi;

#[OpenApi(tag = "AccountTags::Account")]
impl AccountApi {
    /// The token's member
    ///
    /// Who the token acts for, its scope and when it expires.
    #[oai(path = "/me", method = "get", operation_id = "getMe")]
    async fn me(&self, state: Data<&AppState>, token: Token) -> Result<MeResponse, WriteError> {
        let (row, owner) = api_token::Entity::find_by_id(token.0.token_id)
            .find_also_related(entity::user::Entity)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound)?;
        let owner = owner.ok_or(AppError::NotFound)?;
        Ok(MeResponse::Ok(Json(Me {
            id: owner.id,
            name: owner.display_name,
            admin: token.0.actor.is_admin(),
            token_name: row.name,
            scope: match row.scope {
                api_token::TokenScope::Read => Scope::Read,
                api_token::TokenScope::Write => Scope::Write,
            },
            expires_at: row.expires_at,
        })))
    }
}
