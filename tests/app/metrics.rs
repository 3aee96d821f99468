//! Metrics without tracking: a page read in a browser is counted for its path and day, a
//! download apart from it; robots, prefetches, errors, HEAD, the API and the admin area are
//! not; the stored counts hold nothing about the reader. The secretary's report adds them up
//! since the last meeting with each feature's figures.

use std::sync::Arc;

use convene::clock::Clock;
use convene::metrics;
use entity::page_view::{self, ViewKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

use crate::helpers::{demo_app, read, signed_in, spawn_app, unescaped};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const ADMIN: &str = "priya.shah@northvale-council.example";
const MEMBER: &str = "gareth.lloyd@riverside-city.example";

/// A reader's browser: says it is Firefox, keeps no cookies between tests.
fn reader() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(FIREFOX)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Every stored count: (path, kind, count), sorted.
async fn stored(app: &crate::helpers::TestApp) -> Vec<(String, ViewKind, i64)> {
    let mut rows: Vec<(String, ViewKind, i64)> = page_view::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.path, r.kind, r.count))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

async fn count_of(app: &crate::helpers::TestApp, path: &str, kind: ViewKind) -> i64 {
    page_view::Entity::find()
        .filter(page_view::Column::Path.eq(path))
        .filter(page_view::Column::Kind.eq(kind))
        .all(app.db())
        .await
        .unwrap()
        .iter()
        .map(|r| r.count)
        .sum()
}

#[tokio::test]
async fn a_page_read_is_counted_for_its_path_and_day_and_nothing_about_the_reader_is_kept() {
    let app = spawn_app().await;
    let browser = reader();
    for path in ["/", "/", "/events", "/events?page=1&tag=transport"] {
        let resp = browser
            .get(format!("{}{path}", app.url))
            .header("X-Forwarded-For", "203.0.113.77")
            .header("Cookie", "reader_marker=abc123")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        // Counting sets no cookie of its own: the only one is the CSRF token forms need.
        for cookie in resp.headers().get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            assert!(
                !cookie.contains("203.0.113.77") && !cookie.contains("Firefox"),
                "{cookie}"
            );
        }
    }
    assert!(
        stored(&app).await.is_empty(),
        "counts wait in memory until written"
    );
    metrics::flush(&app.state).await.unwrap();
    assert_eq!(
        stored(&app).await,
        vec![
            ("/".to_string(), ViewKind::View, 2),
            ("/events".to_string(), ViewKind::View, 2),
        ],
        "the query string is not kept: /events?page=1 is /events"
    );
    let today = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let rows = page_view::Entity::find().all(app.db()).await.unwrap();
    assert!(
        rows.iter().all(|r| r.day == today),
        "counted on the site's day"
    );

    // The table has only the day, the kind, the path and the count: nowhere to keep an
    // address, a browser or a cookie. Every stored value is checked for them too.
    let backend = app.db().get_database_backend();
    let columns_sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "SELECT column_name AS name FROM information_schema.columns \
             WHERE table_name = 'page_view' ORDER BY column_name"
        }
        _ => "SELECT name FROM pragma_table_info('page_view') ORDER BY name",
    };
    let columns: Vec<String> = app
        .db()
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    assert_eq!(columns, ["count", "day", "kind", "path"]);
    let everything = format!("{rows:?}");
    for secret in [
        "203.0.113",
        "Firefox",
        "Mozilla",
        "abc123",
        "transport",
        "page=",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} is not stored: {everything}"
        );
    }
}

