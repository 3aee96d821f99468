//! The register's rules: finding an organisation by any spelling of its name (and adding a
//! typed name nobody has used before), admins adding, editing and merging entries. Every
//! place that stores an organisation's name beside its id is rewritten here, in the same
//! transaction, when the name changes or two entries become one.

use chrono::{DateTime, Utc};
use entity::organisation::{self, Kind};
use entity::{action_owner, meeting_attendance, rsvp, user};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::{AppError, AppResult};

pub use migration::organisation_key as key_of;

/// An organisation as a record that names one stores: its id and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

/// On PostgreSQL, reading an entry to store its id takes a share lock, and renaming or
/// merging one an exclusive lock, so a profile saved during a merge waits for it and then
/// follows it (and a merge waits for the save, then moves it too). SQLite's write
/// transactions already run one at a time.
fn shared(
    db: &impl ConnectionTrait,
    q: Select<organisation::Entity>,
) -> Select<organisation::Entity> {
    if db.get_database_backend() == DbBackend::Postgres {
        q.lock_shared()
    } else {
        q
    }
}

fn exclusive(
    db: &impl ConnectionTrait,
    q: Select<organisation::Entity>,
) -> Select<organisation::Entity> {
    if db.get_database_backend() == DbBackend::Postgres {
        q.lock_exclusive()
    } else {
        q
    }
}

/// How deep a chain of merges may go before it is taken as broken (merging flattens chains,
/// so real ones have one step).
const MAX_MERGE_STEPS: usize = 8;

