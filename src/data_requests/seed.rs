//! The demo's dataset requests: what the forum's members have asked public bodies for, with
//! their votes, and what became of them: one published, one declined with the council's
//! reason, two in discussion, the rest waiting. Made through the same services members and
//! admins use, dated over the past months. Left alone once any request exists.

use chrono::{DateTime, Duration, Utc};
use entity::{dataset_request, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::actor::Actor;
use crate::data_requests::forms::{RequestInput, StatusInput};
use crate::data_requests::service;
use crate::error::AppError;
use entity::dataset_request::RequestStatus;

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
const MEI: &str = "mei.chen@eastmere-uni.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const DAN: &str = "dan.kowalski@mail.example";

struct Demo {
    days_ago: i64,
    by: &'static str,
    title: &'static str,
    holder: &'static str,
    description: &'static str,
    reason: &'static str,
    links: &'static [&'static str],
    voters: &'static [&'static str],
    /// (days after the request, status, note, link)
    changes: &'static [(
        i64,
        RequestStatus,
        Option<&'static str>,
        Option<&'static str>,
    )],
}

const REQUESTS: &[Demo] = &[
    Demo {
        days_ago: 150,
        by: HELEN,
        title: "Step-free access at bus stops",
        holder: "Midshire County Council",
        description: "The council's audit of its 2,400 bus stops: kerb height, shelter, seating, tactile paving and whether a wheelchair can board, with each stop's NaPTAN code.",
        reason: "Disabled people plan journeys around stops they can use. Volunteers have mapped 300 stops by hand; the council already holds the rest from its 2024 audit.",
        links: &["https://www.midshire.example/transport/bus-stop-audit"],
        voters: &[PRIYA, AISHA, MEI, DAN, SAM, GARETH],
        changes: &[
            (
                20,
                RequestStatus::Discussing,
                Some(
                    "Raised at the forum meeting; the council's transport team will check whether the audit can be shared.",
                ),
                None,
            ),
            (
                95,
                RequestStatus::Published,
                Some("Published monthly under the Open Government Licence."),
                Some("https://data.midshire.example/datasets/bus-stop-accessibility"),
            ),
        ],
    },
    Demo {
        days_ago: 120,
        by: DAN,
        title: "Planning application decision times",
        holder: "Riverside City Council",
        description: "Each planning application with the date it was received, validated and decided, and the decision.",
        reason: "Residents and small builders want to see how long decisions take, ward by ward, and whether targets are met.",
        links: &[],
        voters: &[SAM, TOM],
        changes: &[
            (30, RequestStatus::Discussing, None, None),
            (
                70,
                RequestStatus::Declined,
                Some(
                    "The council says its planning system cannot export the validation date, and it will look again when the system is replaced in 2028.",
                ),
                None,
            ),
        ],
    },
    Demo {
        days_ago: 75,
        by: AISHA,
        title: "Real-time car park occupancy",
        holder: "Riverside City Council",
        description: "Spaces free in each council car park, every few minutes, as the signs on the ring road show them.",
        reason: "Journey planners and the park-and-ride could send drivers straight to a space, and the forum's hack day teams asked for it.",
        links: &["https://www.riverside.example/parking"],
        voters: &[GARETH, TOM, MEI, DAN],
        changes: &[(
            25,
            RequestStatus::Discussing,
            Some("The parking team is willing; the supplier's contract needs changing first."),
            None,
        )],
    },
    Demo {
        days_ago: 40,
        by: MEI,
        title: "School admissions: applications and offers by school",
        holder: "Northvale County Council",
        description: "For each school and year: places, first-preference applications and offers, as in the council's annual admissions report, but as a table.",
        reason: "Parents and researchers copy the PDF report by hand each year.",
        links: &["https://www.northvale.example/schools/admissions-report"],
        voters: &[TOM, PRIYA, HELEN],
        changes: &[(
            30,
            RequestStatus::Discussing,
            Some(
                "The admissions team can publish the tables behind the report from next year's round.",
            ),
            None,
        )],
    },
    Demo {
        days_ago: 12,
        by: SAM,
        title: "Street tree inventory",
        holder: "Riverside City Council",
        description: "Every street tree the council looks after: species, size, location and when it was last inspected.",
        reason: "Community groups planting trees want to know where gaps are; the university's climate project needs canopy data.",
        links: &[],
        voters: &[HELEN],
        changes: &[],
    },
    Demo {
        days_ago: 3,
        by: GARETH,
        title: "Library visits and loans by branch",
        holder: "Midshire Libraries",
        description: "Monthly visits, loans and computer sessions for each library branch.",
        reason: "Friends-of groups make the case for their branch with figures they cannot get today.",
        links: &[],
        voters: &[],
        changes: &[],
    },
];

async fn person(db: &DatabaseConnection, email: &str) -> Result<Actor, AppError> {
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("the demo person {email} is missing")))?;
    Ok(Actor::from(&found))
}

/// Adds the demo's requests, votes and history; nothing when any request exists.
pub async fn requests(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    if dataset_request::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let admin = person(db, PRIYA).await?;
    for demo in REQUESTS {
        let at = now - Duration::days(demo.days_ago);
        let request = service::create(
            db,
            &person(db, demo.by).await?,
            RequestInput {
                title: demo.title.into(),
                holder: demo.holder.into(),
                description: demo.description.into(),
                reason: demo.reason.into(),
                links: demo.links.iter().map(|l| (*l).to_string()).collect(),
            },
            at,
        )
        .await?;
        for (n, voter) in demo.voters.iter().enumerate() {
            let when = at + Duration::hours(3 + 7 * n as i64);
            service::vote(db, &person(db, voter).await?, request.id, when).await?;
        }
        for (after, status, note, link) in demo.changes {
            service::set_status(
                db,
                &admin,
                request.id,
                StatusInput {
                    status: *status,
                    note: note.map(str::to_string),
                    link: link.map(str::to_string),
                },
                at + Duration::days(*after),
            )
            .await?;
        }
    }
    Ok(REQUESTS.len())
}
