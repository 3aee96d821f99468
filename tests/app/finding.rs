//! Finding events: tag pages, the Upcoming / Past switch, and years out of range.

use crate::helpers::{demo_app, signed_in, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";

async fn page(browser: &Browser, url: String) -> (u16, String) {
    let resp = browser.get(&url).await;
    let status = resp.status().as_u16();
    (status, unescape(&resp.text().await.unwrap()))
}

#[tokio::test]
async fn tag_pages_exist_for_tags_in_use_and_fall_back_to_the_past() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let (status, _) = page(&visitor, format!("{}/events/tags/no-such-topic", app.url)).await;
    assert_eq!(status, 404, "an unknown tag is not an empty page");

    // A tag used only by an event that has happened.
    let admin = signed_in(&app, ADMIN).await;
    let date = (chrono::Utc::now() - chrono::Duration::days(40))
        .format("%Y-%m-%d")
        .to_string();
    let resp = admin
        .post(
            &app,
            "/events/new",
            &[
                ("title", "Canal Towpath Survey"),
                ("summary", "Counting who uses the towpath."),
                ("time_zone", "Europe/London"),
                ("start_date", date.as_str()),
                ("start_time", "10:00"),
                ("end_date", date.as_str()),
                ("end_time", "12:00"),
                ("tags", "towpaths"),
                ("repeat", "none"),
                ("confirm_past", "on"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (status, tagged) = page(&visitor, format!("{}/events/tags/towpaths", app.url)).await;
    assert_eq!(status, 200);
    assert!(tagged.contains("Nothing with this tag is coming up"));
    assert!(tagged.contains("Canal Towpath Survey"));
    // Each tag page offers its calendar feed.
    assert!(tagged.contains("Subscribe to this topic"));
    assert!(tagged.contains("/calendar/tags/towpaths.ics"));
    // Neither half of the Upcoming / Past switch is this page.
    assert!(!tagged.contains("aria-current=\"page\">Upcoming"));
}

#[tokio::test]
async fn the_switch_says_which_list_is_shown_and_years_out_of_range_are_named() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let (_, upcoming) = page(&visitor, format!("{}/events", app.url)).await;
    assert!(upcoming.contains("href=\"/events\" aria-current=\"page\">Upcoming"));
    assert!(!upcoming.contains("aria-current=\"page\">Past events"));
    let (_, past) = page(&visitor, format!("{}/events/past", app.url)).await;
    assert!(past.contains("href=\"/events/past\" aria-current=\"page\">Past events"));
    for year in ["1900", "2999", "-5"] {
        let (status, text) = page(&visitor, format!("{}/events/past?year={year}", app.url)).await;
        assert_eq!(status, 400, "{year}");
        assert!(
            text.contains(&format!("{year} is not one of them")),
            "{year}"
        );
    }
}
