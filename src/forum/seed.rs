//! The demo forum: five categories and lively threads between the demo people, written
//! through `service.rs` at times in the past few weeks, with a pinned announcement, a locked
//! thread, an edited post (its earlier text for admins), a quoted reply and a post reported
//! to the admins, and discussions of the hack day and of the latest meeting. Running it again
//! adds nothing twice.

use chrono::{DateTime, Duration, Utc};
use entity::{forum_category, forum_thread, user};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::actor::Actor;
use crate::error::AppError;
use crate::forum::service::{self, CategoryInput, ThreadDecision};

const CATEGORIES: &[(&str, &str, &str, bool)] = &[
    (
        "Announcements",
        "announcements",
        "News from the forum's organisers: meetings, calls for speakers, changes to the site.",
        true,
    ),
    (
        "Data requests",
        "data-requests",
        "Datasets you are looking for, who holds them, and how asking for them went.",
        false,
    ),
    (
        "Transport",
        "transport",
        "Bus, rail, cycling and road data across Midshire, Northvale and Riverside.",
        false,
    ),
    (
        "Working groups",
        "working-groups",
        "Between meetings: the working groups' notes, drafts and questions.",
        false,
    ),
    (
        "General",
        "general",
        "Anything else about open data in the region.",
        false,
    ),
];

struct Post {
    by: &'static str,
    /// Hours after the thread started.
    after_hours: i64,
    body: &'static str,
}

struct Thread {
    category: &'static str,
    title: &'static str,
    /// Days before now that it started.
    days_ago: i64,
    posts: &'static [Post],
    pinned: bool,
    locked: bool,
    /// The opening post as its author changed it soon after.
    edit: Option<&'static str>,
    /// A post (by its place) someone reported to the admins, and why.
    report: Option<(usize, &'static str, &'static str)>,
}

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
const MEI: &str = "mei.chen@eastmere-uni.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const DAN: &str = "dan.kowalski@mail.example";

const THREADS: &[Thread] = &[
    Thread {
        category: "announcements",
        title: "Welcome to the forum's new home",
        days_ago: 40,
        pinned: true,
        locked: false,
        edit: None,
        report: None,
        posts: &[
            Post {
                by: PRIYA,
                after_hours: 0,
                body: "Welcome, everyone. The events, meetings, minutes, slides and now this forum live in one place.\n\n- **Events** lists what is coming up; subscribe to the calendar feed to have them in your own calendar.\n- **Meetings** has agendas, minutes and the actions tracker.\n- **Forum** is for everything between meetings.\n\nPlease keep posts friendly and on topic. If something looks wrong, tell one of the admins.",
            },
            Post {
                by: DAN,
                after_hours: 5,
                body: "Thanks, this is much easier than the old mailing list. Is there a way to be told about replies?",
            },
            Post {
                by: PRIYA,
                after_hours: 7,
                body: "Not by e-mail yet. Until then, threads with posts you have not read are marked **New**, and each category has an Atom feed of new threads for your feed reader.",
            },
        ],
    },
    Thread {
        category: "data-requests",
        title: "Real-time bus positions for the Riverside routes?",
        days_ago: 12,
        pinned: false,
        locked: false,
        edit: None,
        report: None,
        posts: &[
            Post {
                by: GARETH,
                after_hours: 0,
                body: "Does anyone know whether the Riverside operators publish vehicle positions (GTFS-RT or SIRI-VM)? The timetable data is on the national portal but I cannot find live positions for routes 12 and 14.",
            },
            Post {
                by: AISHA,
                after_hours: 3,
                body: "Routes 12 and 14 are run by two different operators. One sends SIRI-VM to the Partnership already; the other has said it will once its ticket machines are replaced, in the spring.\n\nI will ask whether we can republish the first feed under the Open Government Licence.",
            },
            Post {
                by: MEI,
                after_hours: 26,
                body: "If it helps, our students built a small archive of the timetable feed for a project on punctuality. Happy to share the scripts: <https://github.example/eastmere/bus-punctuality>.",
            },
        ],
    },
    Thread {
        category: "data-requests",
        title: "Planning applications as open data",
        days_ago: 20,
        pinned: false,
        locked: false,
        edit: None,
        report: None,
        posts: &[
            Post {
                by: HELEN,
                after_hours: 0,
                body: "Open Streets would like planning applications (reference, address, description, decision and dates) as a downloadable file rather than one web page per application. Northvale publishes a weekly list as a PDF.\n\nWho should we ask?",
            },
            Post {
                by: PRIYA,
                after_hours: 20,
                body: "The planning team owns the system. I have put it on the agenda for the next meeting under matters arising so we can take it to them together.",
            },
        ],
    },
    Thread {
        category: "transport",
        title: "Cycle counter data: hourly or daily?",
        days_ago: 6,
        pinned: false,
        locked: false,
        report: None,
        edit: Some(
            "We are about to publish the city's twelve cycle counters (the thirteenth, on the ring road, is being replaced). The raw data is every 15 minutes. Would people rather have hourly totals (smaller, simpler) or the full 15-minute readings?",
        ),
        posts: &[
            Post {
                by: SAM,
                after_hours: 0,
                body: "We are about to publish the city's twelve cycle counters. The raw data is every 15 minutes. Would people rather have hourly totals (smaller, simpler) or the full 15-minute readings?",
            },
            Post {
                by: TOM,
                after_hours: 2,
                body: "Please publish the 15-minute readings as well: the morning peak is lost in hourly totals. A daily summary file next to it would suit most people.",
            },
            Post {
                by: HELEN,
                after_hours: 4,
                body: "> **Tom Okafor** wrote:\n>\n> A daily summary file next to it would suit most people.\n\nAgree with Tom. And please include the counter locations with coordinates and the date each one was installed, so gaps are explained.",
            },
        ],
    },
    Thread {
        category: "working-groups",
        title: "Accessibility audit of council data portals: notes",
        days_ago: 15,
        pinned: false,
        locked: true,
        edit: None,
        report: None,
        posts: &[Post {
            by: MEI,
            after_hours: 0,
            body: "Notes from the working group's session:\n\n| Portal | Keyboard | Screen reader | Contrast |\n| --- | --- | --- | --- |\n| Northvale | passes | partly | passes |\n| Riverside | fails on the map | partly | fails |\n\nThe full write-up is going to the next meeting, so I am locking this thread; comments there please.",
        }],
    },
    Thread {
        category: "general",
        title: "Slides from the autumn meeting",
        days_ago: 3,
        pinned: false,
        locked: false,
        edit: None,
        report: Some((2, TOM, "Selling tickets is not what the forum is for.")),
        posts: &[
            Post {
                by: DAN,
                after_hours: 0,
                body: "Are the slides from the autumn meeting online? I missed the air quality talk.",
            },
            Post {
                by: TOM,
                after_hours: 1,
                body: "They are on the Slides page, linked from Meetings, next to each agenda item.",
            },
            Post {
                by: DAN,
                after_hours: 30,
                body: "Thanks! Also: I have two spare tickets for a data conference in London next month, half price to anyone here. Message me.",
            },
        ],
    },
];

