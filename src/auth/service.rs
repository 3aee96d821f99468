//! Account rules that do not depend on HTTP: role grants and revocations.

use chrono::Utc;
use entity::user::{self, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::audit::{self, Actor, Entry};
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
    actor: &Actor,
) -> Result<GrantOutcome, AppError> {
    let email = normalise_email(raw_email)?;
    let txn = begin_write(db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    let now = Utc::now();
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
        actor,
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
    actor: &Actor,
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
    let id = found.id;
    let mut active: user::ActiveModel = found.into();
    active.role = Set(Role::Member);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
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
