//! `convene seed-demo`: realistic content for a regional open data forum, so a newcomer sees
//! a lived-in site. Running it again updates the same records instead of duplicating them.
//! Each feature adds its part here as it lands.

use chrono::{Datelike, Duration, Utc};
use entity::user::{self, Role};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::auth::session::SessionUser;
use crate::db::begin_write;
use crate::error::AppError;
use crate::events::forms::EventForm;
use crate::events::service::{self, Decision, Intent};

pub struct DemoPerson {
    pub email: &'static str,
    pub name: &'static str,
    pub organisation: Option<&'static str>,
    pub role: Role,
}

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

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub people_added: usize,
    pub people_updated: usize,
    pub events_added: usize,
}

pub async fn seed(db: &DatabaseConnection) -> Result<SeedReport, AppError> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let mut report = SeedReport::default();
    for person in PEOPLE {
        let existing = user::Entity::find()
            .filter(user::Column::Email.eq(person.email))
            .one(&txn)
            .await?;
        match existing {
            Some(found) => {
                let mut active: user::ActiveModel = found.into();
                active.display_name = Set(person.name.to_string());
                active.organisation = Set(person.organisation.map(str::to_string));
                active.role = Set(person.role);
                active.updated_at = Set(now);
                active.update(&txn).await?;
                report.people_updated += 1;
            }
            None => {
                user::ActiveModel {
                    email: Set(person.email.to_string()),
                    email_verified: Set(true),
                    display_name: Set(person.name.to_string()),
                    organisation: Set(person.organisation.map(str::to_string)),
                    role: Set(person.role),
                    disabled: Set(false),
                    listed_publicly: Set(true),
                    created_at: Set(now),
                    updated_at: Set(now),
                    last_sign_in_at: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                report.people_added += 1;
            }
        }
    }
    txn.commit().await?;
    report.events_added = seed_events(db).await?;
    Ok(report)
}

/// What a demo event is and who drafted it; times are relative to today so the demo always
/// has something coming up.
struct DemoEvent {
    author: &'static str,
    form: EventForm,
    then: Then,
}

enum Then {
    Publish,
    Submit,
    KeepDraft,
    CancelBecause(&'static str),
}

fn day(offset_days: i64, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    (Utc::now().with_timezone(&tz) + Duration::days(offset_days)).date_naive()
}

/// The second Wednesday of the month `months_ahead` from now.
fn second_wednesday(months_ahead: u32, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    let today = Utc::now().with_timezone(&tz).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(months_ahead)))
        .unwrap_or(today);
    let offset = (7 + 2 - first.weekday().num_days_from_monday() as i64) % 7; // Wednesday = 2
    first + Duration::days(offset + 7)
}

