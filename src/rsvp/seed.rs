//! The demo forum's answers, given through the same services as people use: the next forum
//! meeting with its lunch numbers, notes and a guest; a hack day that is full, with a waiting
//! list; an open data camp with an evening social. Events that already have answers are left
//! alone, so running the demo again changes nothing.

use chrono::{DateTime, Duration, Utc};
use entity::{event, rsvp, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::actor::Actor;
use crate::error::AppError;
use crate::rsvp::forms::{Answer, AnswerInput, GuestInput, SettingsInput};
use crate::rsvp::workflow;

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
const MEI: &str = "mei.chen@eastmere-uni.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const DAN: &str = "dan.kowalski@mail.example";

struct Demo {
    title: &'static str,
    organiser: &'static str,
    settings: SettingsInput,
    /// Who answers, in order: (email, going?, staying for the extra?, note).
    answers: &'static [(&'static str, bool, bool, Option<&'static str>)],
    guests: &'static [(&'static str, &'static str, bool)],
}

fn demos() -> Vec<Demo> {
    vec![
        Demo {
            title: "Northvale Open Data Forum",
            organiser: PRIYA,
            settings: SettingsInput {
                capacity: Some(30),
                offers_extra: true,
                extra_label: None,
                closes_hours: Some(48),
            },
            answers: &[
                (PRIYA, true, true, None),
                (GARETH, true, true, Some("Vegetarian, please")),
                (AISHA, true, true, None),
                (
                    MEI,
                    true,
                    false,
                    Some("I use a wheelchair: step-free route from the car park, please"),
                ),
                (SAM, true, true, Some("No nuts (allergy)")),
                (HELEN, false, false, None),
            ],
            guests: &[("Cllr Jo Marsh", "Northvale Council", true)],
        },
        Demo {
            title: "Bus Data Hack Day",
            organiser: AISHA,
            settings: SettingsInput {
                capacity: Some(6),
                offers_extra: true,
                extra_label: None,
                closes_hours: None,
            },
            answers: &[
                (AISHA, true, true, None),
                (TOM, true, true, None),
                (DAN, true, true, Some("Vegan")),
                (SAM, true, false, None),
                (MEI, true, true, None),
                (GARETH, true, true, None),
                (HELEN, true, true, None),
                (PRIYA, true, false, None),
            ],
            guests: &[],
        },
        Demo {
            title: "Open Data Camp Midshire",
            organiser: TOM,
            settings: SettingsInput {
                capacity: Some(150),
                offers_extra: true,
                extra_label: Some("Evening social".into()),
                closes_hours: Some(72),
            },
            answers: &[
                (TOM, true, true, None),
                (HELEN, true, false, None),
                (DAN, true, true, None),
            ],
            guests: &[("Ruth Adeyemi", "Midshire Libraries", false)],
        },
    ]
}

async fn person(db: &DatabaseConnection, email: &str) -> Result<user::Model, AppError> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo person {email} missing")))
}

/// Returns how many answers it added.
pub async fn answers(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let mut added = 0;
    for demo in demos() {
        let Some(e) = event::Entity::find()
            .filter(event::Column::Title.eq(demo.title))
            .one(db)
            .await?
        else {
            continue;
        };
        let has_answers = rsvp::Entity::find()
            .filter(rsvp::Column::EventId.eq(e.id))
            .count(db)
            .await?
            > 0;
        if has_answers {
            continue;
        }
        let organiser = Actor::from(&person(db, demo.organiser).await?);
        workflow::update_settings(db, &organiser, e.id, &demo.settings, true, now).await?;
        // A series: its next date that is open for answers.
        let date = match e.rrule.as_deref() {
            Some(rule) => {
                let duration = e.ends_at - e.starts_at;
                crate::events::recurrence::starts_between(
                    rule,
                    e.starts_at,
                    duration,
                    e.zone(),
                    now + Duration::days(3),
                    now + Duration::days(400),
                    1,
                )
                .first()
                .map(|start| start.with_timezone(&e.zone()).date_naive())
            }
            None => None,
        };
        for (i, (email, going, extra, note)) in demo.answers.iter().enumerate() {
            let who = Actor::from(&person(db, email).await?);
            let input = AnswerInput {
                answer: if *going {
                    Answer::Going
                } else {
                    Answer::CantCome
                },
                extra: *extra,
                note: note.map(str::to_string),
            };
            // A minute apart, in the order listed: the waiting list keeps that order.
            let at = now - Duration::minutes(60 - i as i64);
            workflow::answer(db, &who, e.id, date, &input, at).await?;
            added += 1;
        }
        for (name, organisation, extra) in demo.guests {
            let guest = GuestInput {
                name: name.to_string(),
                organisation: Some(organisation.to_string()),
                email: None,
                extra: *extra,
            };
            workflow::add_guest(db, &organiser, e.id, date, &guest, now).await?;
            added += 1;
        }
    }
    Ok(added)
}
