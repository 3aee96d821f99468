//! What every page shares and the little script that enhances it, as far as the server
//! shows it: the script's delivery, the header's phone menu, the calendar addresses the
//! script adds "Copy" to, the repeat fields it hides, and all-day dates said once. The
//! browser journeys in e2e/ check the behaviour itself.

use chrono::{Datelike, Duration, Utc, Weekday};
use poem::http::{StatusCode, header};

use crate::helpers::{demo_app, signed_in, spawn_app, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";

/// The `src` of the page's script, checking it is loaded with `defer`.
fn script_src(html: &str) -> String {
    let at = html
        .find("<script src=\"/assets/js/convene.js?v=")
        .unwrap_or_else(|| panic!("no versioned script on the page:\n{html}"));
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    assert!(tag.contains(" defer"), "the script is not deferred: {tag}");
    let from = at + "<script src=\"".len();
    html[from..from + html[from..].find('"').unwrap()].to_string()
}

/// The text from `start` to the first `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in:\n{html}"));
    let to = from + html[from..].find(end).expect("the end marker");
    &html[from..to]
}

#[tokio::test]
async fn the_script_is_served_as_javascript_cached_for_a_year_on_every_page() {
    let app = spawn_app().await;
    let home = app.get("/").await.text().await.unwrap();
    let src = script_src(&home);

    let resp = app.get(&src).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let content_type = resp.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/javascript"),
        "{content_type}"
    );
    assert_eq!(
        resp.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    // The page's policy lets it run (same origin) and nothing inline.
    let csp = app.get("/").await.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    let script = resp.text().await.unwrap();
    assert!(script.contains("data-copy"), "the copy buttons");
    assert!(script.contains("navigator.clipboard"));

    // Unversioned, the same file is cached only briefly.
    let plain = app.get("/assets/js/convene.js").await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        plain.headers()[header::CACHE_CONTROL],
        "public, max-age=3600"
    );

    // Every page, error pages included, loads the same file; none has inline script.
    for path in ["/events", "/calendar", "/auth/signin", "/no-such-page"] {
        let html = app.get(path).await.text().await.unwrap();
        assert_eq!(script_src(&html), src, "{path}");
        assert!(!html.contains("<script>"), "inline script on {path}");
    }
}

#[tokio::test]
async fn the_phone_menu_holds_every_link_of_the_header_without_script() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let home = admin
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    // A <details> disclosure opens without script.
    let menu = between(&home, "<details class=\"site-menu\">", "</details>");
    let summary = between(menu, "<summary>", "</summary>");
    assert!(summary.starts_with("<summary>Menu"), "{summary}");
    assert!(
        summary.contains("nav-count"),
        "the waiting count: {summary}"
    );
    for href in [
        "/",
        "/events",
        "/calendar",
        "/meetings",
        "/forum",
        "/events/mine",
        "/admin",
        "/profile",
    ] {
        assert!(
            menu.contains(&format!("href=\"{href}\"")),
            "the menu lacks {href}:\n{menu}"
        );
    }
    assert!(menu.contains("action=\"/auth/signout\""), "sign out");
    assert!(menu.contains("aria-label=\"Main\""));

    let anonymous = app.get("/events").await.text().await.unwrap();
    let menu = between(&anonymous, "<details class=\"site-menu\">", "</details>");
    assert!(menu.contains("Sign in</a>"), "{menu}");
    assert!(!menu.contains("href=\"/admin\""), "{menu}");
}

#[tokio::test]
async fn feed_addresses_are_marked_for_copying_and_webcal_links_show_webcal() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let get = |path: &'static str| {
        let visitor = &visitor;
        let url = format!("{}{path}", app.url);
        async move { unescape(&visitor.get(&url).await.text().await.unwrap()) }
    };
    let host = app.url.trim_start_matches("http://").to_string();

    let calendar = get("/calendar").await;
    let main_address = between(&calendar, "<input id=\"feed-url\"", ">");
    assert!(
        main_address.contains(&format!("value=\"{}/calendar.ics\"", app.url)),
        "{main_address}"
    );
    assert!(main_address.contains("data-copy"), "{main_address}");
    // A topic's link goes to webcal:// and says so.
    let transport = format!("webcal://{host}/calendar/tags/transport.ics");
    assert!(
        calendar.contains(&format!("href=\"{transport}\"")),
        "{calendar}"
    );
    assert!(
        calendar.contains(&format!(">{transport}</a>")),
        "{calendar}"
    );
    assert!(
        !calendar.contains(&format!(">{}/calendar/tags/", app.url)),
        "a webcal:// link that shows http://"
    );
    // The buttons are the script's: none in the page itself, so none that do nothing.
    assert!(!calendar.contains(">Copy<"), "a Copy button without script");

    let topic = get("/events/tags/transport").await;
    let code = between(&topic, "<code class=\"feed-address\"", "</code>");
    assert!(code.contains("data-copy"), "{code}");
    assert!(
        code.ends_with(&format!(">{}/calendar/tags/transport.ics", app.url)),
        "{code}"
    );

    // An event's page shows its own calendar file's address.
    let event = get("/events/bus-data-hack-day").await;
    let code = between(&event, "<code class=\"feed-address\"", "</code>");
    assert!(code.contains("data-copy"), "{code}");
    assert!(
        code.ends_with(&format!(">{}/events/bus-data-hack-day.ics", app.url)),
        "{code}"
    );
}

