//! Searching events (`/events?q=`): whole words with English stems and accents ignored,
//! title matches first, a count people can hear, only public events, an index that follows
//! every approved change, and user text that never becomes query syntax. On SQLite (FTS5)
//! and PostgreSQL (text search) alike.

use chrono::{Duration, Utc};
use entity::event::{self, EventStatus};
use entity::prelude::*;
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::helpers::{TestApp, approve, demo_app, edit_event, signed_in, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";
const AUTHOR: &str = "gareth.lloyd@riverside-city.example";

fn day(offset: i64) -> String {
    (Utc::now() + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// The search page for `q` as an anonymous visitor sees it: status and text.
async fn search(app: &TestApp, q: &str) -> (u16, String) {
    search_at(app, "/events", q).await
}

async fn search_at(app: &TestApp, path: &str, q: &str) -> (u16, String) {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let resp = Browser::new()
        .get(&format!("{}{path}?q={q}", app.url))
        .await;
    let status = resp.status().as_u16();
    (status, unescape(&resp.text().await.unwrap()))
}

/// The titles of the event cards on a page, in order.
fn titles(page: &str) -> Vec<String> {
    page.split("<h3 class=\"card-title\"><a href=\"")
        .skip(1)
        .filter_map(|card| {
            let title = card.split_once("\">")?.1;
            Some(title.split_once("</a>")?.0.to_string())
        })
        .collect()
}

/// The search's heading: "N results for “…”", inside the polite status region.
fn heading(page: &str) -> String {
    let start = page
        .find("<div role=\"status\"><h1>")
        .expect("search results have a heading in a status region")
        + "<div role=\"status\"><h1>".len();
    let end = page[start..].find("</h1>").unwrap() + start;
    page[start..end].to_string()
}

fn form<'a>(
    title: &'a str,
    summary: &'a str,
    date: &'a str,
    tags: &'a str,
    action: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("summary", summary),
        ("description", ""),
        ("time_zone", "Europe/London"),
        ("start_date", date),
        ("start_time", "18:00"),
        ("end_date", date),
        ("end_time", "20:00"),
        ("tags", tags),
        ("repeat", "none"),
        // Some of these events have happened: their authors confirm the dates.
        ("confirm_past", "on"),
        ("action", action),
    ]
}

/// An admin publishes an event in one step.
async fn publish(app: &TestApp, admin: &Browser, title: &str, summary: &str, date: &str) {
    let resp = admin
        .post(
            app,
            "/events/new",
            &form(title, summary, date, "", "publish"),
        )
        .await;
    assert_eq!(resp.status(), 303, "{title} published");
}

async fn by_title(app: &TestApp, title: &str) -> event::Model {
    Event::find()
        .filter(event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{title} exists"))
}

#[tokio::test]
async fn search_matches_words_not_pieces_of_words_and_says_how_many() {
    let app = demo_app(&[]).await;
    // The forum meeting's agenda has "Any other business"; only the hack day is about buses.
    let (status, page) = search(&app, "bus").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&page), ["Bus Data Hack Day"], "{page}");
    assert_eq!(heading(&page), "1 result for \u{201c}bus\u{201d}");
    assert!(page.contains("<title>1 result for \u{201c}bus\u{201d}"));
    assert!(
        page.contains("name=\"q\" type=\"search\" value=\"bus\""),
        "the search stays in the box"
    );
    // Case does not matter, and neither does the order of the words.
    let (_, page) = search(&app, "DATA bus").await;
    assert_eq!(titles(&page), ["Bus Data Hack Day"]);

    // Several results: the count is plural, and a series is one result, shown once.
    let (_, page) = search(&app, "northvale").await;
    let found = titles(&page);
    assert_eq!(
        heading(&page),
        format!("{} results for \u{201c}northvale\u{201d}", found.len())
    );
    assert!(found.len() >= 2, "{found:?}");
    assert_eq!(
        found
            .iter()
            .filter(|t| *t == "Northvale Open Data Forum")
            .count(),
        1,
        "the series is listed once: {found:?}"
    );

    // Nothing found: a count of nothing, and the empty state.
    let (status, page) = search(&app, "zzzz%").await;
    assert_eq!(status, 200);
    assert_eq!(heading(&page), "0 results for \u{201c}zzzz%\u{201d}");
    assert!(page.contains("Nothing matches that search"));

    // A blank search is no search: the usual listing.
    let (status, page) = search(&app, "   ").await;
    assert_eq!(status, 200);
    assert!(page.contains("<h1>Upcoming events</h1>"));
    assert!(!page.contains("role=\"status\"><h1>"));
}

