//! Account rules that do not depend on HTTP: role grants and revocations.

use chrono::{DateTime, Utc};
use entity::user::{self, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;

/// An email address as we store it: trimmed and lower-cased, and plausibly an address.
pub fn normalise_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 320
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(AppError::BadRequest(format!(
            "{:?} is not an email address",
            raw.trim()
        )))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum GrantOutcome {
    /// The account existed and is now an admin.
    Granted,
    /// The account was an admin already; nothing changed.
    AlreadyAdmin,
    /// Nobody with that address has signed in yet: an account now waits for them, and their
    /// first sign-in with a provider that has verified that address makes them an admin.
    Reserved,
}

/// Makes the person with this email an admin, now or at their first sign-in.
pub async fn grant_admin(
    db: &DatabaseConnection,
    raw_email: &str,
    who: &Who,
    now: DateTime<Utc>,
) -> Result<GrantOutcome, AppError> {
    let email = normalise_email(raw_email)?;
    let txn = begin_write(db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    let (outcome, id) = match existing {
        Some(found) if found.role == Role::Admin => return Ok(GrantOutcome::AlreadyAdmin),
        Some(found) => {
            let id = found.id;
            let mut active: user::ActiveModel = found.into();
            active.role = Set(Role::Admin);
            active.updated_at = Set(now);
            active.update(&txn).await?;
            (GrantOutcome::Granted, id)
        }
        None => {
            let display_name = email.split('@').next().unwrap_or(&email).to_string();
            let created = user::ActiveModel {
                email: Set(email.clone()),
                email_verified: Set(true),
                display_name: Set(display_name),
                organisation: Set(None),
                role: Set(Role::Admin),
                disabled: Set(false),
                listed_publicly: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                last_sign_in_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            (GrantOutcome::Reserved, created.id)
        }
    };
    audit::record(
        &txn,
        who,
        now,
        Entry {
            action: "role.grant",
            target_type: "user",
            target_id: Some(id.to_string()),
            detail: Some(format!("{email} is now an admin")),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(outcome)
}

#[derive(Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    Revoked,
    NotAdmin,
}

/// Makes an admin an ordinary member again.
pub async fn revoke_admin(
    db: &DatabaseConnection,
    raw_email: &str,
    who: &Who,
    now: DateTime<Utc>,
) -> Result<RevokeOutcome, AppError> {
    let email = normalise_email(raw_email)?;
    let txn = begin_write(db).await?;
    let Some(found) = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?
    else {
        return Err(AppError::BadRequest(format!(
            "there is no account with the email address {email}"
        )));
    };
    if found.role != Role::Admin {
        return Ok(RevokeOutcome::NotAdmin);
    }
    if !found.disabled
        && lock_active_admins(&txn)
            .await?
            .iter()
            .all(|a| a.id == found.id)
    {
        return Err(AppError::Conflict(format!(
            "{email} is the last active admin; grant another admin first"
        )));
    }
    let id = found.id;
    let mut active: user::ActiveModel = found.into();
    active.role = Set(Role::Member);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    audit::record(
        &txn,
        who,
        now,
        Entry {
            action: "role.revoke",
            target_type: "user",
            target_id: Some(id.to_string()),
            detail: Some(format!("{email} is no longer an admin")),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(RevokeOutcome::Revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email("  Priya.Shah@Northvale.gov.example ").unwrap(),
            "priya.shah@northvale.gov.example"
        );
        for bad in [
            "",
            "nobody",
            "a@b",
            "a b@c.example",
            "@c.example",
            "a@.example",
            "a@b@c.example",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?} was accepted");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Signing in
// ---------------------------------------------------------------------------------------

use entity::identity;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbErr, PaginatorTrait, QueryOrder, QuerySelect,
};

use crate::auth::providers::ProviderIdentity;

/// Why a verified identity still does not get a session. Each has a message for the person.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInRefusal {
    #[error("This account has been disabled. Please contact the site's admins.")]
    Disabled,
    #[error(
        "Your provider did not share an email address, and Convene needs one to create your \
         account. Check the account's settings with your provider, or use another provider."
    )]
    NoEmail,
    #[error(
        "An account with the address {0} already exists, but your provider has not verified \
         that this address is yours, so Convene will not sign you in to it. Sign in with the \
         provider you used before, or verify the address with your provider first."
    )]
    UnverifiedEmailInUse(String),
    #[error(
        "An account with the address {0} exists, but that address was never verified. Please \
         ask the site's admins to sort it out."
    )]
    ExistingAddressUnverified(String),
    #[error(
        "That {0} account is already linked to another Convene account. Sign out and sign in \
         with it to use that account."
    )]
    LinkedElsewhere(String),
}

#[derive(Debug, PartialEq, Eq)]
pub enum SignInKind {
    /// A returning person.
    Returning,
    /// A new sign-in method attached to an account (linked from the profile, or matched by a
    /// verified address, such as an admin granted before their first sign-in).
    Linked,
    /// A new account.
    Created,
}