fn demo_events(tz: chrono_tz::Tz) -> Vec<DemoEvent> {
    let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let base = |title: &str, summary: &str| EventForm {
        title: title.into(),
        summary: summary.into(),
        time_zone: tz.name().into(),
        ..Default::default()
    };
    let forum_start = second_wednesday(0, tz);
    let forum_until = second_wednesday(18, tz);
    vec![
        DemoEvent {
            author: "priya.shah@northvale-council.example",
            then: Then::Publish,
            form: EventForm {
                description: "Our regular meeting: updates from members, a guest talk, and the actions we carry from meeting to meeting.\n\n* Welcome and apologies\n* Matters arising\n* Guest talk\n* Members' updates\n* Any other business".into(),
                start_date: date(forum_start),
                end_date: date(forum_start),
                start_time: "10:30".into(),
                end_time: "12:00".into(),
                place_name: "Northvale County Hall, Committee Room 2".into(),
                address: "County Hall, Market Street, Northvale NV1 2AB".into(),
                online_url: "https://meet.northvale-council.example/open-data-forum".into(),
                tags: "forum, meeting".into(),
                organiser_contact: "opendata@northvale-council.example".into(),
                lunch_provided: Some("on".into()),
                repeat: "monthly_weekday".into(),
                repeat_interval: "2".into(),
                repeat_until: date(forum_until),
                ..base("Northvale Open Data Forum", "The forum's meeting, every second Wednesday of alternate months.")
            },
        },
        DemoEvent {
            author: "aisha.rahman@midshire-transport.example",
            then: Then::Publish,
            form: EventForm {
                description: "A day of building things with **live bus location** and timetable data from the Midshire Transport Partnership. Bring a laptop; all skill levels welcome.".into(),
                start_date: date(day(21, tz)),
                end_date: date(day(21, tz)),
                start_time: "09:30".into(),
                end_time: "17:00".into(),
                place_name: "University of Eastmere, Digital Hub".into(),
                address: "Library Road, Eastmere EM4 7QT".into(),
                tags: "transport, hack-day".into(),
                capacity: "40".into(),
                lunch_provided: Some("on".into()),
                ..base("Bus Data Hack Day", "Build tools and maps with live bus data.")
            },
        },
        DemoEvent {
            author: "tom.okafor@eastmere-uni.example",
            then: Then::Publish,
            form: EventForm {
                all_day: Some("on".into()),
                description: "Two days of sessions pitched on the morning by whoever turns up: councils, charities, developers and residents.".into(),
                start_date: date(day(49, tz)),
                end_date: date(day(50, tz)),
                place_name: "Midshire Exchange".into(),
                address: "1 Corn Street, Midshire MS1 1AA".into(),
                tags: "unconference".into(),
                capacity: "150".into(),
                ..base("Open Data Camp Midshire", "A two-day unconference about open data.")
            },
        },
        DemoEvent {
            author: "helen.mcallister@openstreets-trust.example",
            then: Then::CancelBecause("The venue is closed for repairs; we will arrange a new date."),
            form: EventForm {
                description: "Hands-on session building low-cost air quality sensors.".into(),
                start_date: date(day(14, tz)),
                end_date: date(day(14, tz)),
                start_time: "18:00".into(),
                end_time: "20:00".into(),
                place_name: "Riverside Makerspace".into(),
                tags: "air-quality, workshop".into(),
                ..base("Air Quality Sensors Workshop", "Build and deploy your own sensor.")
            },
        },
        DemoEvent {
            author: "priya.shah@northvale-council.example",
            then: Then::Publish,
            form: EventForm {
                description: "Celebrating Open Data Day with short talks and a data treasure hunt.".into(),
                start_date: date(day(-60, tz)),
                end_date: date(day(-60, tz)),
                start_time: "13:00".into(),
                end_time: "16:00".into(),
                place_name: "Northvale Central Library".into(),
                tags: "community".into(),
                ..base("Open Data Day Northvale", "Talks and a treasure hunt for Open Data Day.")
            },
        },
        DemoEvent {
            author: "mei.chen@eastmere-uni.example",
            then: Then::Submit,
            form: EventForm {
                description: "What the next census release will contain, and how councils can use it.".into(),
                start_date: date(day(35, tz)),
                end_date: date(day(35, tz)),
                start_time: "14:00".into(),
                end_time: "15:30".into(),
                online_url: "https://video.eastmere-uni.example/census-briefing".into(),
                tags: "census, webinar".into(),
                note_to_admins: "Happy to move this if it clashes with the forum.".into(),
                ..base("Census Data Briefing", "An online briefing on the next census release.")
            },
        },
        DemoEvent {
            author: "gareth.lloyd@riverside-city.example",
            then: Then::KeepDraft,
            form: EventForm {
                description: "Bring your questions about roadworks and street works data.".into(),
                start_date: date(day(28, tz)),
                end_date: date(day(28, tz)),
                start_time: "12:00".into(),
                end_time: "13:00".into(),
                place_name: "Riverside Civic Centre".into(),
                tags: "streets".into(),
                ..base("Street Works Data Surgery", "Drop in with questions about street works data.")
            },
        },
    ]
}

async fn seed_events(db: &DatabaseConnection) -> Result<usize, AppError> {
    let tz = chrono_tz::Europe::London;
    let mut added = 0;
    for demo in demo_events(tz) {
        let exists = entity::event::Entity::find()
            .filter(entity::event::Column::Title.eq(demo.form.title.as_str()))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let author = user::Entity::find()
            .filter(user::Column::Email.eq(demo.author))
            .one(db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("demo author {} missing", demo.author)))?;
        let publisher = user::Entity::find()
            .filter(user::Column::Email.eq("priya.shah@northvale-council.example"))
            .one(db)
            .await?
            .ok_or_else(|| AppError::Internal("demo admin missing".into()))?;
        let as_session = |u: &user::Model| SessionUser {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            session_id: 0,
        };
        let input = demo.form.parse(tz, chrono::Utc::now()).map_err(|errors| {
            AppError::Internal(format!(
                "demo event {:?} is invalid: {errors:?}",
                demo.form.title
            ))
        })?;
        let author = as_session(&author);
        let admin = as_session(&publisher);
        match demo.then {
            Then::KeepDraft => {
                service::create(db, &author, &input, Intent::Save).await?;
            }
            Then::Submit => {
                service::create(db, &author, &input, Intent::Submit).await?;
            }
            Then::Publish | Then::CancelBecause(_) => {
                let created = service::create(db, &author, &input, Intent::Submit).await?;
                service::decide(db, &admin, created.id, Decision::Approve, None, None).await?;
                if let Then::CancelBecause(reason) = demo.then {
                    service::decide(
                        db,
                        &admin,
                        created.id,
                        Decision::Cancel,
                        Some(reason.into()),
                        None,
                    )
                    .await?;
                }
            }
        }
        added += 1;
    }
    Ok(added)
}