#[tokio::test]
async fn title_matches_come_first_then_coming_soonest_then_past_most_recent() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    // Mentioned in the summary only, and soonest of all.
    publish(
        &app,
        &admin,
        "Canal Walk",
        "Along the towpath with the canal trust.",
        &day(3),
    )
    .await;
    publish(
        &app,
        &admin,
        "Towpath Survey",
        "Who uses it, and when.",
        &day(40),
    )
    .await;
    publish(
        &app,
        &admin,
        "Towpath Mapping",
        "Drawing it for OpenStreetMap.",
        &day(10),
    )
    .await;
    publish(
        &app,
        &admin,
        "Towpath Litter Pick",
        "Last spring's clean-up.",
        &day(-30),
    )
    .await;
    publish(&app, &admin, "Towpath Lights", "Two years ago.", &day(-700)).await;

    let (_, page) = search(&app, "towpath").await;
    assert_eq!(
        titles(&page),
        [
            "Towpath Mapping",
            "Towpath Survey",
            "Towpath Litter Pick",
            "Towpath Lights",
            "Canal Walk"
        ]
    );
    assert_eq!(heading(&page), "5 results for \u{201c}towpath\u{201d}");
    // A title match needs every word in the title.
    let (_, page) = search(&app, "towpath canal").await;
    assert_eq!(titles(&page), ["Canal Walk"]);
}

#[tokio::test]
async fn plurals_find_singulars_and_accents_are_ignored() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    publish(
        &app,
        &admin,
        "Dashboard Clinic",
        "Bring the dashboards you are building.",
        &day(12),
    )
    .await;
    publish(
        &app,
        &admin,
        "Café Data Chat",
        "Coffee and open data.",
        &day(14),
    )
    .await;

    // The forum series' summary says "The forum's meeting".
    let (_, page) = search(&app, "meetings").await;
    assert!(
        titles(&page).contains(&"Northvale Open Data Forum".to_string()),
        "{page}"
    );
    for q in ["dashboard", "dashboards", "Dashboards"] {
        let (_, page) = search(&app, q).await;
        assert_eq!(titles(&page), ["Dashboard Clinic"], "{q}");
    }

    let accents_ignored = match app.db().get_database_backend() {
        sea_orm::DbBackend::Postgres => app
            .db()
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_ts_dict WHERE dictname = 'unaccent'",
            ))
            .await
            .unwrap()
            .is_some(),
        _ => true,
    };
    if accents_ignored {
        for q in ["cafe", "CAFÉ", "café"] {
            let (_, page) = search(&app, q).await;
            assert_eq!(titles(&page), ["Café Data Chat"], "{q}");
        }
    } else {
        println!("the unaccent extension is not installed: \"cafe\" is not checked");
        let (_, page) = search(&app, "café").await;
        assert_eq!(titles(&page), ["Café Data Chat"]);
    }
}