async fn person(db: &DatabaseConnection, email: &str) -> Result<user::Model, AppError> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(format!("the demo person {email} is missing")))
}

/// Discussions of the demo's pages: the hack day, and the latest meeting's minutes.
/// Who, how many hours ago, and what.
type DemoPost = (&'static str, i64, &'static str);

const HACK_DAY: &[DemoPost] = &[
    (
        AISHA,
        72,
        "Will API keys for the live bus feed be handed out on the day, or should teams \
         register beforehand?",
    ),
    (
        TOM,
        70,
        "Register beforehand if you can: the portal takes a working day to approve keys. \
         We will have a few spare on the day.",
    ),
    (
        MEI,
        30,
        "Is there step-free access to the Digital Hub? One of our team uses a wheelchair.",
    ),
    (
        GARETH,
        28,
        "Yes: the lift is just inside the main entrance, and the accessible toilet is on the \
         same floor as the hub.",
    ),
];

const MINUTES: &[DemoPost] = &[
    (
        HELEN,
        96,
        "Thanks for the minutes. On the action about the gritting routes: has anyone heard \
         back from Highways about publishing them before the winter?",
    ),
    (
        PRIYA,
        90,
        "Not yet. I will chase them this week and report under **matters arising** at the \
         next meeting.",
    ),
];

const CAR_PARKS: &[DemoPost] = &[
    (
        GARETH,
        300,
        "For what it is worth, the signs on the ring road are fed from a supplier's API that \
         updates every two minutes. The data exists; it is the contract that stops us sharing it.",
    ),
    (
        TOM,
        290,
        "Our students would happily build the park-and-ride advice on top of it. Could the \
         council ask for an open licence when the contract is renewed?",
    ),
    (
        PRIYA,
        120,
        "Raised with the parking team again today: the renewal is in the spring and the open \
         licence is on their list. I will record it here when it is signed.",
    ),
];

