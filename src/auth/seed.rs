//! The demo forum's people: invented names at councils, a transport partnership, a charity
//! and a university, on the reserved `.example` domain so no mail can reach anyone. Running it
//! again updates them instead of adding more.

use chrono::{DateTime, Utc};
use entity::user::{self, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::db::begin_write;
use crate::error::AppError;

pub struct DemoPerson {
    pub email: &'static str,
    pub name: &'static str,
    pub organisation: Option<&'static str>,
    pub role: Role,
}

/// How long ago each demo person joined, in the order of [`PEOPLE`].
const JOINED_DAYS_AGO: &[i64] = &[720, 700, 540, 420, 300, 150, 45, 12];

/// The forum's people. Every name and organisation is invented; the addresses use the
/// reserved `.example` domain so no mail can ever reach a real person.
pub const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        email: "priya.shah@northvale-council.example",
        name: "Priya Shah",
        organisation: Some("Northvale County Council"),
        role: Role::Admin,
    },
    DemoPerson {
        email: "tom.okafor@eastmere-uni.example",
        name: "Tom Okafor",
        organisation: Some("University of Eastmere"),
        role: Role::Admin,
    },
    DemoPerson {
        email: "gareth.lloyd@riverside-city.example",
        name: "Gareth Lloyd",
        organisation: Some("Riverside City Council"),
        role: Role::Member,
    },
    DemoPerson {
        email: "aisha.rahman@midshire-transport.example",
        name: "Aisha Rahman",
        organisation: Some("Midshire Transport Partnership"),
        role: Role::Member,
    },
    DemoPerson {
        email: "helen.mcallister@openstreets-trust.example",
        name: "Helen McAllister",
        organisation: Some("Open Streets Trust"),
        role: Role::Member,
    },
    DemoPerson {
        email: "mei.chen@eastmere-uni.example",
        name: "Mei Chen",
        organisation: Some("University of Eastmere"),
        role: Role::Member,
    },
    DemoPerson {
        email: "sam.whitfield@riverside-city.example",
        name: "Sam Whitfield",
        organisation: Some("Riverside City Council"),
        role: Role::Member,
    },
    DemoPerson {
        email: "dan.kowalski@mail.example",
        name: "Dan Kowalski",
        organisation: None,
        role: Role::Member,
    },
];

/// How many people were added and updated.
pub async fn people(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<(usize, usize), AppError> {
    let txn = begin_write(db).await?;
    let (mut added, mut updated) = (0, 0);
    for (i, person) in PEOPLE.iter().enumerate() {
        let organisation = match person.organisation {
            Some(name) => crate::organisations::service::link(&txn, name, now).await?,
            None => None,
        };
        let organisation_id = organisation.as_ref().map(|o| o.id);
        let organisation = organisation.map(|o| o.name);
        let existing = user::Entity::find()
            .filter(user::Column::Email.eq(person.email))
            .one(&txn)
            .await?;
        match existing {
            Some(found) => {
                let mut active: user::ActiveModel = found.into();
                active.display_name = Set(person.name.to_string());
                active.organisation = Set(organisation);
                active.organisation_id = Set(organisation_id);
                active.role = Set(person.role);
                active.updated_at = Set(now);
                active.update(&txn).await?;
                updated += 1;
            }
            None => {
                user::ActiveModel {
                    email: Set(person.email.to_string()),
                    email_verified: Set(true),
                    display_name: Set(person.name.to_string()),
                    organisation: Set(organisation),
                    organisation_id: Set(organisation_id),
                    role: Set(person.role),
                    disabled: Set(false),
                    listed_publicly: Set(true),
                    // Joined over the past two years, the newest since the last meeting.
                    created_at: Set(
                        now - chrono::Duration::days(JOINED_DAYS_AGO[i % JOINED_DAYS_AGO.len()])
                    ),
                    updated_at: Set(now),
                    last_sign_in_at: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                added += 1;
            }
        }
    }
    txn.commit().await?;
    Ok((added, updated))
}