#[tokio::test]
async fn query_syntax_in_a_search_is_taken_as_plain_words() {
    let app = demo_app(&[]).await;
    // Punctuation alone: no words, so nothing, and no error.
    for q in [
        "\"",
        "*",
        "-",
        ":",
        "'",
        "\"\"",
        "(",
        ")",
        "^",
        "{}",
        "* : - ' \"",
        "\\",
        "%_",
    ] {
        let (status, page) = search(&app, q).await;
        assert_eq!(status, 200, "{q}");
        assert!(
            heading(&page).starts_with("0 results for"),
            "{q}: {}",
            heading(&page)
        );
        assert!(
            page.contains("punctuation on its own matches nothing"),
            "{q}"
        );
    }
    // Operators and syntax around a word leave the word: each finds the hack day only.
    for q in [
        "bus*",
        "\"bus",
        "bus\"",
        "-bus",
        "bus'",
        "(bus)",
        "^bus",
        "'bus' data",
        "\"bus data\"",
        "bus:",
    ] {
        let (status, page) = search(&app, q).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(titles(&page), ["Bus Data Hack Day"], "{q}");
    }
    // Operator words are words to find, not operators.
    for q in [
        "bus NEAR data",
        "bus OR zzzz",
        "bus AND zzzz",
        "NOT bus",
        "title:bus",
        "NEAR(bus data)",
        "bus -data",
    ] {
        let (status, page) = search(&app, q).await;
        assert_eq!(status, 200, "{q}");
        let found = titles(&page);
        assert!(
            found.is_empty() || found == ["Bus Data Hack Day"],
            "{q}: {found:?}"
        );
        if q.contains("zzzz") || q.contains("NOT") || q.contains("NEAR") || q.contains("title") {
            assert!(found.is_empty(), "{q} is all of its words: {found:?}");
        }
    }
    // "bus -data" is both words, not "bus without data".
    let (_, page) = search(&app, "bus -data").await;
    assert_eq!(titles(&page), ["Bus Data Hack Day"]);
}

#[tokio::test]
async fn a_long_search_is_cut_with_a_note_and_the_box_keeps_what_was_searched() {
    let app = demo_app(&[]).await;
    let long = format!("bus {}", "data ".repeat(100));
    let (status, page) = search(&app, &long).await;
    assert_eq!(status, 200);
    assert!(page.contains("Searches can be up to 200 characters long"));
    assert_eq!(titles(&page), ["Bus Data Hack Day"]);
    // The 200th character is in a "data": that word is left out, not searched as "dat".
    let kept: String = long.chars().take(200).collect();
    let kept = kept.trim_end_matches(char::is_alphanumeric).trim_end();
    assert!(page.contains(&format!("value=\"{kept}\"")), "{page}");
    // Within the limit, no note.
    let (_, page) = search(&app, "bus data").await;
    assert!(!page.contains("Searches can be up to"));
}

