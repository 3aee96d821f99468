//! Postponed, moved and reinstated events and dates: what pages, schema.org data and
//! subscribed calendars say at each step, and who may take each step.

use chrono::{Duration, Utc};
use entity::event::{self, EventStatus};
use entity::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, approve, demo_app, edit_event, signed_in, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";
const AUTHOR: &str = "gareth.lloyd@riverside-city.example";

fn day(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn walk_form<'a>(date: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", "Footpath Data Walk"),
        ("summary", "A walk through the footpath data."),
        ("description", "Meet at the library."),
        ("time_zone", "Europe/London"),
        ("start_date", date),
        ("start_time", "18:00"),
        ("end_date", date),
        ("end_time", "20:00"),
        ("place_name", "Riverside Library"),
        ("tags", "walking"),
        ("repeat", "none"),
        ("action", action),
    ]
}

async fn by_title(app: &TestApp, title: &str) -> event::Model {
    Event::find()
        .filter(event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn page(browser: &Browser, app: &TestApp, path: &str) -> String {
    unescape(
        &browser
            .get(&format!("{}{path}", app.url))
            .await
            .text()
            .await
            .unwrap(),
    )
}

/// The property lines of the first VEVENT in an .ics text, unfolded.
fn first_vevent(ics: &str) -> String {
    let unfolded = ics.replace("\r\n ", "");
    let from = unfolded.find("BEGIN:VEVENT").expect("a VEVENT");
    let to = from + unfolded[from..].find("END:VEVENT").unwrap();
    unfolded[from..to].to_string()
}

#[tokio::test]
async fn an_event_is_postponed_then_moved_and_a_cancelled_one_is_reinstated() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let planned = day(20);
    let resp = author
        .post(&app, "/events/new", &walk_form(&planned, "submit"))
        .await;
    assert_eq!(resp.status(), 303);
    let walk = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(approve(&app, &admin, walk.id).await.status(), 303);
    let walk = by_title(&app, "Footpath Data Walk").await;
    let path = format!("/events/{}", walk.slug);

    // The author asks first, then postpones with a reason.
    let ask = page(&author, &app, &format!("{path}/postpone")).await;
    assert!(
        ask.contains("Postpone \u{201c}Footpath Data Walk\u{201d}?"),
        "{ask}"
    );
    let resp = author
        .post(
            &app,
            &format!("{path}/postpone"),
            &[("note", "The path is flooded.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let shown = page(&Browser::new(), &app, &path).await;
    assert!(shown.contains("Postponed"), "{shown}");
    assert!(shown.contains("The path is flooded."));
    assert!(shown.contains("A new date will follow"));
    assert!(shown.contains("https://schema.org/EventPostponed"));
    let listing = page(&Browser::new(), &app, "/events").await;
    assert!(listing.contains("New date to follow"), "the card says so");
    let ics = page(&Browser::new(), &app, &format!("{path}.ics")).await;
    let vevent = first_vevent(&ics);
    assert!(vevent.contains("STATUS:TENTATIVE"), "{vevent}");
    assert!(
        vevent.contains("SUMMARY:Postponed: Footpath Data Walk"),
        "{vevent}"
    );
    assert!(
        vevent.contains("POSTPONED: The path is flooded."),
        "{vevent}"
    );
    // Once is enough.
    let again = author
        .post(&app, &format!("{path}/postpone"), &[("note", "")])
        .await;
    assert_eq!(again.status(), 409);

    // An admin gives it a new date: it has moved, from its planned date, and is no longer
    // postponed.
    let new_date = day(34);
    let resp = edit_event(&app, &admin, &walk.slug, &walk_form(&new_date, "save")).await;
    assert_eq!(resp.status(), 303);
    let shown = page(&Browser::new(), &app, &path).await;
    let planned_words = chrono::NaiveDate::parse_from_str(&planned, "%Y-%m-%d")
        .unwrap()
        .format("Moved from %A %-d %B %Y, 18:00")
        .to_string();
    assert!(shown.contains(&planned_words), "{planned_words} in {shown}");
    assert!(!shown.contains("A new date will follow"));
    assert!(shown.contains("https://schema.org/EventRescheduled"));
    assert!(shown.contains("\"previousStartDate\""));
    let vevent = first_vevent(&page(&Browser::new(), &app, &format!("{path}.ics")).await);
    assert!(vevent.contains("STATUS:CONFIRMED"), "{vevent}");
    assert!(vevent.contains("SUMMARY:Footpath Data Walk"), "{vevent}");
    assert!(vevent.contains("MOVED from"), "{vevent}");

    // Cancelled by its author, it can be brought back by an admin only.
    let resp = author
        .post(&app, &format!("{path}/cancel"), &[("note", "No guide.")])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = author.post(&app, &format!("{path}/reinstate"), &[]).await;
    assert_eq!(resp.status(), 403);
    let shown = page(&admin, &app, &path).await;
    assert!(shown.contains("Cancelled by mistake?"));
    let resp = admin.post(&app, &format!("{path}/reinstate"), &[]).await;
    assert_eq!(resp.status(), 303);
    let after = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(after.status, EventStatus::Published);
    assert!(
        after.sequence > walk.sequence + 2,
        "calendars hear of each step"
    );
    let shown = page(&Browser::new(), &app, &path).await;
    assert!(!shown.contains("badge-cancelled"), "{shown}");
    let vevent = first_vevent(&page(&Browser::new(), &app, &format!("{path}.ics")).await);
    assert!(vevent.contains("STATUS:CONFIRMED"), "{vevent}");
    // Reinstating what is on already is refused: there is nothing to undo.
    let resp = admin.post(&app, &format!("{path}/reinstate"), &[]).await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn one_date_is_postponed_or_cancelled_with_its_reason_and_reinstated() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let forum = by_title(&app, "Northvale Open Data Forum").await;
    let series = format!("/events/{}", forum.slug);
    let shown = page(&admin, &app, &series).await;
    let starts = crate::helpers::date_starts(&shown);
    let (first, second) = (starts[0].clone(), starts[1].clone());

    let ask = page(
        &admin,
        &app,
        &format!(
            "{series}/occurrences/postpone?start={}",
            first.replace('+', "%2B")
        ),
    )
    .await;
    assert!(ask.contains("Why is this date postponed?"), "{ask}");
    let resp = admin
        .post(
            &app,
            &format!("{series}/occurrences/postpone"),
            &[("start", first.as_str()), ("note", "The speaker is ill.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(
            &app,
            &format!("{series}/occurrences/cancel"),
            &[
                ("start", second.as_str()),
                ("note", "The hall is closed for repairs."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let date_of = |start: &str| {
        chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .with_timezone(&chrono_tz::Europe::London)
            .format("%Y-%m-%d")
            .to_string()
    };
    let one = page(
        &Browser::new(),
        &app,
        &format!("{series}/{}", date_of(&first)),
    )
    .await;
    assert!(
        one.contains("This date is postponed: The speaker is ill."),
        "{one}"
    );
    assert!(one.contains("https://schema.org/EventPostponed"));
    let ics = page(&Browser::new(), &app, &format!("{series}.ics"))
        .await
        .replace("\r\n ", "");
    assert!(ics.contains("Cancelled dates:"), "{ics}");
    assert!(ics.contains("The hall is closed for repairs."), "{ics}");
    assert!(
        ics.contains("SUMMARY:Postponed: Northvale Open Data Forum"),
        "{ics}"
    );
    assert!(ics.contains("STATUS:TENTATIVE"));
    assert_eq!(ics.matches("EXDATE").count(), 1, "{ics}");

    // The admin reinstates both dates: the feed is as before.
    for start in [&first, &second] {
        let resp = admin
            .post(
                &app,
                &format!("{series}/occurrences/reinstate"),
                &[("start", start.as_str())],
            )
            .await;
        assert_eq!(resp.status(), 303);
    }
    let ics = page(&Browser::new(), &app, &format!("{series}.ics")).await;
    assert!(
        !ics.contains("EXDATE") && !ics.contains("TENTATIVE"),
        "{ics}"
    );
    let again = admin
        .post(
            &app,
            &format!("{series}/occurrences/reinstate"),
            &[("start", first.as_str())],
        )
        .await;
    assert_eq!(again.status(), 409, "nothing to reinstate");
    // Members who are not admins cannot reinstate a date.
    let author = signed_in(&app, AUTHOR).await;
    let resp = author
        .post(
            &app,
            &format!("{series}/occurrences/reinstate"),
            &[("start", first.as_str())],
        )
        .await;
    assert!(
        matches!(resp.status().as_u16(), 403 | 404),
        "{}",
        resp.status()
    );
}
