//! The demo forum's meetings, made through the same services as people use: three past
//! meetings in the forum's style (agreed minutes, actions carried and closed at later
//! meetings, some still open, an item not reached and deferred), one of them postponed, and
//! the next meeting (the forum series' next date) with its published agenda and members'
//! updates. Members get the initials the minutes use. Left alone once any meeting exists.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::{event, meeting, rsvp, user};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::actor::Actor;
use crate::error::AppError;
use crate::meetings::forms::{
    ActionInput, AttendeeInput, ItemInput, MeetingInput, PostponeInput, ProgressInput,
};
use crate::meetings::workflow::{self, NewMeeting};
use entity::meeting_action::ActionStatus;

const INITIALS: &[(&str, &str)] = &[
    ("priya.shah@northvale-council.example", "PS"),
    ("tom.okafor@eastmere-uni.example", "TO"),
    ("gareth.lloyd@riverside-city.example", "GL"),
    ("aisha.rahman@midshire-transport.example", "AR"),
    ("helen.mcallister@openstreets-trust.example", "HM"),
    ("mei.chen@eastmere-uni.example", "MC"),
    ("sam.whitfield@riverside-city.example", "SW"),
    ("dan.kowalski@mail.example", "DK"),
];

async fn person(db: &DatabaseConnection, email: &str) -> Result<user::Model, AppError> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("demo person {email} missing")))
}

/// The second Wednesday `months_back` months ago, at 10:00 in the site's zone.
fn past_meeting(now: DateTime<Utc>, months_back: u32, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_sub_months(chrono::Months::new(months_back)))
        .unwrap_or(today);
    let offset = (7 + 2 - i64::from(first.weekday().num_days_from_monday())) % 7;
    let day: NaiveDate = first + Duration::days(offset + 7);
    tz.from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
}

fn item(start: &str, title: &str, presenters: Option<&str>, minutes: i32) -> ItemInput {
    ItemInput {
        title: title.into(),
        start_time: Some(start.into()),
        presenters: presenters.map(str::to_string),
        duration_minutes: Some(minutes),
        note: None,
        round_robin: title.contains("round-robin"),
        position: None,
    }
}

fn standard_agenda(talk: (&str, &str)) -> Vec<ItemInput> {
    vec![
        item(
            "10:00",
            "Welcome, introductions and apologies",
            Some("Chair"),
            10,
        ),
        item(
            "10:10",
            "Notes of the last meeting and matters arising",
            Some("Secretary"),
            15,
        ),
        item("10:25", talk.0, Some(talk.1), 40),
        item("11:05", "Members' round-robin", None, 45),
        item("11:50", "Any other business", None, 10),
        item(
            "12:00",
            "Date and place of the next meeting",
            Some("Chair"),
            5,
        ),
    ]
}

struct Past<'a> {
    months_back: u32,
    place: &'a str,
    talk: (&'a str, &'a str),
    attended: &'a [&'a str],
    apologies: &'a [&'a str],
    guests: &'a [(&'a str, &'a str)],
    /// Minutes per item, in agenda order.
    minutes: [&'a str; 6],
}