/// Finds or creates the account for a provider's verified identity, inside `txn`.
/// `link_to` is the signed-in person's id when they are linking another provider.
pub async fn sign_in_identity(
    txn: &DatabaseTransaction,
    provider_id: &str,
    provider_label: &str,
    found: &ProviderIdentity,
    link_to: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Result<(user::Model, SignInKind), SignInRefusal>, sea_orm::DbErr> {
    let email = found.email.as_deref().and_then(|e| normalise_email(e).ok());

    let existing = identity::Entity::find()
        .filter(identity::Column::Provider.eq(provider_id))
        .filter(identity::Column::Subject.eq(&found.subject))
        .one(txn)
        .await?;

    if let Some(ident) = existing {
        if link_to.is_some_and(|id| id != ident.user_id) {
            return Ok(Err(SignInRefusal::LinkedElsewhere(provider_label.into())));
        }
        let Some(person) = user::Entity::find_by_id(ident.user_id).one(txn).await? else {
            return Err(sea_orm::DbErr::RecordNotFound(
                "identity without user".into(),
            ));
        };
        if person.disabled {
            return Ok(Err(SignInRefusal::Disabled));
        }
        let mut active: identity::ActiveModel = ident.into();
        active.email = Set(email.clone());
        active.email_verified = Set(found.email_verified);
        active.last_used_at = Set(now);
        active.update(txn).await?;
        return Ok(Ok((
            touch(txn, person, found, now).await?,
            SignInKind::Returning,
        )));
    }

    if let Some(user_id) = link_to {
        let Some(person) = user::Entity::find_by_id(user_id).one(txn).await? else {
            return Err(sea_orm::DbErr::RecordNotFound("linking user".into()));
        };
        attach(txn, person.id, provider_id, found, email.clone(), now).await?;
        return Ok(Ok((
            touch(txn, person, found, now).await?,
            SignInKind::Linked,
        )));
    }

    let Some(email) = email else {
        return Ok(Err(SignInRefusal::NoEmail));
    };
    let same_address = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(txn)
        .await?;
    match (same_address, found.email_verified) {
        (Some(person), true) => {
            if person.disabled {
                return Ok(Err(SignInRefusal::Disabled));
            }
            if !person.email_verified {
                return Ok(Err(SignInRefusal::ExistingAddressUnverified(email)));
            }
            attach(txn, person.id, provider_id, found, Some(email), now).await?;
            Ok(Ok((
                touch(txn, person, found, now).await?,
                SignInKind::Linked,
            )))
        }
        (Some(_), false) => Ok(Err(SignInRefusal::UnverifiedEmailInUse(email))),
        (None, verified) => {
            let display_name = found
                .name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            let person = user::ActiveModel {
                email: Set(email.clone()),
                email_verified: Set(verified),
                display_name: Set(clip(display_name.trim(), 100)),
                organisation: Set(None),
                role: Set(Role::Member),
                disabled: Set(false),
                listed_publicly: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                last_sign_in_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            attach(txn, person.id, provider_id, found, Some(email), now).await?;
            Ok(Ok((person, SignInKind::Created)))
        }
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

async fn attach(
    txn: &DatabaseTransaction,
    user_id: i64,
    provider_id: &str,
    found: &ProviderIdentity,
    email: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    identity::ActiveModel {
        user_id: Set(user_id),
        provider: Set(provider_id.to_string()),
        subject: Set(found.subject.clone()),
        email: Set(email),
        email_verified: Set(found.email_verified),
        created_at: Set(now),
        last_used_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Records the sign-in; an account waiting since `admin grant` takes the provider's name.
async fn touch(
    txn: &DatabaseTransaction,
    person: user::Model,
    found: &ProviderIdentity,
    now: DateTime<Utc>,
) -> Result<user::Model, sea_orm::DbErr> {
    let first_sign_in = person.last_sign_in_at.is_none();
    let mut active: user::ActiveModel = person.into();
    if first_sign_in && let Some(name) = found.name.as_deref().filter(|n| !n.trim().is_empty()) {
        active.display_name = Set(clip(name.trim(), 100));
    }
    active.last_sign_in_at = Set(Some(now));
    active.update(txn).await
}

// ---------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------

pub async fn find_user(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<user::Model>, sea_orm::DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// Display names for a handful of people, in one query.
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub async fn identities_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> Result<Vec<identity::Model>, sea_orm::DbErr> {
    identity::Entity::find()
        .filter(identity::Column::UserId.eq(user_id))
        .order_by_asc(identity::Column::CreatedAt)
        .all(db)
        .await
}

#[derive(Debug)]
pub struct ProfileChange {
    pub initials: Option<String>,
    pub display_name: String,
    pub organisation: Option<String>,
    pub listed_publicly: bool,
}

pub async fn update_profile(
    db: &DatabaseConnection,
    user_id: i64,
    change: ProfileChange,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let person = find_user(&txn, user_id).await?.ok_or(AppError::NotFound)?;
    if let Some(initials) = &change.initials
        && initials_taken(&txn, user_id, initials).await?
    {
        return Err(AppError::Conflict(format!(
            "Another member already uses the initials {initials}."
        )));
    }
    let organisation = match &change.organisation {
        Some(typed) => crate::organisations::service::link(&txn, typed, now).await?,
        None => None,
    };
    let mut active: user::ActiveModel = person.into();
    active.initials = Set(change.initials);
    active.display_name = Set(change.display_name);
    active.organisation = Set(organisation.as_ref().map(|o| o.name.clone()));
    active.organisation_id = Set(organisation.map(|o| o.id));
    active.listed_publicly = Set(change.listed_publicly);
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Whether another active member already goes by these initials (as the minutes must tell
/// people apart; a disabled account's initials are free again).
pub async fn initials_taken(
    db: &impl ConnectionTrait,
    user_id: i64,
    initials: &str,
) -> Result<bool, DbErr> {
    let others = user::Entity::find()
        .filter(user::Column::Initials.eq(initials))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Id.ne(user_id))
        .count(db)
        .await?;
    Ok(others > 0)
}

/// Removes one sign-in method, keeping at least one so nobody locks themselves out.
pub async fn unlink_identity(
    db: &DatabaseConnection,
    user_id: i64,
    identity_id: i64,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let mine = identities_of(&txn, user_id).await?;
    if !mine.iter().any(|i| i.id == identity_id) {
        return Err(AppError::NotFound);
    }
    if mine.len() < 2 {
        return Err(AppError::Conflict(
            "This is your only way to sign in, so it cannot be removed.".into(),
        ));
    }
    identity::Entity::delete_by_id(identity_id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Administration
// ---------------------------------------------------------------------------------------

pub async fn list_users(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, sea_orm::DbErr> {
    user::Entity::find()
        .order_by_desc(user::Column::Role)
        .order_by_asc(user::Column::DisplayName)
        .all(db)
        .await
}

/// The active admins as they are now, their rows locked until the transaction ends (on
/// PostgreSQL; SQLite's writers queue anyway). Two admins demoting each other at the same
/// moment are then decided one after the other, and the second finds it is no longer an
/// admin. Locked in id order, so two such transactions never wait for each other in a ring.
async fn lock_active_admins(txn: &DatabaseTransaction) -> Result<Vec<user::Model>, sea_orm::DbErr> {
    user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Disabled.eq(false))
        .order_by_asc(user::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await
}

/// Checks, inside the transaction, that the person acting is still an active admin, and that
/// the change leaves at least one: `removes` is the admin the change would take away.
async fn ensure_admins_remain(
    txn: &DatabaseTransaction,
    actor_id: i64,
    removes: Option<i64>,
) -> Result<(), AppError> {
    let admins = lock_active_admins(txn).await?;
    if !admins.iter().any(|a| a.id == actor_id) {
        return Err(AppError::Forbidden(
            "You are no longer an admin, so you cannot change accounts.".into(),
        ));
    }
    if let Some(id) = removes
        && admins.iter().all(|a| a.id == id)
    {
        return Err(AppError::Conflict(
            "The site must keep at least one active admin: make someone else an admin first."
                .into(),
        ));
    }
    Ok(())
}

/// An admin changes someone's role. Admins cannot demote themselves (another admin must),
/// so the site always keeps at least one.
pub async fn set_role(
    db: &DatabaseConnection,
    actor: &Actor,
    target_id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    crate::auth::policy::ensure_can_manage_accounts(actor)?;
    let txn = begin_write(db).await?;
    let demotes = (role != Role::Admin).then_some(target_id);
    ensure_admins_remain(&txn, actor.id, demotes).await?;
    let target = find_user(&txn, target_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.role == role {
        return Ok(target);
    }
    if target.id == actor.id {
        return Err(AppError::Conflict(
            "You cannot change your own role; ask another admin.".into(),
        ));
    }
    let email = target.email.clone();
    let mut active: user::ActiveModel = target.into();
    active.role = Set(role);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: if role == Role::Admin {
                "role.grant"
            } else {
                "role.revoke"
            },
            target_type: "user",
            target_id: Some(target_id.to_string()),
            detail: Some(format!("{email} is now {}", role.as_str())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Disables or re-enables an account. Disabling ends all its sessions at once.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    target_id: i64,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<user::Model, AppError> {
    crate::auth::policy::ensure_can_manage_accounts(actor)?;
    let txn = begin_write(db).await?;
    ensure_admins_remain(&txn, actor.id, disabled.then_some(target_id)).await?;
    let target = find_user(&txn, target_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.id == actor.id && disabled {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    if target.disabled == disabled {
        return Ok(target);
    }
    let email = target.email.clone();
    let mut active: user::ActiveModel = target.into();
    active.disabled = Set(disabled);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    let ended = if disabled {
        crate::auth::session::destroy_all(&txn, target_id).await?
    } else {
        0
    };
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: if disabled {
                "account.disable"
            } else {
                "account.enable"
            },
            target_type: "user",
            target_id: Some(target_id.to_string()),
            detail: Some(if disabled {
                format!("{email} disabled; {ended} session(s) ended")
            } else {
                format!("{email} enabled")
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
