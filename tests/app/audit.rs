//! The audit log as an admin reads it: actions in words, people by their current names, links
//! to the records (and deleted ones marked), filters by action, person and dates that combine
//! and survive paging, bad filters explained, and a fixed number of queries per page.

use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, TimeZone, Utc};
use convene::audit::{self, Entry, Who};
use entity::prelude::*;
use entity::{event, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{TestApp, approve, demo_app, signed_in, unescape};
use crate::oidc::Browser;

const ADMIN: &str = "priya.shah@northvale-council.example";
const AUTHOR: &str = "gareth.lloyd@riverside-city.example";
const MEMBER: &str = "aisha.rahman@midshire-transport.example";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    User::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn by_title(app: &TestApp, title: &str) -> event::Model {
    Event::find()
        .filter(event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no event {title:?}"))
}

async fn draft(app: &TestApp, author: &Browser, title: &str, action: &str) -> event::Model {
    let date = (Utc::now() + Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let form = [
        ("title", title),
        ("summary", "A walk through the footpath data."),
        ("description", "Meet at the library."),
        ("time_zone", "Europe/London"),
        ("start_date", &date),
        ("start_time", "18:00"),
        ("end_date", &date),
        ("end_time", "20:00"),
        ("place_name", "Riverside Library"),
        ("tags", "walking"),
        ("repeat", "none"),
        ("action", action),
    ];
    let resp = author.post(app, "/events/new", &form).await;
    assert_eq!(resp.status(), 303, "creating {title}");
    by_title(app, title).await
}

/// The log at `query` (with `?`, or empty), its status and its HTML with `=` and `&` undone.
async fn log(app: &TestApp, browser: &Browser, query: &str) -> (u16, String) {
    let resp = browser
        .get(&format!("{}/admin/audit{query}", app.url))
        .await;
    let status = resp.status().as_u16();
    (status, unescape(&resp.text().await.unwrap()))
}

/// How many entries a page of the log shows.
fn rows(html: &str) -> usize {
    html.matches("<time datetime=").count()
}

/// The table body alone, so option labels in the filter form do not count as entries.
fn table(html: &str) -> &str {
    let start = html.find("<tbody>").expect("a table of entries");
    let end = html[start..].find("</tbody>").unwrap();
    &html[start..start + end]
}

/// Writes one entry straight into the log, as the services do, at a chosen time.
async fn record(app: &TestApp, who: Who, at: DateTime<Utc>, action: &str, target: (&str, i64)) {
    let txn = convene::db::begin_write(app.db()).await.unwrap();
    audit::record(
        &txn,
        &who,
        at,
        Entry {
            action,
            target_type: target.0,
            target_id: Some(target.1.to_string()),
            detail: None,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn entries_read_in_words_with_names_and_links_to_the_records() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin_id = user_id(&app, ADMIN).await;
    let member_id = user_id(&app, MEMBER).await;

    // An event approved from the queue: its slug changes on publication.
    let walk = draft(&app, &author, "Footpath Data Walk", "submit").await;
    assert_eq!(approve(&app, &admin, walk.id).await.status(), 303);
    let published = by_title(&app, "Footpath Data Walk").await;
    // One rejected with a reason, then deleted by the admin.
    let doomed = draft(&app, &author, "Bin Collection Hack", "submit").await;
    let reject = format!("/admin/moderation/events/{}/reject", doomed.id);
    let resp = admin
        .post(&app, &reject, &[("note", "Not about open data.")])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(&app, &format!("/events/{}/delete", doomed.slug), &[])
        .await;
    assert_eq!(resp.status(), 303);
    // An account disabled while its owner is signed in, and a role granted at the command line.
    let _member = signed_in(&app, MEMBER).await;
    let resp = admin
        .post(&app, &format!("/admin/users/{member_id}/disable"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let out = app.command(&["admin", "grant", "new.admin@forum.example"]);
    assert!(out.status.success());
    // The admin's name changes after the fact: the log shows who they are now.
    let mut renamed: user::ActiveModel = User::find_by_id(admin_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into();
    renamed.display_name = Set("Priya Shah-Okoro".into());
    renamed.update(app.db()).await.unwrap();

    let (status, html) = log(&app, &admin, "").await;
    assert_eq!(status, 200);
    let body = table(&html);
    for words in [
        "Approved an event",
        "Rejected an event",
        "Deleted an unpublished event",
        "Disabled an account",
        "Granted the admin role",
    ] {
        assert!(body.contains(words), "{words:?} in the log");
    }
    for code in [
        "event.approve",
        "event.reject",
        "account.disable",
        "role.grant",
    ] {
        assert!(!body.contains(code), "no bare {code} in the entries");
    }
    // People by their current name, linked to their row on the people page.
    assert!(body.contains(&format!(
        "<a href=\"/admin/users#user-{admin_id}\">Priya Shah-Okoro</a>"
    )));
    assert!(body.contains("Command line"));
    let people = unescape(
        &admin
            .get(&format!("{}/admin/users", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(people.contains(&format!("id=\"user-{admin_id}\"")));
    assert!(people.contains(&format!("id=\"user-{member_id}\"")));
    // Records: the event at its current address, the account by name, the deleted event
    // by its title and marked as deleted, with no link.
    assert_ne!(published.slug, walk.slug, "publication gave a new slug");
    assert!(body.contains(&format!(
        "<a href=\"/events/{}\">Footpath Data Walk</a>",
        published.slug
    )));
    assert!(!body.contains(&format!("href=\"/events/{}\"", walk.slug)));
    assert!(body.contains(&format!(
        "<a href=\"/admin/users#user-{member_id}\">Aisha Rahman</a>"
    )));
    assert!(body.contains("Bin Collection Hack"));
    assert!(!body.contains(&format!("href=\"/events/{}\"", doomed.slug)));
    assert!(body.contains("Deleted</span>"));
    // Details in words: the reason, and the sessions the disabling ended.
    assert!(body.contains("Reason:</span> Not about open data."));
    assert!(body.contains("Signed out of 1 session at once."));
}

#[tokio::test]
async fn each_filter_narrows_the_log_and_they_combine() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let admin_id = user_id(&app, ADMIN).await;
    let author_id = user_id(&app, AUTHOR).await;
    let member_id = user_id(&app, MEMBER).await;
    let london = |y, m, d, h| {
        chrono_tz::Europe::London
            .with_ymd_and_hms(y, m, d, h, 30, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Three entries in the summer of 2020, away from the demo's own entries (made today).
    // 00:30 on 1 July in London is still 30 June in UTC: days are the site's days.
    record(
        &app,
        Who::Person(admin_id),
        london(2020, 7, 1, 0),
        "account.disable",
        ("user", member_id),
    )
    .await;
    record(
        &app,
        Who::Person(author_id),
        london(2020, 7, 2, 0),
        "account.enable",
        ("user", member_id),
    )
    .await;
    record(
        &app,
        Who::CommandLine,
        london(2020, 7, 3, 0),
        "role.grant",
        ("user", author_id),
    )
    .await;

    let (status, all) = log(&app, &admin, "").await;
    assert_eq!(status, 200);
    let everything = rows(&all);
    assert!(everything >= 3);
    // The person filter offers who appears in the log, and the command line.
    assert!(all.contains(&format!("<option value=\"{author_id}\">Gareth Lloyd (")));
    assert!(all.contains("<option value=\"command-line\">"));

    let count = |query: &'static str| {
        let app = &app;
        let admin = &admin;
        async move {
            let (status, html) = log(app, admin, query).await;
            assert_eq!(status, 200, "{query}");
            rows(&html)
        }
    };
    assert_eq!(count("?action=account.enable").await, 1);
    assert_eq!(count("?action=account.disable").await, 1);
    assert_eq!(count("?from=2020-07-01&to=2020-07-01").await, 1);
    assert_eq!(count("?from=2020-07-02&to=2020-07-03").await, 2);
    assert_eq!(count("?to=2020-07-02").await, 2);
    assert_eq!(count("?to=2020-06-30").await, 0);
    assert_eq!(count("?person=command-line").await, 1);
    let by_author = format!("?person={author_id}");
    let (_, html) = log(&app, &admin, &by_author).await;
    // The entry above, and the demo's dataset request of theirs.
    assert_eq!(rows(&html), 2);
    assert!(table(&html).contains("Enabled an account again"));
    assert!(table(&html).contains("Asked for a dataset"));
    // Selected values stay selected.
    assert!(html.contains(&format!("<option value=\"{author_id}\" selected>")));
    // Combined: the admin's entries in July 2020 are the one disabling, not the demo's.
    let (_, html) = log(
        &app,
        &admin,
        &format!("?person={admin_id}&from=2020-07-01&to=2020-07-31&action="),
    )
    .await;
    assert_eq!(rows(&html), 1);
    assert!(table(&html).contains("Disabled an account"));
    assert!(rows(&log(&app, &admin, &format!("?person={admin_id}")).await.1) > 1);
    // Nothing matching says so, and offers to clear the filters.
    let (status, html) = log(
        &app,
        &admin,
        "?action=event.delete&from=2020-01-01&to=2020-01-31",
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("No entries match these filters"));
    assert!(
        html.contains(
            "<a class=\"button button-secondary\" href=\"/admin/audit\">Clear filters</a>"
        )
    );
    // Empty values, as a form sends them, mean "any".
    assert_eq!(count("?action=&person=&from=&to=").await, everything);
}

#[tokio::test]
async fn filters_survive_paging() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let admin_id = user_id(&app, ADMIN).await;
    let member_id = user_id(&app, MEMBER).await;
    let start = Utc.with_ymd_and_hms(2021, 3, 1, 12, 0, 0).unwrap();
    for n in 0..120 {
        let action = if n % 2 == 0 {
            "account.enable"
        } else {
            "account.disable"
        };
        record(
            &app,
            Who::Person(admin_id),
            start + Duration::minutes(n),
            action,
            ("user", member_id),
        )
        .await;
    }
    let (_, first) = log(&app, &admin, "?action=account.enable&from=2021-03-01").await;
    assert_eq!(rows(&first), 50);
    let next = "href=\"/admin/audit?action=account.enable&from=2021-03-01&page=2\" rel=\"next\"";
    assert!(first.contains(next), "the next link keeps the filters");
    let (_, second) = log(
        &app,
        &admin,
        "?action=account.enable&from=2021-03-01&page=2",
    )
    .await;
    assert_eq!(rows(&second), 10);
    assert!(!table(&second).contains("Disabled an account"));
    assert!(
        second.contains("href=\"/admin/audit?action=account.enable&from=2021-03-01\" rel=\"prev\"")
    );
    assert!(!second.contains("rel=\"next\""));
    assert!(second.contains("page 2 of 2"));
    // The form shows the filters the page was reached with.
    assert!(second.contains("<option value=\"account.enable\" selected>"));
    assert!(second.contains("value=\"2021-03-01\""));
    // A page past the end shows the last one; a page that is not a number, the first.
    assert_eq!(
        rows(&log(&app, &admin, "?action=account.enable&page=99").await.1),
        10
    );
    assert_eq!(
        rows(&log(&app, &admin, "?action=account.enable&page=two").await.1),
        50
    );
}

#[tokio::test]
async fn bad_filters_are_explained_never_a_server_error() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    for (query, message) in [
        ("?action=event.explode", "is not an action the log records"),
        ("?action=%3Cscript%3E", "&lt;script&gt;"),
        ("?person=priya", "is not an account number"),
        ("?person=99999999", "Nobody with that account number"),
        ("?person=-1", "Nobody with that account number"),
        ("?from=2026-02-30", "is not a date"),
        ("?to=28%2F11%2F2026", "is not a date"),
        ("?from=0001-01-01", "between 1970 and 9999"),
        (
            "?from=2026-03-02&to=2026-03-01",
            "The end date is before the start date",
        ),
    ] {
        let (status, html) = log(&app, &admin, query).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains(message), "{query}: {message:?}");
        assert!(
            html.contains("There is a problem with the filters"),
            "{query}"
        );
        assert!(html.contains("aria-invalid=\"true\""), "{query}");
        assert!(html.contains("<title>Error: Audit log"), "{query}");
        assert!(
            !html.contains("<tbody>"),
            "{query}: no entries under wrong filters"
        );
        assert!(!html.contains("<script>"), "{query}: escaped");
    }
    // Several at once: each named beside its field, the values kept to correct.
    let (status, html) = log(
        &app,
        &admin,
        "?action=nope&person=x&from=yesterday&to=2026-01-01",
    )
    .await;
    assert_eq!(status, 400);
    for field in ["action", "person", "from"] {
        assert!(html.contains(&format!("<a href=\"#{field}\">")), "{field}");
        assert!(html.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert!(html.contains("value=\"yesterday\""));
    assert!(html.contains("value=\"2026-01-01\""));
}

#[tokio::test]
async fn only_admins_read_the_log_whatever_the_filters() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let (status, _) = log(&app, &member, "?action=role.grant&person=1").await;
    assert_eq!(status, 403);
    let (status, _) = log(&app, &member, "?action=bad").await;
    assert_eq!(status, 403, "refused before the filters are read");
    let (status, _) = log(&app, &Browser::new(), "?from=2026-01-01").await;
    assert_eq!(status, 303, "anonymous visitors are sent to sign in");
}

/// Names and links are looked up once per page, not once per entry.
#[tokio::test]
async fn a_page_of_the_log_costs_a_fixed_number_of_queries() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let count = |query: String| {
        let url = format!("{}/admin/audit{query}", app.url);
        let counter = app.state.statements.clone();
        let client = admin.client.clone();
        async move {
            let before = counter.load(Ordering::SeqCst);
            let resp = client.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            counter.load(Ordering::SeqCst) - before
        }
    };
    let small = count(String::new()).await;
    // Fifty entries by fifty different people about fifty different events.
    crate::generate::generate_events(app.db(), 60, Utc::now())
        .await
        .unwrap();
    let events = Event::find().all(app.db()).await.unwrap();
    let at = Utc::now();
    for (n, e) in events.iter().take(50).enumerate() {
        let person = user::ActiveModel {
            email: Set(format!("person{n}@forum.example")),
            email_verified: Set(true),
            display_name: Set(format!("Person {n}")),
            role: Set(user::Role::Admin),
            disabled: Set(false),
            listed_publicly: Set(true),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(app.db())
        .await
        .unwrap();
        record(
            &app,
            Who::Person(person.id),
            at,
            "event.approve",
            ("event", e.id),
        )
        .await;
    }
    let (_, html) = log(&app, &admin, "").await;
    assert!(html.contains("Person 49"));
    let large = count(String::new()).await;
    assert!(small > 0, "the counter counts");
    assert_eq!(large, small, "statements for a page of the log");
    let filtered = count("?action=event.approve&from=2020-01-01".into()).await;
    assert_eq!(filtered, small);
}