#[tokio::test]
async fn robots_prefetches_errors_heads_feeds_the_api_and_the_admin_area_are_not_counted() {
    let app = spawn_app().await;
    let get = |ua: Option<&'static str>, path: &'static str| {
        let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if let Some(ua) = ua {
            builder = builder.user_agent(ua);
        }
        let client = builder.build().unwrap();
        let url = format!("{}{path}", app.url);
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    assert_eq!(get(Some(googlebot), "/").await, 200);
    assert_eq!(get(Some("curl/8.5.0"), "/").await, 200);
    assert_eq!(get(None, "/").await, 200);
    assert_eq!(get(Some(FIREFOX), "/no-such-page").await, 404);
    assert_eq!(get(Some(FIREFOX), "/api/v1/events").await, 200);
    assert_eq!(get(Some(FIREFOX), "/calendar.ics").await, 200);
    assert_eq!(get(Some(FIREFOX), "/healthz").await, 200);
    assert_eq!(get(Some(FIREFOX), "/admin").await, 303);
    let prefetch = reader()
        .get(format!("{}/events", app.url))
        .header("Sec-Purpose", "prefetch;prerender")
        .send()
        .await
        .unwrap();
    assert_eq!(prefetch.status(), 200);
    let head = reader()
        .head(format!("{}/events", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    // And one read that does count, so the test shows counting works.
    assert_eq!(get(Some(FIREFOX), "/calendar").await, 200);

    metrics::flush(&app.state).await.unwrap();
    assert_eq!(
        stored(&app).await,
        vec![("/calendar".to_string(), ViewKind::View, 1)]
    );
}

#[tokio::test]
async fn downloads_are_counted_apart_from_page_views() {
    let app = demo_app(&[]).await;
    let browser = reader();
    let file_page = unescaped(
        &browser
            .get(format!("{}/slides", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let file = file_page
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|href| href.starts_with("/files/") && href.matches('/').count() == 3)
        .expect("the slides page links a file")
        .to_string();
    let before_file = count_of(&app, &file, ViewKind::Download).await;
    let before_csv = count_of(&app, "/events.csv", ViewKind::Download).await;
    let before_slides = count_of(&app, "/slides", ViewKind::View).await;

    let resp = browser
        .get(format!("{}{file}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = browser
        .get(format!("{}/events.csv", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // A reader that fetches a file in parts counts once, for the first part.
    for range in ["bytes=0-99", "bytes=100-199"] {
        let resp = browser
            .get(format!("{}{file}", app.url))
            .header("Range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 206);
    }
    metrics::flush(&app.state).await.unwrap();
    assert_eq!(
        count_of(&app, &file, ViewKind::Download).await,
        before_file + 2
    );
    assert_eq!(count_of(&app, &file, ViewKind::View).await, 0);
    assert_eq!(
        count_of(&app, "/events.csv", ViewKind::Download).await,
        before_csv + 1
    );
    assert_eq!(
        count_of(&app, "/slides", ViewKind::View).await,
        before_slides + 1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_at_the_same_moment_and_instances_writing_together_lose_no_count() {
    let app = spawn_app().await;
    let browser = reader();
    // The first read renders the page; the others find it made (a cold page rendered by
    // forty readers at once is slow in a debug build, and this test is about counting).
    browser
        .get(format!("{}/events", app.url))
        .send()
        .await
        .unwrap();
    let reads = (0..39).map(|_| {
        let (browser, url) = (browser.clone(), format!("{}/events", app.url));
        async move { browser.get(url).send().await.unwrap().status() }
    });
    for status in futures_util::future::join_all(reads).await {
        assert_eq!(status, 200);
    }
    // A second instance over the same database writes its own counts at the same moment.
    let mut other = app.state.clone();
    other.metrics = Arc::new(metrics::Tally::default());
    let today = app
        .clock
        .now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    other.metrics.add(today, ViewKind::View, "/events", 7);
    let (a, b) = tokio::join!(metrics::flush(&app.state), metrics::flush(&other));
    a.unwrap();
    b.unwrap();
    assert_eq!(count_of(&app, "/events", ViewKind::View).await, 47);
    // Later reads add to the day's row.
    browser
        .get(format!("{}/events", app.url))
        .send()
        .await
        .unwrap();
    metrics::flush(&app.state).await.unwrap();
    assert_eq!(count_of(&app, "/events", ViewKind::View).await, 48);
    assert_eq!(stored(&app).await.len(), 1);
}

/// The number in the report's table for a figure.
fn figure(html: &str, label: &str) -> u64 {
    let at = html
        .find(&format!(">{label}<"))
        .unwrap_or_else(|| panic!("{label} is in the report"));
    let cell = &html[at..];
    let start = cell.find("<td class=\"numeric\">").unwrap() + "<td class=\"numeric\">".len();
    cell[start..start + cell[start..].find('<').unwrap()]
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_report_adds_up_what_happened_since_the_last_meeting() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let (status, html) = read(&admin, &app, "/admin/report").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Since the last meeting, Forum meeting, on"),
        "{html}"
    );
    for label in [
        "Page views",
        "Downloads",
        "New members",
        "Events held",
        "RSVPs",
        "Meetings held",
        "Actions open now",
        "Dataset requests made",
        "Dataset requests open now",
        "Forum posts",
    ] {
        figure(&html, label);
    }
    // The demo's people joined over two years; two of them since the last meeting.
    assert_eq!(figure(&html, "New members"), 2);
    assert!(
        figure(&html, "Page views") > 100,
        "the demo's four months of reading"
    );
    assert!(html.contains("<svg") && html.contains("role=\"img\"") && html.contains("<desc"));
    assert!(
        html.contains("data-copy"),
        "the text for the minutes can be copied"
    );

    // A page read now is in the report once written.
    let views = figure(&html, "Page views");
    let downloads = figure(&html, "Downloads");
    reader()
        .get(format!("{}/meetings", app.url))
        .send()
        .await
        .unwrap();
    reader()
        .get(format!("{}/events.csv", app.url))
        .send()
        .await
        .unwrap();
    metrics::flush(&app.state).await.unwrap();
    let (_, html) = read(&admin, &app, "/admin/report").await;
    assert_eq!(figure(&html, "Page views"), views + 1);
    assert_eq!(figure(&html, "Downloads"), downloads + 1);
    let minutes = html
        .split("id=\"minutes-text\"")
        .nth(1)
        .unwrap()
        .split("</p>")
        .next()
        .unwrap();
    assert!(
        minutes.contains(&format!("{} page views", views + 1)) && minutes.contains("2 new members"),
        "{minutes}"
    );

    // From a day chosen instead: a day before anything happened has every member as new.
    let (status, html) = read(&admin, &app, "/admin/report?since=2020-01-01").await;
    assert_eq!(status, 200);
    assert_eq!(
        figure(&html, "New members"),
        figure(&html, "Members in all")
    );
    assert!(
        html.contains("by week"),
        "a long period is drawn a week a bar"
    );
}

#[tokio::test]
async fn a_day_that_is_not_one_is_explained_and_only_admins_see_the_report() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    for (since, says) in [
        (
            "9th September",
            "is not a date: write it as year, month and day",
        ),
        ("2999-01-01", "is still to come"),
        ("1999-12-31", "from 1 January 2000 onwards"),
    ] {
        let (status, html) = read(
            &admin,
            &app,
            &format!("/admin/report?since={}", since.replace(' ', "%20")),
        )
        .await;
        assert_eq!(status, 400, "{since}");
        assert!(html.contains(says), "{since}: {html}");
        assert!(
            html.contains(&format!("value=\"{since}\"")),
            "the day is refilled"
        );
        assert!(html.contains("aria-invalid=\"true\""));
    }
    let member = signed_in(&app, MEMBER).await;
    let (status, _) = read(&member, &app, "/admin/report").await;
    assert_eq!(status, 403);
    let resp = app.get("/admin/report").await;
    assert_eq!(resp.status(), 303);
}
