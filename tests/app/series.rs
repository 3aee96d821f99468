//! Series and their dates: every date of a series has its own page and calendar file, by
//! the day it was planned for, and the series page links them all.

use entity::event;
use entity::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{demo_app, signed_in, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";

async fn forum(app: &crate::helpers::TestApp) -> event::Model {
    Event::find()
        .filter(event::Column::Title.eq("Northvale Open Data Forum"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn text(browser: &Browser, url: String) -> (u16, String) {
    let resp = browser.get(&url).await;
    let status = resp.status().as_u16();
    (status, unescape(&resp.text().await.unwrap()))
}

/// The `href`s on a page that start with `prefix`, in order.
fn links(page: &str, prefix: &str) -> Vec<String> {
    let marker = format!("href=\"{prefix}");
    page.match_indices(&marker)
        .map(|(at, _)| {
            let from = at + "href=\"".len();
            page[from..from + page[from..].find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_date_of_a_series_has_its_own_page_and_calendar_file() {
    let app = demo_app(&[]).await;
    let e = forum(&app).await;
    let visitor = Browser::new();
    let (status, series) = text(&visitor, format!("{}/events/{}", app.url, e.slug)).await;
    assert_eq!(status, 200);
    // The rule in words, with its times, and the coming dates, each linking to its page.
    assert!(
        series.contains("Every 2 months on the second Wednesday, 10:30 to 12:00, until"),
        "{series}"
    );
    let dates = links(&series, &format!("/events/{}/", e.slug));
    assert!(dates.len() >= 3, "{dates:?}");
    // The page leads with the next date, not the series' first.
    let next = chrono::NaiveDate::parse_from_str(dates[0].rsplit('/').next().unwrap(), "%Y-%m-%d")
        .unwrap();
    let when: String = series
        .split("<dt>Next date</dt>")
        .nth(1)
        .expect("a next date")
        .chars()
        .take(200)
        .collect();
    assert!(
        when.contains(&next.format("%A %-d %B %Y").to_string()),
        "{when}"
    );
    assert!(
        dates
            .iter()
            .all(|d| d.len() == format!("/events/{}/YYYY-MM-DD", e.slug).len())
    );

    let (status, first) = text(&visitor, format!("{}{}", app.url, dates[0])).await;
    assert_eq!(status, 200);
    assert!(first.contains("One date of a series"));
    assert!(
        first.contains(&format!("href=\"{}\" aria-current=\"page\"", dates[0])),
        "the date is marked as this page among the series' dates"
    );
    assert!(
        !first.contains(&format!("href=\"{}\" aria-current", dates[1])),
        "only that date"
    );
    assert!(
        first.contains(&format!("href=\"/events/{}\"", e.slug)),
        "back to the series"
    );
    assert!(first.contains("https://schema.org/EventScheduled"));
    let date = dates[0].rsplit('/').next().unwrap().to_string();
    let day = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap();
    assert!(
        first.contains(&day.format("%A %-d %B %Y").to_string()),
        "the page names its date"
    );

    // Its own calendar file: that date alone, under a UID of its own.
    let (status, ics) = text(&visitor, format!("{}{}.ics", app.url, dates[0])).await;
    assert_eq!(status, 200);
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    assert!(!ics.contains("RRULE"));
    let stamp = day.format("%Y%m%d").to_string();
    assert!(
        ics.contains(&format!("DTSTART;TZID=Europe/London:{stamp}T103000")),
        "{ics}"
    );
    let (local, domain) = e.uid.split_once('@').unwrap();
    assert!(
        ics.replace("\r\n ", "")
            .contains(&format!("UID:{local}-{stamp}@{domain}"))
    );

    // A day the series does not meet on is not a page.
    let not_a_date = (day + chrono::Duration::days(1)).format("%Y-%m-%d");
    let resp = visitor
        .get(&format!("{}/events/{}/{not_a_date}", app.url, e.slug))
        .await;
    assert_eq!(resp.status(), 404);
    let resp = visitor
        .get(&format!("{}/events/{}/2026-13-45", app.url, e.slug))
        .await;
    assert_eq!(resp.status(), 404);

    // A cancelled date says so on its page; a moved one says where from, for people and
    // for search engines.
    let admin = signed_in(&app, ADMIN).await;
    let admin_page = unescape(
        &admin
            .get(&format!("{}/events/{}", app.url, e.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    let starts = crate::helpers::date_starts(&admin_page);
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/cancel", e.slug),
            &[
                ("start", starts[0].as_str()),
                ("note", "The hall is closed for repairs."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, cancelled) = text(&visitor, format!("{}{}", app.url, dates[0])).await;
    assert!(cancelled.contains("This date is cancelled: The hall is closed for repairs."));
    assert!(cancelled.contains("https://schema.org/EventCancelled"));
    let (_, ics) = text(&visitor, format!("{}{}.ics", app.url, dates[0])).await;
    assert!(ics.contains("STATUS:CANCELLED"));

    let second = chrono::DateTime::parse_from_rfc3339(&starts[1]).unwrap();
    let new_day = (second + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/move", e.slug),
            &[
                ("start", starts[1].as_str()),
                ("new_date", new_day.as_str()),
                ("new_start_time", "14:00"),
                ("new_end_time", "15:30"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (status, moved) = text(&visitor, format!("{}{}", app.url, dates[1])).await;
    assert_eq!(
        status, 200,
        "a moved date keeps the address of the day it was planned for"
    );
    assert!(moved.contains("Moved from"), "{moved}");
    assert!(moved.contains("14:00 to 15:30"));
    assert!(moved.contains("https://schema.org/EventRescheduled"));
    assert!(moved.contains("\"previousStartDate\""));

    // What is coming shows the series once, at its next date that takes place (the first
    // is cancelled, the second moved), linking to that date's page and to all its dates,
    // under month headings.
    let (_, listing) = text(&visitor, format!("{}/events", app.url)).await;
    assert_eq!(
        links(&listing, &format!("/events/{}/", e.slug)),
        [dates[1].clone()]
    );
    assert!(listing.contains("then every 2 months on the second Wednesday, until"));
    assert!(listing.contains(&format!("href=\"/events/{}\">All dates", e.slug)));
    assert!(listing.contains("<h2 id=\"month-0\" class=\"month-heading\">"));
    assert_eq!(
        listing
            .matches("Northvale Open Data Forum</a></h3>")
            .count(),
        1
    );
}

#[tokio::test]
async fn an_open_ended_series_runs_on_in_pages_listings_and_feeds() {
    let app = demo_app(&[]).await;
    let e = Event::find()
        .filter(event::Column::Title.eq("Open Data Surgery"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.series_ends_at, None, "the demo surgery has no end date");
    let visitor = Browser::new();
    let (status, page) = text(&visitor, format!("{}/events/{}", app.url, e.slug)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Every month on the first Thursday, 16:00 to 18:00, with no end date"),
        "{page}"
    );
    // The feed carries the rule without an end, and calendars keep repeating it.
    let (_, ics) = text(&visitor, format!("{}/events/{}.ics", app.url, e.slug)).await;
    let rule = ics
        .lines()
        .find(|l| l.starts_with("RRULE:"))
        .expect("an RRULE");
    assert!(rule.starts_with("RRULE:FREQ=MONTHLY"), "{rule}");
    assert!(!rule.contains("UNTIL") && !rule.contains("COUNT"), "{rule}");

    // Years later it is still on the upcoming list, at its next date, and has coming dates.
    app.clock.advance(chrono::Duration::days(3 * 365));
    let (_, listing) = text(&visitor, format!("{}/events", app.url)).await;
    assert!(listing.contains("Open Data Surgery"), "{listing}");
    let (_, page) = text(&visitor, format!("{}/events/{}", app.url, e.slug)).await;
    let dates = links(&page, &format!("/events/{}/", e.slug));
    let today = (chrono::Utc::now() + chrono::Duration::days(3 * 365)).date_naive();
    let first_coming =
        chrono::NaiveDate::parse_from_str(dates[0].rsplit('/').next().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert!(
        first_coming >= today - chrono::Duration::days(1),
        "{first_coming} is not a coming date ({dates:?})"
    );
    let (status, _) = text(&visitor, format!("{}{}", app.url, dates[0])).await;
    assert_eq!(status, 200);
}