/// Returns how many meetings it added.
pub async fn meetings(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Result<usize, AppError> {
    for (email, initials) in INITIALS {
        if let Ok(u) = person(db, email).await
            && u.initials.is_none()
        {
            let mut active = u.into_active_model();
            active.initials = Set(Some((*initials).to_string()));
            active.update(db).await?;
        }
    }
    if meeting::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let priya = Actor::from(&person(db, "priya.shah@northvale-council.example").await?);
    let gareth = person(db, "gareth.lloyd@riverside-city.example").await?;
    let pasts = [
        Past {
            months_back: 6,
            place: "Northvale County Council, County Hall, Committee Room 2",
            talk: (
                "Bus open data: what changed in the timetable feeds",
                "Aisha Rahman (Midshire Transport Partnership)",
            ),
            attended: &["PS", "GL", "AR", "TO", "HM"],
            apologies: &["MC"],
            guests: &[("Cllr Jo Marsh", "Northvale Council")],
            minutes: [
                "PS welcomed everyone, in particular Cllr Jo Marsh. Apologies were received from MC.",
                "The notes of the last meeting were agreed. There were no matters arising.",
                "AR showed how the partnership now publishes timetables as GTFS every night and checks them before release. Members asked for the validator so that councils can check their own stop data.",
                "Members gave their updates; see the one-page updates with the agenda.",
                "HM asked whether the forum would respond to the county's open data strategy consultation. Agreed.",
                "The next meeting will be at Riverside City Council.",
            ],
        },
        Past {
            months_back: 4,
            place: "Riverside City Council, Civic Centre, Room 4",
            talk: (
                "Open data in schools: a pilot with two academies",
                "Tom Okafor (University of Eastmere)",
            ),
            attended: &["PS", "GL", "TO", "MC", "SW"],
            apologies: &["AR", "HM"],
            guests: &[],
            minutes: [
                "PS welcomed everyone. Apologies from AR and HM.",
                "The notes of the last meeting were agreed. Progress on the actions is recorded below.",
                "Not reached: postponed to allow more time for the members' presentations.",
                "SW described Riverside's new planning applications dataset; MC offered the university's data-sharing agreement template.",
                "None.",
                "The next meeting will be at the University of Eastmere.",
            ],
        },
        Past {
            months_back: 2,
            place: "University of Eastmere, Library Seminar Room",
            talk: (
                "Community mapping: street furniture and step-free routes",
                "Helen McAllister (Open Streets Trust)",
            ),
            attended: &["PS", "GL", "AR", "HM", "MC", "DK"],
            apologies: &["TO"],
            guests: &[("Ruth Adeyemi", "Midshire Libraries")],
            minutes: [
                "PS welcomed everyone, including Ruth Adeyemi from Midshire Libraries. Apologies from TO.",
                "The notes of the last meeting were agreed. Progress on the actions is recorded below.",
                "HM showed the Trust's mapping of step-free routes around the county's stations, collected by volunteers and published under the ODbL.",
                "Members gave their updates.",
                "DK asked for a forum page listing datasets that members are still waiting for. To be discussed once the data requests area is live.",
                "The next meeting will be the first on the new website, at Northvale County Council.",
            ],
        },
    ];
    let mut made: Vec<meeting::Model> = Vec::new();
    for (n, p) in pasts.iter().enumerate() {
        let starts_at = past_meeting(now, p.months_back, tz);
        // The second meeting was put back a week.
        let planned = if n == 1 {
            starts_at - Duration::days(7)
        } else {
            starts_at
        };
        let m = workflow::create(
            db,
            &priya,
            NewMeeting {
                input: MeetingInput {
                    title: "Forum meeting".into(),
                    starts_at: planned,
                    ends_at: Some(planned + Duration::minutes(125)),
                    place: p.place.into(),
                    chair_id: Some(priya.id),
                    secretary_id: Some(gareth.id),
                    event: None,
                },
                event: None,
            },
            tz,
            planned - Duration::days(40),
        )
        .await?;
        let at = planned - Duration::days(30);
        let m = if n == 1 {
            workflow::postpone(
                db,
                &priya,
                m.id,
                PostponeInput {
                    starts_at,
                    ends_at: Some(starts_at + Duration::minutes(125)),
                    reason:
                        "Put back a week: the Civic Centre was needed for the by-election count."
                            .into(),
                },
                tz,
                at,
            )
            .await?
        } else {
            m
        };
        for it in standard_agenda(p.talk) {
            workflow::add_item(db, &priya, m.id, it, at).await?;
        }
        workflow::publish_agenda(db, &priya, m.id, at).await?;
        for who in p.attended {
            let input = AttendeeInput {
                person: (*who).into(),
                organisation: None,
                attended: true,
            };
            workflow::add_attendee(db, &priya, m.id, input, starts_at).await?;
        }
        for who in p.apologies {
            let input = AttendeeInput {
                person: (*who).into(),
                organisation: None,
                attended: false,
            };
            workflow::add_attendee(db, &priya, m.id, input, starts_at).await?;
        }
        for (name, org) in p.guests {
            let input = AttendeeInput {
                person: (*name).into(),
                organisation: Some((*org).into()),
                attended: true,
            };
            workflow::add_attendee(db, &priya, m.id, input, starts_at).await?;
        }
        let items = crate::meetings::queries::items(db, m.id).await?;
        let written = items
            .iter()
            .zip(p.minutes.iter())
            .map(|(i, text)| (i.id, Some((*text).to_string())))
            .collect();
        let after = starts_at + Duration::hours(3);
        workflow::save_minutes(db, &priya, m.id, None, written, after).await?;
        made.push(m);
    }
    let (m1, m2, m3) = (&made[0], &made[1], &made[2]);
    let item_of = |items: &[entity::agenda_item::Model], n: usize| items.get(n).map(|i| i.id);
    let items1 = crate::meetings::queries::items(db, m1.id).await?;
    let items2 = crate::meetings::queries::items(db, m2.id).await?;
    let items3 = crate::meetings::queries::items(db, m3.id).await?;
    let raise =
        |owners: &[&str], text: &str, item: Option<i64>, due: Option<NaiveDate>| ActionInput {
            item_id: item,
            owners: owners.iter().map(|o| (*o).to_string()).collect(),
            text: text.into(),
            due_on: due,
        };
    let t1 = m1.starts_at + Duration::hours(1);
    let validator = workflow::raise_action(
        db,
        &priya,
        m1.id,
        raise(
            &["AR"],
            "to share the timetable feed validator with members",
            item_of(&items1, 2),
            None,
        ),
        t1,
    )
    .await?;
    let consultation = workflow::raise_action(
        db,
        &priya,
        m1.id,
        raise(
            &["TO", "HM"],
            "to draft the forum's response to the county's open data strategy consultation",
            item_of(&items1, 4),
            None,
        ),
        t1,
    )
    .await?;
    let camp = workflow::raise_action(
        db,
        &priya,
        m1.id,
        raise(
            &["GL", "PS"],
            "GL to liaise with PS re feasibility of a Midlands open data camp",
            item_of(&items1, 4),
            None,
        ),
        t1,
    )
    .await?;
    let m2_at = m2.starts_at + Duration::minutes(20);
    let progress = |status: ActionStatus, note: &str| ProgressInput {
        status,
        note: Some(note.into()),
    };
    workflow::record_progress(
        db,
        &priya,
        validator.id,
        Some(m2.id),
        progress(
            ActionStatus::Done,
            "Shared on the forum's mailing list; two councils have used it.",
        ),
        m2_at,
    )
    .await?;
    workflow::record_progress(
        db,
        &priya,
        consultation.id,
        Some(m2.id),
        progress(
            ActionStatus::InProgress,
            "Draft circulated; comments by the end of the month.",
        ),
        m2_at,
    )
    .await?;
    workflow::record_progress(
        db,
        &priya,
        camp.id,
        Some(m2.id),
        progress(ActionStatus::InProgress, "Two venues approached."),
        m2_at,
    )
    .await?;
    let t2 = m2.starts_at + Duration::hours(1);
    let template = workflow::raise_action(
        db,
        &priya,
        m2.id,
        raise(
            &["MC"],
            "to circulate the university's data-sharing agreement template",
            item_of(&items2, 3),
            None,
        ),
        t2,
    )
    .await?;
    let due = (m3.starts_at + Duration::days(70))
        .with_timezone(&tz)
        .date_naive();
    workflow::raise_action(
        db,
        &priya,
        m2.id,
        raise(
            &["HM", "Cllr Jo Marsh", "Midshire Libraries"],
            "to plan a community mapping day in Northvale, in the county's libraries",
            item_of(&items2, 3),
            Some(due),
        ),
        t2,
    )
    .await?;
    let overdue = (m3.starts_at - Duration::days(14))
        .with_timezone(&tz)
        .date_naive();
    workflow::raise_action(
        db,
        &priya,
        m2.id,
        raise(
            &["SW"],
            "to ask the planning team about publishing decision notices as open data",
            item_of(&items2, 3),
            Some(overdue),
        ),
        t2,
    )
    .await?;
    workflow::defer_item(
        db,
        &priya,
        m2.id,
        items2[2].id,
        "Postponed to allow more time for the presentations.".into(),
        m2.starts_at + Duration::hours(2),
    )
    .await?;
    let deferred = crate::meetings::queries::items(db, m3.id).await?;
    if let Some(back) = deferred.iter().find(|i| i.deferred_from_id.is_some()) {
        let text = "MC presented the pilot on TO's behalf: two academies now use the county's school census extracts in maths lessons. Members asked for the lesson plans to be published under an open licence.";
        workflow::save_minutes(
            db,
            &priya,
            m3.id,
            None,
            vec![(back.id, Some(text.into()))],
            m3.starts_at + Duration::hours(3),
        )
        .await?;
    }
    let m3_at = m3.starts_at + Duration::minutes(20);
    workflow::record_progress(
        db,
        &priya,
        consultation.id,
        Some(m3.id),
        progress(
            ActionStatus::Done,
            "Response submitted on behalf of the forum.",
        ),
        m3_at,
    )
    .await?;
    workflow::record_progress(
        db,
        &priya,
        template.id,
        Some(m3.id),
        progress(ActionStatus::Done, "Circulated."),
        m3_at,
    )
    .await?;
    workflow::record_progress(
        db,
        &priya,
        camp.id,
        Some(m3.id),
        progress(
            ActionStatus::InProgress,
            "A date in the spring is likely; waiting for the venue to confirm.",
        ),
        m3_at,
    )
    .await?;
    let t3 = m3.starts_at + Duration::hours(1);
    let waiting_page = workflow::raise_action(
        db,
        &priya,
        m3.id,
        raise(
            &["DK", "GL"],
            "to draft a page of datasets members are waiting for",
            item_of(&items3, 4),
            None,
        ),
        t3,
    )
    .await?;
    workflow::raise_action(
        db,
        &priya,
        m3.id,
        raise(
            &["MC"],
            "to ask the academies whether the lesson plans can be published under CC BY",
            deferred.last().map(|i| i.id),
            None,
        ),
        t3,
    )
    .await?;
    // Done between meetings, by its owner: shown at the next meeting as closed since.
    let dan = Actor::from(&person(db, "dan.kowalski@mail.example").await?);
    workflow::record_progress(
        db,
        &dan,
        waiting_page.id,
        None,
        progress(
            ActionStatus::Done,
            "Draft page shared with GL; it becomes the data requests area.",
        ),
        now - Duration::days(12),
    )
    .await?;
    // Minutes: published after each meeting, agreed at the next.
    for (m, next) in [(m1, m2), (m2, m3)] {
        workflow::publish_minutes(db, &priya, m.id, m.starts_at + Duration::days(5)).await?;
        workflow::agree_previous_minutes(
            db,
            &priya,
            next.id,
            next.starts_at + Duration::minutes(15),
        )
        .await?;
    }
    workflow::publish_minutes(db, &priya, m3.id, m3.starts_at + Duration::days(5)).await?;
    let mut added = 3;

    // The next meeting: the forum series' next date, as answered in the RSVP demo.
    let forum = event::Entity::find()
        .filter(event::Column::Title.eq("Northvale Open Data Forum"))
        .one(db)
        .await?;
    if let Some(forum) = forum {
        let answer = rsvp::Entity::find()
            .filter(rsvp::Column::EventId.eq(forum.id))
            .order_by_asc(rsvp::Column::Id)
            .one(db)
            .await?;
        let date = answer.and_then(|a| NaiveDate::parse_from_str(&a.occurrence, "%Y-%m-%d").ok());
        if let Ok(Ok((event_id, key))) =
            workflow::resolve_event(db, &priya, &forum.slug, date).await
        {
            let exceptions = crate::events::queries::exceptions_of(db, &forum).await?;
            if let Some(slot) = crate::rsvp::slots::from_key(&forum, &exceptions, &key) {
                let at = now - Duration::days(3);
                let next = workflow::create(
                    db,
                    &priya,
                    NewMeeting {
                        input: MeetingInput {
                            title: "Forum meeting".into(),
                            starts_at: slot.starts_at,
                            ends_at: Some(slot.ends_at),
                            place: "Northvale County Council, County Hall, Committee Room 2 (and online)".into(),
                            chair_id: Some(priya.id),
                            secretary_id: Some(gareth.id),
                            event: None,
                        },
                        event: Some((event_id, key)),
                    },
                    tz,
                    at,
                )
                .await?;
                let mut agenda = standard_agenda((
                    "Open data in schools: a pilot with two academies",
                    "Tom Okafor (University of Eastmere)",
                ));
                agenda.remove(2);
                agenda.insert(
                    2,
                    item(
                        "10:25",
                        "Publishing council spending data every month",
                        Some("Sam Whitfield (Riverside City Council)"),
                        30,
                    ),
                );
                // The series meets at its own time: the agenda starts with it.
                let opens = slot.starts_at.with_timezone(&tz).time();
                let shift = opens - chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default();
                for mut it in agenda {
                    it.start_time = it
                        .start_time
                        .as_deref()
                        .and_then(crate::meetings::forms::parse_time)
                        .map(|t| (t + shift).format("%H:%M").to_string());
                    workflow::add_item(db, &priya, next.id, it, at).await?;
                }
                workflow::publish_agenda(db, &priya, next.id, at).await?;
                for (email, body) in [
                    (
                        "tom.okafor@eastmere-uni.example",
                        "**University of Eastmere.** The library now publishes its reading-list data under CC BY.\n\n- Two students are building a bus reliability dashboard from the partnership's feeds.\n- We are looking for a council partner for a data literacy course in the spring.",
                    ),
                    (
                        "helen.mcallister@openstreets-trust.example",
                        "**Open Streets Trust.** 40 volunteers mapped step-free routes around six stations this autumn.\n\nThe data is on our website under the ODbL; we would welcome councils' own kerb data to check it against.",
                    ),
                ] {
                    let author = Actor::from(&person(db, email).await?);
                    workflow::save_update(db, &author, next.id, body.into(), at).await?;
                }
                added += 1;
            }
        }
    }
    // The forum's past meetings are history brought in, not news: members were not mailed
    // about agendas and minutes of months ago. Only what happened this week (the next
    // meeting's agenda) is left in the outbox, as a live site would have it.
    entity::outbox::Entity::delete_many()
        .filter(entity::outbox::Column::Kind.is_in(crate::meetings::notices::KINDS))
        .filter(entity::outbox::Column::CreatedAt.lt(now - Duration::days(7)))
        .exec(db)
        .await?;
    Ok(added)
}
