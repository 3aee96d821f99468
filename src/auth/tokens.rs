//! Personal API tokens: a member makes a named token, read-only or able to write, that
//! expires after a chosen number of days; it is shown once and only its SHA-256 is kept. The
//! API accepts it as `Authorization: Bearer cvn_...` and acts as that member, under the
//! same rules as the pages, and only as far as the token's scope allows. Members revoke
//! their tokens; a disabled account's tokens stop working with it.

use chrono::{DateTime, Duration, Utc};
use entity::api_token::{self, TokenScope};
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::{AppError, AppResult};

/// What every token starts with, so a leaked one is recognisable (secret scanners, logs).
pub const PREFIX: &str = "cvn_";
/// How many days a token may last, at most.
pub const MAX_DAYS: u32 = 366;
/// How many unrevoked, unexpired tokens a member may hold.
pub const MAX_ACTIVE: u64 = 20;
/// How often `last_used_at` is written, at most.
const USE_EVERY: Duration = Duration::hours(1);

/// A new token as the form gives it.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scope: TokenScope,
    pub days: u32,
}

/// Makes a token for the member: the row, and the token itself, which is never seen again.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewToken,
    now: DateTime<Utc>,
) -> AppResult<(api_token::Model, String)> {
    make(db, actor, &Who::from(actor), input, now).await
}

/// `convene token EMAIL`: a token for the member with that address, made from the command
/// line (for a service that reads or writes as an account set aside for it).
pub async fn create_for(
    db: &DatabaseConnection,
    email: &str,
    input: NewToken,
    now: DateTime<Utc>,
) -> AppResult<(api_token::Model, String)> {
    let email = crate::auth::service::normalise_email(email)?;
    let owner = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            AppError::NotFoundWith(format!(
                "Nobody with an active account has the address {email}: they must sign in once first."
            ))
        })?;
    make(db, &Actor::from(&owner), &Who::CommandLine, input, now).await
}

async fn make(
    db: &DatabaseConnection,
    actor: &Actor,
    who: &Who,
    input: NewToken,
    now: DateTime<Utc>,
) -> AppResult<(api_token::Model, String)> {
    let txn = begin_write(db).await?;
    let active = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(actor.id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(now))
        .count(&txn)
        .await?;
    if active >= MAX_ACTIVE {
        return Err(AppError::Conflict(format!(
            "You have {MAX_ACTIVE} tokens in use already. Revoke one you no longer need first."
        )));
    }
    let secret = format!("{PREFIX}{}", crate::secret::random_token());
    let row = api_token::ActiveModel {
        user_id: Set(actor.id),
        name: Set(input.name),
        token_hash: Set(crate::secret::sha256_hex(&secret)),
        hint: Set(secret.chars().take(10).collect()),
        scope: Set(input.scope),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(input.days.clamp(1, MAX_DAYS).into())),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        now,
        Entry {
            action: "api_token.create",
            target_type: "api_token",
            target_id: Some(row.id.to_string()),
            detail: Some(format!("{} ({})", row.name, row.scope.as_str())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((row, secret))
}

/// The member's tokens, newest first, revoked and expired ones included.
pub async fn list(db: &DatabaseConnection, user_id: i64) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?)
}

/// Revokes one of the member's own tokens; anybody else's is not found. Revoking twice is
/// harmless.
pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<api_token::Model> {
    let txn = begin_write(db).await?;
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::UserId.eq(actor.id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut active: api_token::ActiveModel = token.into();
    active.revoked_at = Set(Some(now));
    let token = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "api_token.revoke",
            target_type: "api_token",
            target_id: Some(token.id.to_string()),
            detail: Some(token.name.clone()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(token)
}

/// Who a token acts for, and what it may do.
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub actor: Actor,
    pub scope: TokenScope,
    pub token_id: i64,
}

impl TokenHolder {
    /// Writes need the write scope.
    pub fn ensure_can_write(&self) -> Result<(), AppError> {
        match self.scope {
            TokenScope::Write => Ok(()),
            TokenScope::Read => Err(AppError::InsufficientScope(
                "This token may only read. Make a token with the write scope on your \
                 profile's API tokens page to do this."
                    .into(),
            )),
        }
    }
}

fn refused(why: &str) -> AppError {
    AppError::InvalidToken(why.to_string())
}

/// The member a presented token acts for; why not, in words, when it does not.
pub async fn authenticate(
    db: &DatabaseConnection,
    presented: &str,
    now: DateTime<Utc>,
) -> AppResult<TokenHolder> {
    let well_formed = presented.len() == PREFIX.len() + 43
        && presented.starts_with(PREFIX)
        && presented[PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(refused(
            "This is not a Convene API token: tokens start with cvn_ and are 47 characters.",
        ));
    }
    let Some((token, owner)) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(crate::secret::sha256_hex(presented)))
        .find_also_related(user::Entity)
        .one(db)
        .await?
    else {
        return Err(refused(
            "This token is not known: it may have been mistyped.",
        ));
    };
    if token.revoked_at.is_some() {
        return Err(refused("This token was revoked."));
    }
    if token.expires_at <= now {
        return Err(refused(&format!(
            "This token expired on {}. Make a new one on your profile's API tokens page.",
            token.expires_at.format("%Y-%m-%d")
        )));
    }
    let Some(owner) = owner.filter(|u| !u.disabled) else {
        return Err(refused("The account this token belongs to is disabled."));
    };
    if token
        .last_used_at
        .is_none_or(|used| now - used >= USE_EVERY)
    {
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(api_token::Column::Id.eq(token.id))
            .exec(db)
            .await?;
    }
    Ok(TokenHolder {
        actor: Actor::from(&owner),
        scope: token.scope,
        token_id: token.id,
    })
}
