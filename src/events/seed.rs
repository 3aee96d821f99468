//! The demo forum's programme, drafted, submitted, approved and cancelled through the same
//! services as people use: the bi-monthly forum meeting as a series, a hack day, a two-day
//! open data camp, a cancelled workshop, a past event, and drafts waiting for approval.
//! Dates are relative to today, so the demo always has something coming up. Events already
//! there (by title) are left alone.

use chrono::{DateTime, Datelike, Duration, Utc};
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::actor::Actor;
use crate::error::AppError;
use crate::events::forms::EventForm;
use crate::events::workflow::{self, Decision, Intent};

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
    /// Published, then postponed (a new date to follow) for this reason.
    PostponeBecause(&'static str),
}

fn day(now: DateTime<Utc>, offset_days: i64, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    (now.with_timezone(&tz) + Duration::days(offset_days)).date_naive()
}

/// The second Wednesday of the month `months_ahead` from now.
fn second_wednesday(now: DateTime<Utc>, months_ahead: u32, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    let today = now.with_timezone(&tz).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(months_ahead)))
        .unwrap_or(today);
    let offset = (7 + 2 - first.weekday().num_days_from_monday() as i64) % 7; // Wednesday = 2
    first + Duration::days(offset + 7)
}

/// The first Thursday of next month, in the site's zone.
fn first_thursday(now: DateTime<Utc>, tz: chrono_tz::Tz) -> chrono::NaiveDate {
    let today = now.with_timezone(&tz).date_naive();
    let next_month = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(today);
    let offset = (7 + 3 - next_month.weekday().num_days_from_monday() as i64) % 7; // Thursday = 3
    next_month + Duration::days(offset)
}

fn demo_events(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<DemoEvent> {
    let date = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let base = |title: &str, summary: &str| EventForm {
        title: title.into(),
        summary: summary.into(),
        time_zone: tz.name().into(),
        ..Default::default()
    };
    let forum_start = second_wednesday(now, 0, tz);
    let forum_until = second_wednesday(now, 18, tz);
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
                show_organiser_contact: Some("on".into()),
                repeat: "monthly_weekday".into(),
                repeat_interval: "2".into(),
                repeat_until: date(forum_until),
                ..base("Northvale Open Data Forum", "The forum's meeting, every second Wednesday of alternate months.")
            },
        },
        DemoEvent {
            author: "tom.okafor@eastmere-uni.example",
            then: Then::Publish,
            form: EventForm {
                description: "Bring a dataset question, a messy spreadsheet or an idea for an open data release. Volunteers from the forum help with licences, formats and publishing. No booking needed; drop in for as long as you like.".into(),
                start_date: date(first_thursday(now, tz)),
                end_date: date(first_thursday(now, tz)),
                start_time: "16:00".into(),
                end_time: "18:00".into(),
                place_name: "University of Eastmere, Digital Hub".into(),
                address: "Library Road\nEastmere\nEM4 7QT".into(),
                tags: "surgery, community".into(),
                repeat: "monthly_weekday".into(),
                repeat_interval: "1".into(),
                ..base("Open Data Surgery", "A monthly drop-in for help with publishing and using open data.")
            },
        },
        DemoEvent {
            author: "helen.mcallister@openstreets-trust.example",
            then: Then::PostponeBecause("The riverside path is flooded after the storms."),
            form: EventForm {
                description: "A guided walk along the River Eastle with the Environment Agency's open river level and flood warning data on our phones: where the gauges are, what they measure and how the data gets online.".into(),
                start_date: date(day(now, 10, tz)),
                end_date: date(day(now, 10, tz)),
                start_time: "10:00".into(),
                end_time: "12:30".into(),
                place_name: "Eastle Bridge car park".into(),
                address: "Riverside Way\nEastmere\nEM2 3RW".into(),
                tags: "environment, walk".into(),
                ..base("River Levels Data Walk", "Walk the river with its open sensor data.")
            },
        },
        DemoEvent {
            author: "aisha.rahman@midshire-transport.example",
            then: Then::Publish,
            form: EventForm {
                description: "A day of building things with **live bus location** and timetable data from the Midshire Transport Partnership. Bring a laptop; all skill levels welcome.".into(),
                start_date: date(day(now, 21, tz)),
                end_date: date(day(now, 21, tz)),
                start_time: "09:30".into(),
                end_time: "17:00".into(),
                place_name: "University of Eastmere, Digital Hub".into(),
                address: "Library Road, Eastmere EM4 7QT".into(),
                tags: "transport, hack-day".into(),
                ..base("Bus Data Hack Day", "Build tools and maps with live bus data.")
            },
        },
        DemoEvent {
            author: "tom.okafor@eastmere-uni.example",
            then: Then::Publish,
            form: EventForm {
                all_day: Some("on".into()),
                description: "Two days of sessions pitched on the morning by whoever turns up: councils, charities, developers and residents.".into(),
                start_date: date(day(now, 49, tz)),
                end_date: date(day(now, 50, tz)),
                place_name: "Midshire Exchange".into(),
                address: "1 Corn Street, Midshire MS1 1AA".into(),
                tags: "unconference".into(),
                ..base("Open Data Camp Midshire", "A two-day unconference about open data.")
            },
        },
        DemoEvent {
            author: "helen.mcallister@openstreets-trust.example",
            then: Then::CancelBecause("The venue is closed for repairs; we will arrange a new date."),
            form: EventForm {
                description: "Hands-on session building low-cost air quality sensors.".into(),
                start_date: date(day(now, 14, tz)),
                end_date: date(day(now, 14, tz)),
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
                start_date: date(day(now, -60, tz)),
                end_date: date(day(now, -60, tz)),
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
                start_date: date(day(now, 35, tz)),
                end_date: date(day(now, 35, tz)),
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
                start_date: date(day(now, 28, tz)),
                end_date: date(day(now, 28, tz)),
                start_time: "12:00".into(),
                end_time: "13:00".into(),
                place_name: "Riverside Civic Centre".into(),
                tags: "streets".into(),
                ..base("Street Works Data Surgery", "Drop in with questions about street works data.")
            },
        },
    ]
}

/// How many events were added.
pub async fn events(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let tz = chrono_tz::Europe::London;
    let mut added = 0;
    for demo in demo_events(now, tz) {
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
        let input = demo.form.parse(tz, now).map_err(|errors| {
            AppError::Internal(format!(
                "demo event {:?} is invalid: {errors:?}",
                demo.form.title
            ))
        })?;
        let author = Actor::from(&author);
        let admin = Actor::from(&publisher);
        match demo.then {
            Then::KeepDraft => {
                workflow::create(db, &author, &input, Intent::Save, now).await?;
            }
            Then::Submit => {
                workflow::create(db, &author, &input, Intent::Submit, now).await?;
            }
            Then::Publish | Then::CancelBecause(_) | Then::PostponeBecause(_) => {
                let created = workflow::create(db, &author, &input, Intent::Submit, now).await?;
                workflow::decide(db, &admin, created.id, Decision::Approve, None, None, now)
                    .await?;
                if let Then::CancelBecause(reason) = demo.then {
                    workflow::decide(
                        db,
                        &admin,
                        created.id,
                        Decision::Cancel,
                        Some(reason.into()),
                        None,
                        now,
                    )
                    .await?;
                }
                if let Then::PostponeBecause(reason) = demo.then {
                    workflow::postpone(db, &author, created.id, Some(reason.into()), now).await?;
                }
            }
        }
        added += 1;
    }
    Ok(added)
}
