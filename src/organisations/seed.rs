//! The demo register: the organisations the demo people and guests belong to, sorted by
//! kind with their websites, plus a few that nobody in the demo names yet. Guests' answers
//! later type "Northvale Council", which stays unsorted beside "Northvale County Council" for
//! an admin to merge, as happens on a real site.

use chrono::{DateTime, Utc};
use entity::organisation::{self, Kind};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::error::AppError;
use crate::organisations::service::key_of;

pub const REGISTER: &[(&str, Kind, Option<&str>)] = &[
    (
        "Northvale County Council",
        Kind::Council,
        Some("https://www.northvale.example/"),
    ),
    (
        "Riverside City Council",
        Kind::Council,
        Some("https://www.riverside.example/"),
    ),
    (
        "Midshire Libraries",
        Kind::Council,
        Some("https://libraries.midshire.example/"),
    ),
    (
        "Midshire Transport Partnership",
        Kind::Transport,
        Some("https://www.midshire-transport.example/"),
    ),
    (
        "Open Streets Trust",
        Kind::Charity,
        Some("https://openstreets.example/"),
    ),
    (
        "University of Eastmere",
        Kind::University,
        Some("https://www.eastmere.example/"),
    ),
    (
        "Railhead Analytics",
        Kind::Company,
        Some("https://railhead.example/"),
    ),
    ("Eastmere Civic Tech", Kind::Community, None),
];

/// Adds the demo register, or brings its entries back to these details. Idempotent.
pub async fn register(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let txn = begin_write(db).await?;
    let mut added = 0;
    for (name, kind, website) in REGISTER {
        let key = key_of(name);
        let found = organisation::Entity::find()
            .filter(organisation::Column::NameKey.eq(&key))
            .one(&txn)
            .await?;
        match found {
            Some(org) => {
                let mut active: organisation::ActiveModel = org.into();
                active.kind = Set(Some(*kind));
                active.website = Set(website.map(str::to_string));
                active.update(&txn).await?;
            }
            None => {
                organisation::ActiveModel {
                    name: Set(name.to_string()),
                    name_key: Set(key),
                    kind: Set(Some(*kind)),
                    website: Set(website.map(str::to_string)),
                    merged_into_id: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                added += 1;
            }
        }
    }
    txn.commit().await?;
    Ok(added)
}
