//! The demo's e-mail choices: Mei takes her mail once a day, Dan asks for the weekly digest,
//! Sam wants neither reminders nor news of meetings (but his actions, yes). Set only for people who have chosen nothing yet, so running
//! the demo loader again keeps what someone changed.

use chrono::{DateTime, Utc};
use entity::mail_preference;
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::error::AppError;
use crate::notify::{preferences, topics};

/// (person, topics on, daily)
const CHOICES: &[(&str, &[&str], bool)] = &[
    (
        "mei.chen@eastmere-uni.example",
        &[
            topics::DECISIONS,
            topics::CHANGES,
            topics::PLACES,
            topics::REMINDERS,
            topics::MEETINGS,
            topics::ACTIONS,
            topics::FORUM,
        ],
        true,
    ),
    (
        "dan.kowalski@mail.example",
        &[
            topics::DECISIONS,
            topics::CHANGES,
            topics::PLACES,
            topics::REMINDERS,
            topics::MEETINGS,
            topics::ACTIONS,
            topics::FORUM,
            topics::DIGEST,
        ],
        false,
    ),
    (
        "sam.whitfield@riverside-city.example",
        &[
            topics::DECISIONS,
            topics::CHANGES,
            topics::PLACES,
            topics::ACTIONS,
            topics::FORUM,
        ],
        false,
    ),
];

/// Returns for how many people choices were set.
pub async fn choices(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut set = 0;
    for (email, on, daily) in CHOICES {
        let Some(person) = user::Entity::find()
            .filter(user::Column::Email.eq(*email))
            .one(db)
            .await?
        else {
            continue;
        };
        let chosen = mail_preference::Entity::find()
            .filter(mail_preference::Column::UserId.eq(person.id))
            .count(db)
            .await?;
        if chosen > 0 {
            continue;
        }
        let on: Vec<String> = on.iter().map(|t| t.to_string()).collect();
        preferences::save(db, &person, &on, *daily, now).await?;
        set += 1;
    }
    Ok(set)
}