#[tokio::test]
async fn only_public_events_are_found_even_by_their_authors() {
    let app = demo_app(&[]).await;
    // The demo's draft and the one waiting for approval.
    for q in ["street works surgery", "census briefing"] {
        let (_, page) = search(&app, q).await;
        assert!(titles(&page).is_empty(), "{q}: {page}");
    }
    let author = signed_in(&app, AUTHOR).await;
    let resp = author
        .post(
            &app,
            "/events/new",
            &form(
                "Kingfisher Count",
                "Along the river.",
                &day(9),
                "",
                "submit",
            ),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = author
        .get(&format!("{}/events?q=kingfisher", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(titles(&page).is_empty(), "waiting for approval: not listed");

    // A cancelled event is still public: found, and marked.
    let admin = signed_in(&app, ADMIN).await;
    let e = by_title(&app, "Kingfisher Count").await;
    assert_eq!(approve(&app, &admin, e.id).await.status(), 303);
    let (_, page) = search(&app, "kingfisher").await;
    assert_eq!(titles(&page), ["Kingfisher Count"]);
    Event::update_many()
        .col_expr(
            event::Column::Status,
            sea_orm::sea_query::Expr::value(EventStatus::Cancelled),
        )
        .filter(event::Column::Id.eq(e.id))
        .exec(app.db())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, page) = search(&app, "kingfisher").await;
    assert_eq!(titles(&page), ["Kingfisher Count"]);
    assert!(page.contains("badge-cancelled"));
}

#[tokio::test]
async fn an_approved_change_is_found_by_its_new_words_and_not_its_old_ones() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = day(21);
    let resp = author
        .post(
            &app,
            "/events/new",
            &form(
                "Kingfisher Count",
                "Along the river.",
                &date,
                "birds",
                "submit",
            ),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let e = by_title(&app, "Kingfisher Count").await;
    assert_eq!(approve(&app, &admin, e.id).await.status(), 303);
    let (_, page) = search(&app, "kingfisher").await;
    assert_eq!(titles(&page), ["Kingfisher Count"]);
    // Tags are searched too.
    let (_, page) = search(&app, "birds").await;
    assert_eq!(titles(&page), ["Kingfisher Count"]);

    let e = by_title(&app, "Kingfisher Count").await;
    let resp = edit_event(
        &app,
        &author,
        &e.slug,
        &form("Heron Count", "Along the river.", &date, "wetlands", "save"),
    )
    .await;
    assert_eq!(resp.status(), 303);
    // Waiting for approval: the public text, and so the search, are unchanged.
    let (_, page) = search(&app, "heron").await;
    assert!(titles(&page).is_empty(), "{page}");
    let (_, page) = search(&app, "kingfisher").await;
    assert_eq!(titles(&page), ["Kingfisher Count"]);

    let revision = EventRevision::find().one(app.db()).await.unwrap().unwrap();
    let action = format!("/admin/moderation/revisions/{}/approve", revision.id);
    let queue = admin
        .get(&format!("{}/admin/moderation", app.url))
        .await
        .text()
        .await
        .unwrap();
    let version = crate::helpers::hidden_fields(&queue, &action);
    let version: Vec<(&str, &str)> = version
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(admin.post(&app, &action, &version).await.status(), 303);

    let (_, page) = search(&app, "heron").await;
    assert_eq!(titles(&page), ["Heron Count"]);
    let (_, page) = search(&app, "wetlands").await;
    assert_eq!(titles(&page), ["Heron Count"], "the new tag");
    for old in ["kingfisher", "birds"] {
        let (_, page) = search(&app, old).await;
        assert!(titles(&page).is_empty(), "{old}: {page}");
    }

    // Deleted events leave the index (the row goes with the event).
    let e = by_title(&app, "Heron Count").await;
    Event::delete_by_id(e.id).exec(app.db()).await.unwrap();
    let rows = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            match app.db().get_database_backend() {
                sea_orm::DbBackend::Postgres => {
                    "SELECT id FROM event_search WHERE id NOT IN (SELECT id FROM event)"
                }
                _ => "SELECT rowid FROM event_search WHERE rowid NOT IN (SELECT id FROM event)",
            },
        ))
        .await
        .unwrap();
    assert!(rows.is_empty(), "no index row outlives its event");
}

#[tokio::test]
async fn a_tag_page_searches_within_its_tag() {
    let app = demo_app(&[]).await;
    let (status, page) = search_at(&app, "/events/tags/transport", "bus").await;
    assert_eq!(status, 200);
    assert_eq!(titles(&page), ["Bus Data Hack Day"]);
    assert!(page.contains("Among events tagged \u{201c}transport\u{201d}"));
    let (_, page) = search_at(&app, "/events/tags/transport", "northvale").await;
    assert!(titles(&page).is_empty(), "{page}");
    assert_eq!(heading(&page), "0 results for \u{201c}northvale\u{201d}");
}

/// The migration indexes the events already there, and can be undone and done again.
#[tokio::test]
async fn the_migration_indexes_existing_events_and_can_be_undone() {
    let app = demo_app(&[]).await;
    // Back to before the search index (the migrations after it first).
    let after_it = migration::Migrator::migrations()
        .iter()
        .skip_while(|m| m.name() != "m20261128_000007_event_search")
        .count();
    migration::Migrator::down(app.db(), Some(after_it as u32))
        .await
        .unwrap();
    let gone = app
        .db()
        .query_all_raw(sea_orm::Statement::from_string(
            app.db().get_database_backend(),
            "SELECT 1 FROM event_search",
        ))
        .await;
    assert!(gone.is_err(), "the index is dropped");
    convene::db::migrate(app.db()).await.unwrap();
    let (_, page) = search(&app, "bus").await;
    assert_eq!(titles(&page), ["Bus Data Hack Day"]);
    let (_, page) = search(&app, "unconference").await;
    assert_eq!(
        titles(&page),
        ["Open Data Camp Midshire"],
        "tags of existing events"
    );
}