/// Adds the demo discussions of an event, a meeting and a dataset request, unless they have
/// begun.
async fn discussions(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), AppError> {
    use crate::forum::discussions::{self, Page};
    let hack_day = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Bus Data Hack Day"))
        .one(db)
        .await?;
    let meeting = entity::meeting::Entity::find()
        .filter(entity::meeting::Column::StartsAt.lt(now))
        .order_by_desc(entity::meeting::Column::StartsAt)
        .one(db)
        .await?;
    let car_parks = entity::dataset_request::Entity::find()
        .filter(entity::dataset_request::Column::Title.eq("Real-time car park occupancy"))
        .one(db)
        .await?;
    let pages: Vec<(Page, &[DemoPost])> = hack_day
        .map(|e| (discussions::event_page(&e, None), HACK_DAY))
        .into_iter()
        .chain(meeting.map(|m| (discussions::meeting_page(&m), MINUTES)))
        .chain(car_parks.map(|r| (discussions::data_request_page(&r), CAR_PARKS)))
        .collect();
    for (page, posts) in pages {
        if discussions::thread_of(db, &page.subject).await?.is_some() {
            continue;
        }
        for (by, hours_ago, body) in posts {
            let who = Actor::from(&person(db, by).await?);
            discussions::post(db, &who, &page, body, 0, now - Duration::hours(*hours_ago)).await?;
        }
    }
    Ok(())
}

/// Adds the demo categories and threads that are not there yet; returns the threads added.
pub async fn forum(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, AppError> {
    let admin = Actor::from(&person(db, PRIYA).await?);
    for (name, slug, description, admins_only) in CATEGORIES {
        let exists = forum_category::Entity::find()
            .filter(forum_category::Column::Slug.eq(*slug))
            .one(db)
            .await?
            .is_some();
        if !exists {
            service::create_category(
                db,
                &admin,
                CategoryInput {
                    name: (*name).into(),
                    slug: (*slug).into(),
                    description: (*description).into(),
                    admins_only: *admins_only,
                },
                now - Duration::days(60),
            )
            .await?;
        }
    }
    let mut added = 0;
    for t in THREADS {
        let exists = forum_thread::Entity::find()
            .filter(forum_thread::Column::Title.eq(t.title))
            .one(db)
            .await?
            .is_some();
        if exists {
            continue;
        }
        let category = forum_category::Entity::find()
            .filter(forum_category::Column::Slug.eq(t.category))
            .one(db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no demo category {}", t.category)))?;
        let start = now - Duration::days(t.days_ago);
        let Some((first, rest)) = t.posts.split_first() else {
            continue;
        };
        let author = Actor::from(&person(db, first.by).await?);
        let (thread, _) =
            service::start_thread(db, &author, category.id, t.title, first.body, 0, start).await?;
        for p in rest {
            let who = Actor::from(&person(db, p.by).await?);
            service::reply(
                db,
                &who,
                thread.id,
                p.body,
                0,
                start + Duration::hours(p.after_hours),
            )
            .await?;
        }
        if let Some(edit) = t.edit {
            let post = entity::forum_post::Entity::find()
                .filter(entity::forum_post::Column::ThreadId.eq(thread.id))
                .one(db)
                .await?
                .ok_or_else(|| AppError::Internal("the opening post just written".into()))?;
            service::edit_post(db, &author, post.id, edit, start + Duration::minutes(20)).await?;
        }
        if let Some((place, by, reason)) = t.report {
            let post = entity::forum_post::Entity::find()
                .filter(entity::forum_post::Column::ThreadId.eq(thread.id))
                .order_by_asc(entity::forum_post::Column::Id)
                .all(db)
                .await?
                .into_iter()
                .nth(place)
                .ok_or_else(|| AppError::Internal("the reported demo post".into()))?;
            let who = Actor::from(&person(db, by).await?);
            let at = start + Duration::hours(t.posts[place].after_hours + 2);
            crate::forum::reports::report(db, &who, post.id, reason, at).await?;
        }
        if t.pinned {
            service::moderate_thread(db, &admin, thread.id, ThreadDecision::Pin, start).await?;
        }
        if t.locked {
            // Locked by an admin at its author's request.
            service::moderate_thread(
                db,
                &admin,
                thread.id,
                ThreadDecision::Lock,
                start + Duration::hours(1),
            )
            .await?;
        }
        added += 1;
    }
    // Discussions of dataset requests go to the demo's "Data requests" category.
    let held = forum_category::Entity::find()
        .filter(forum_category::Column::Holds.eq("data-requests"))
        .count(db)
        .await?;
    if held == 0 {
        forum_category::Entity::update_many()
            .col_expr(
                forum_category::Column::Holds,
                sea_orm::sea_query::Expr::value("data-requests"),
            )
            .filter(forum_category::Column::Slug.eq("data-requests"))
            .exec(db)
            .await?;
    }
    discussions(db, now).await?;
    // Older posts are history brought in: their mail to followers and mentioned members is
    // not left waiting. This week's stays in the outbox, as a live site would have it.
    entity::outbox::Entity::delete_many()
        .filter(entity::outbox::Column::Kind.is_in(crate::forum::notices::KINDS))
        .filter(entity::outbox::Column::CreatedAt.lt(now - Duration::days(7)))
        .exec(db)
        .await?;
    Ok(added)
}