/// Adds `count` generated, published one-off events spread over the two years around today,
/// for benchmarks and for checking that pages cost the same whatever the data size. Inserted
/// in batches inside one transaction.
pub async fn seed_bulk_events(db: &DatabaseConnection, count: usize) -> Result<usize, AppError> {
    const TOPICS: &[&str] = &[
        "Bus punctuality",
        "Air quality",
        "Planning applications",
        "Library loans",
        "Street lighting",
        "Recycling rates",
        "Flood risk",
        "School places",
        "Cycle counters",
        "Council spending",
    ];
    const TAGS: &[&str] = &[
        "transport",
        "environment",
        "planning",
        "community",
        "finance",
    ];
    let author = user::Entity::find()
        .filter(user::Column::Email.eq("priya.shah@northvale-council.example"))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("load the demo people first (convene seed-demo)".into())
        })?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let start_base = now - Duration::days(365);
    let mut batch_events = Vec::new();
    let mut batch_tags: Vec<(String, &str)> = Vec::new();
    let mut added = 0;
    for n in 0..count {
        let topic = TOPICS[n % TOPICS.len()];
        let starts_at = start_base + Duration::minutes((n as i64 * 7919) % (730 * 24 * 60));
        let slug = format!("generated-{}-{n}", service::slugify(topic));
        batch_tags.push((slug.clone(), TAGS[n % TAGS.len()]));
        batch_events.push(entity::event::ActiveModel {
            uid: sea_orm::Set(format!("{}@convene", uuid::Uuid::new_v4())),
            slug: sea_orm::Set(slug),
            status: sea_orm::Set(entity::event::EventStatus::Published),
            title: sea_orm::Set(format!("{topic} data clinic #{n}")),
            summary: sea_orm::Set(format!("An open session on {} data.", topic.to_lowercase())),
            description: sea_orm::Set(format!(
                "Generated event number {n}.\n\n* What the {} data covers\n* Questions and answers",
                topic.to_lowercase()
            )),
            time_zone: sea_orm::Set("Europe/London".into()),
            all_day: sea_orm::Set(false),
            starts_at: sea_orm::Set(starts_at),
            ends_at: sea_orm::Set(starts_at + Duration::minutes(90)),
            place_name: sea_orm::Set(Some("Northvale County Hall".into())),
            address: sea_orm::Set(Some("Market Street, Northvale".into())),
            online_url: sea_orm::Set(None),
            organiser_contact: sea_orm::Set(None),
            capacity: sea_orm::Set(Some(30)),
            lunch_provided: sea_orm::Set(false),
            note_to_admins: sea_orm::Set(None),
            rrule: sea_orm::Set(None),
            series_ends_at: sea_orm::Set(None),
            sequence: sea_orm::Set(0),
            author_id: sea_orm::Set(author.id),
            reviewer_id: sea_orm::Set(Some(author.id)),
            review_note: sea_orm::Set(None),
            cancel_note: sea_orm::Set(None),
            submitted_at: sea_orm::Set(Some(now)),
            published_at: sea_orm::Set(Some(now)),
            cancelled_at: sea_orm::Set(None),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
            ..Default::default()
        });
        if batch_events.len() == 500 || n + 1 == count {
            added += batch_events.len();
            entity::event::Entity::insert_many(std::mem::take(&mut batch_events))
                .exec(&txn)
                .await?;
            let slugs: Vec<String> = batch_tags.iter().map(|(s, _)| s.clone()).collect();
            let ids: std::collections::HashMap<String, i64> = entity::event::Entity::find()
                .filter(entity::event::Column::Slug.is_in(slugs))
                .all(&txn)
                .await?
                .into_iter()
                .map(|e| (e.slug, e.id))
                .collect();
            entity::event_tag::Entity::insert_many(
                std::mem::take(&mut batch_tags)
                    .into_iter()
                    .filter_map(|(slug, tag)| {
                        ids.get(&slug).map(|id| entity::event_tag::ActiveModel {
                            event_id: sea_orm::Set(*id),
                            tag: sea_orm::Set(tag.to_string()),
                        })
                    }),
            )
            .exec(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(added)
}