/// The entry a typed name belongs to, following merges; a name nobody has used before is
/// added to the register, unsorted, for an admin to sort or merge. `None` for an empty name.
/// Call it inside the transaction that stores the result.
pub async fn link(
    db: &impl ConnectionTrait,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<Option<Named>, sea_orm::DbErr> {
    let name = typed.split_whitespace().collect::<Vec<_>>().join(" ");
    let key = key_of(&name);
    if key.is_empty() {
        return Ok(None);
    }
    // Two people typing a new name at once: one insert wins, both then read it.
    organisation::Entity::insert(organisation::ActiveModel {
        name: Set(name),
        name_key: Set(key.clone()),
        kind: Set(None),
        website: Set(None),
        merged_into_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(organisation::Column::NameKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let found = shared(
        db,
        organisation::Entity::find().filter(organisation::Column::NameKey.eq(key)),
    )
    .one(db)
    .await?
    .ok_or_else(|| sea_orm::DbErr::RecordNotFound("the organisation just added".into()))?;
    let found = current(db, found).await?;
    Ok(Some(Named {
        id: found.id,
        name: found.name,
    }))
}

/// The sorted entry this name belongs to, if any (following merges): for text that may name
/// an organisation or a person (an action's owner), where an unknown name is a person's.
pub async fn find_sorted(
    db: &impl ConnectionTrait,
    typed: &str,
) -> Result<Option<Named>, sea_orm::DbErr> {
    let key = key_of(typed);
    if key.is_empty() {
        return Ok(None);
    }
    let Some(found) = shared(
        db,
        organisation::Entity::find().filter(organisation::Column::NameKey.eq(key)),
    )
    .one(db)
    .await?
    else {
        return Ok(None);
    };
    let found = current(db, found).await?;
    Ok(found.kind.is_some().then_some(Named {
        id: found.id,
        name: found.name,
    }))
}

/// The entry a merged one leads to (itself when not merged).
pub async fn current(
    db: &impl ConnectionTrait,
    mut org: organisation::Model,
) -> Result<organisation::Model, sea_orm::DbErr> {
    for _ in 0..MAX_MERGE_STEPS {
        let Some(next) = org.merged_into_id else {
            return Ok(org);
        };
        match shared(db, organisation::Entity::find_by_id(next))
            .one(db)
            .await?
        {
            Some(o) => org = o,
            None => return Ok(org),
        }
    }
    Ok(org)
}

/// What an admin gives for an entry.
#[derive(Debug, Clone)]
pub struct Details {
    pub name: String,
    pub kind: Kind,
    pub website: Option<String>,
}

/// Refused because another entry already has this name (by its key).
fn name_taken(other: &organisation::Model) -> AppError {
    AppError::Conflict(format!(
        "\u{201c}{}\u{201d} is already in the register.",
        other.name
    ))
}

async fn same_key(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<organisation::Model>, sea_orm::DbErr> {
    organisation::Entity::find()
        .filter(organisation::Column::NameKey.eq(key_of(name)))
        .one(db)
        .await
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    details: Details,
    now: DateTime<Utc>,
) -> AppResult<organisation::Model> {
    let txn = begin_write(db).await?;
    if let Some(other) = same_key(&txn, &details.name).await? {
        return Err(name_taken(&other));
    }
    let org = organisation::ActiveModel {
        name_key: Set(key_of(&details.name)),
        name: Set(details.name),
        kind: Set(Some(details.kind)),
        website: Set(details.website),
        merged_into_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "organisation.create",
            target_type: "organisation",
            target_id: Some(org.id.to_string()),
            detail: Some(format!("{} ({})", org.name, details.kind.label())),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Rewrites the name stored beside `ids` (entries being renamed or merged) to `to`.
async fn rewrite_uses(
    db: &impl ConnectionTrait,
    ids: &[i64],
    to: &Named,
) -> Result<(), sea_orm::DbErr> {
    user::Entity::update_many()
        .col_expr(user::Column::OrganisationId, Expr::value(to.id))
        .col_expr(user::Column::Organisation, Expr::value(to.name.clone()))
        .filter(user::Column::OrganisationId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    meeting_attendance::Entity::update_many()
        .col_expr(
            meeting_attendance::Column::OrganisationId,
            Expr::value(to.id),
        )
        .col_expr(
            meeting_attendance::Column::Organisation,
            Expr::value(to.name.clone()),
        )
        .filter(meeting_attendance::Column::OrganisationId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    rsvp::Entity::update_many()
        .col_expr(rsvp::Column::GuestOrganisationId, Expr::value(to.id))
        .col_expr(
            rsvp::Column::GuestOrganisation,
            Expr::value(to.name.clone()),
        )
        .filter(rsvp::Column::GuestOrganisationId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    action_owner::Entity::update_many()
        .col_expr(action_owner::Column::OrganisationId, Expr::value(to.id))
        .col_expr(action_owner::Column::Name, Expr::value(to.name.clone()))
        .filter(action_owner::Column::OrganisationId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    details: Details,
    now: DateTime<Utc>,
) -> AppResult<organisation::Model> {
    let txn = begin_write(db).await?;
    let org = exclusive(&txn, organisation::Entity::find_by_id(id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if org.merged_into_id.is_some() {
        return Err(AppError::Conflict(
            "This entry was merged into another; edit that one instead.".into(),
        ));
    }
    if let Some(other) = same_key(&txn, &details.name).await?
        && other.id != id
    {
        // Back to an earlier name of its own (never published): that name is this entry's
        // again. Anything else with this name is another entry.
        if other.merged_into_id == Some(id) && other.kind.is_none() {
            organisation::Entity::delete_by_id(other.id)
                .exec(&txn)
                .await?;
        } else {
            return Err(name_taken(&other));
        }
    }
    let renamed = org.name != details.name;
    let old_key = org.name_key.clone();
    let old_name = org.name.clone();
    let mut changes = Vec::new();
    if renamed {
        changes.push(format!("renamed from {}", org.name));
    }
    if org.kind != Some(details.kind) {
        changes.push(format!("kind: {}", details.kind.label()));
    }
    if org.website != details.website {
        changes.push(format!(
            "website: {}",
            details.website.as_deref().unwrap_or("none")
        ));
    }
    let mut active: organisation::ActiveModel = org.into();
    active.name_key = Set(key_of(&details.name));
    active.name = Set(details.name.clone());
    active.kind = Set(Some(details.kind));
    active.website = Set(details.website);
    active.updated_at = Set(now);
    let org = active.update(&txn).await?;
    // The old name keeps leading here, so people who type it still find the entry.
    if old_key != org.name_key {
        organisation::ActiveModel {
            name: Set(old_name),
            name_key: Set(old_key),
            kind: Set(None),
            website: Set(None),
            merged_into_id: Set(Some(org.id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    if renamed {
        rewrite_uses(
            &txn,
            &[org.id],
            &Named {
                id: org.id,
                name: org.name.clone(),
            },
        )
        .await?;
    }
    if !changes.is_empty() {
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "organisation.edit",
                target_type: "organisation",
                target_id: Some(org.id.to_string()),
                detail: Some(format!("{}: {}", org.name, changes.join("; "))),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(org)
}

/// Makes `from` a duplicate of `into`: everyone and everything that named `from` names
/// `into`, and `from`'s id and name lead to `into` from now on.
pub async fn merge(
    db: &DatabaseConnection,
    actor: &Actor,
    from: i64,
    into: i64,
    now: DateTime<Utc>,
) -> AppResult<organisation::Model> {
    if from == into {
        return Err(AppError::BadRequest(
            "Choose another organisation to merge this one into.".into(),
        ));
    }
    let txn = begin_write(db).await?;
    // Both rows, the lower id first, so two merges of the same pair queue.
    let mut both = exclusive(
        &txn,
        organisation::Entity::find()
            .filter(organisation::Column::Id.is_in([from, into]))
            .order_by_asc(organisation::Column::Id),
    )
    .all(&txn)
    .await?;
    let pos = |id: i64, all: &Vec<organisation::Model>| all.iter().position(|o| o.id == id);
    let (Some(f), Some(_)) = (pos(from, &both), pos(into, &both)) else {
        return Err(AppError::NotFound);
    };
    let source = both.remove(f);
    let target = both.remove(0);
    if source.merged_into_id.is_some() {
        return Err(AppError::Conflict(format!(
            "\u{201c}{}\u{201d} has already been merged.",
            source.name
        )));
    }
    if target.merged_into_id.is_some() {
        return Err(AppError::Conflict(format!(
            "\u{201c}{}\u{201d} was itself merged into another entry; choose that one.",
            target.name
        )));
    }
    // Entries merged into `from` earlier now lead straight to `into`.
    let earlier: Vec<i64> = organisation::Entity::find()
        .filter(organisation::Column::MergedIntoId.eq(from))
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    organisation::Entity::update_many()
        .col_expr(organisation::Column::MergedIntoId, Expr::value(into))
        .col_expr(organisation::Column::UpdatedAt, Expr::value(now))
        .filter(organisation::Column::Id.is_in(earlier.iter().copied().chain([from])))
        .exec(&txn)
        .await?;
    rewrite_uses(
        &txn,
        &[from],
        &Named {
            id: target.id,
            name: target.name.clone(),
        },
    )
    .await?;
    // A merge into an unsorted entry takes the duplicate's details.
    let mut target = target;
    if target.kind.is_none() && source.kind.is_some()
        || target.website.is_none() && source.website.is_some()
    {
        let mut active: organisation::ActiveModel = target.clone().into();
        active.kind = Set(target.kind.or(source.kind));
        active.website = Set(target.website.clone().or(source.website.clone()));
        active.updated_at = Set(now);
        target = active.update(&txn).await?;
    }
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "organisation.merge",
            target_type: "organisation",
            target_id: Some(target.id.to_string()),
            detail: Some(format!(
                "{} (#{}) merged into {} (#{})",
                source.name, source.id, target.name, target.id
            )),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(target)
}