#[tokio::test]
async fn the_repeat_fields_are_grouped_for_the_script_and_shown_without_it() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, "gareth.lloyd@riverside-city.example").await;
    let form = member
        .get(&format!("{}/events/new", app.url))
        .await
        .text()
        .await
        .unwrap();
    let group = between(&form, "<div id=\"repeat-details\"", "</fieldset>");
    let opening = &group[..group.find('>').unwrap()];
    assert!(
        opening.contains("data-repeat-details=\"repeat\""),
        "{opening}"
    );
    assert!(
        !opening.contains("hidden"),
        "hidden without script: {opening}"
    );
    for field in ["repeat_interval", "repeat_until", "repeat_rule"] {
        assert!(
            group.contains(&format!("id=\"{field}\"")),
            "{field} is outside the group"
        );
    }
    assert!(
        !group.contains("id=\"repeat\""),
        "the Repeats control itself"
    );
}

#[tokio::test]
async fn all_day_dates_are_the_organisers_and_say_all_day_once() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    // A weekly all-day series organised in Berlin, an hour ahead of the site's London: its
    // midnight start is the evening before in London.
    let mut day = (Utc::now() + Duration::days(40)).date_naive();
    while day.weekday() != Weekday::Sat {
        day += Duration::days(1);
    }
    let date = day.format("%Y-%m-%d").to_string();
    let until = (day + Duration::days(14)).format("%Y-%m-%d").to_string();
    let resp = admin
        .post(
            &app,
            "/events/new",
            &[
                ("title", "Berlin Open Data Day"),
                ("summary", "A day of talks."),
                ("description", ""),
                ("time_zone", "Europe/Berlin"),
                ("all_day", "on"),
                ("start_date", &date),
                ("end_date", &date),
                ("place_name", "Rathaus"),
                ("repeat", "weekly"),
                ("repeat_interval", "1"),
                ("repeat_until", &until),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let path = crate::oidc::location(&resp);
    let label = day.format("%A %-d %B %Y").to_string();
    let once = |page: &str, what: &str| {
        let when = between(page, "<dd><time", "</dd>");
        assert_eq!(
            when.matches("all day").count(),
            1,
            "{what} says \"all day\" other than once: {when}"
        );
        assert!(
            when.contains(&format!("{label} (all day)")),
            "{what} is not on {label}: {when}"
        );
        assert!(!when.contains("Europe/London time"), "{what}: {when}");
        assert!(!when.contains("Organised in"), "{what}: {when}");
    };

    let visitor = Browser::new();
    let page = visitor
        .get(&format!("{}{path}", app.url))
        .await
        .text()
        .await
        .unwrap();
    once(&page, "the series page");

    let date_page = visitor
        .get(&format!("{}{path}/{date}", app.url))
        .await
        .text()
        .await
        .unwrap();
    once(&date_page, "the date's page");
    assert!(
        date_page.contains(&format!("<span class=\"heading-date\">{label}</span>")),
        "the date's heading"
    );

    let listing = visitor
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    let card = between(&listing, "Berlin Open Data Day</a></h3>", "</p>");
    assert_eq!(card.matches("all day").count(), 1, "{card}");
    assert!(card.contains(&format!("{label} (all day)")), "{card}");
    let badge = &listing[..listing.find("Berlin Open Data Day</a></h3>").unwrap()];
    let badge = &badge[badge.rfind("date-badge").unwrap()..];
    assert!(
        badge.contains(&format!("<span class=\"date-day\">{}</span>", day.day())),
        "the card's date badge: {badge}"
    );
}
