//! Events over HTTP: every workflow step and who may take it, visibility of unpublished
//! events, revisions of published ones, slug redirects, series across a clock change, bad
//! input, and a fixed number of queries per page whatever the data size.

use std::sync::atomic::Ordering;

use chrono::{Duration, Utc};
use entity::event::{self, EventStatus};
use entity::prelude::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{
    TestApp, approve, demo_app, edit_event as edit, hidden_fields, signed_in, unescape,
};
use crate::oidc::{Browser, location};

const ADMIN: &str = "priya.shah@northvale-council.example";
const AUTHOR: &str = "gareth.lloyd@riverside-city.example";
const OTHER: &str = "aisha.rahman@midshire-transport.example";

fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

fn event_form<'a>(title: &'a str, date: &'a str, action: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("summary", "A walk through the footpath data."),
        ("description", "Meet at the **library**."),
        ("time_zone", "Europe/London"),
        ("start_date", date),
        ("start_time", "18:00"),
        ("end_date", date),
        ("end_time", "20:00"),
        ("place_name", "Riverside Library"),
        ("address", "1 Bridge Street, Riverside"),
        ("tags", "walking, footpaths"),
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
        .unwrap_or_else(|| panic!("no event {title:?}"))
}

async fn status_of(browser: &Browser, app: &TestApp, path: &str) -> u16 {
    browser
        .get(&format!("{}{path}", app.url))
        .await
        .status()
        .as_u16()
}

async fn draft(app: &TestApp, author: &Browser, title: &str, action: &str) -> event::Model {
    let date = in_days(30);
    let resp = author
        .post(app, "/events/new", &event_form(title, &date, action))
        .await;
    assert_eq!(resp.status(), 303, "creating {title}");
    by_title(app, title).await
}

#[tokio::test]
async fn the_whole_workflow_and_who_may_take_each_step() {
    let app = demo_app(&[]).await;
    let anonymous = Browser::new();
    let author = signed_in(&app, AUTHOR).await;
    let other = signed_in(&app, OTHER).await;
    let admin = signed_in(&app, ADMIN).await;

    // Drafting needs an account.
    let resp = anonymous.get(&format!("{}/events/new", app.url)).await;
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/auth/signin"));

    let e = draft(&app, &author, "Footpath Data Walk", "save").await;
    assert_eq!(e.status, EventStatus::Draft);
    // A draft's address says nothing about its title, or about other drafts.
    assert!(
        e.slug.starts_with("draft-") && !e.slug.contains("footpath"),
        "{}",
        e.slug
    );
    let page = format!("/events/{}", e.slug);

    // A draft is the author's (and admins') alone: everyone else gets 404, not 403.
    assert_eq!(status_of(&anonymous, &app, &page).await, 404);
    assert_eq!(status_of(&other, &app, &page).await, 404);
    assert_eq!(status_of(&author, &app, &page).await, 200);
    assert_eq!(status_of(&admin, &app, &page).await, 200);
    assert_eq!(status_of(&other, &app, &format!("{page}/edit")).await, 404);

    // Only the author submits; admins cannot approve a draft that was not submitted.
    assert_eq!(
        other
            .post(&app, &format!("{page}/submit"), &[])
            .await
            .status(),
        404
    );
    let resp = admin
        .post(
            &app,
            &format!("/admin/moderation/events/{}/approve", e.id),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        author
            .post(&app, &format!("{page}/submit"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        by_title(&app, "Footpath Data Walk").await.status,
        EventStatus::Submitted
    );
    assert_eq!(
        status_of(&anonymous, &app, &page).await,
        404,
        "still private while submitted"
    );

    // The queue shows it, with a count in the admins' navigation.
    let queue = admin
        .get(&format!("{}/admin/moderation", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Footpath Data Walk"));
    assert!(queue.contains("nav-count"));

    // Members cannot decide; admins ask for changes with a comment the author sees.
    let changes = format!("/admin/moderation/events/{}/request-changes", e.id);
    assert_eq!(
        author.post(&app, &changes, &[("note", "x")]).await.status(),
        403
    );
    // Without a comment: the queue again, the message beside the box, the event waiting.
    let resp = admin.post(&app, &changes, &[("note", "")]).await;
    assert_eq!(resp.status(), 422, "a comment is required");
    let queue_page = resp.text().await.unwrap();
    assert!(queue_page.contains("There is a problem"));
    assert!(queue_page.contains(&format!("href=\"#changes-{}\"", e.id)));
    assert!(queue_page.contains(&format!("id=\"changes-{}-error\"", e.id)));
    assert!(queue_page.contains("Give a comment saying what to change"));
    assert_eq!(
        admin
            .post(&app, &changes, &[("note", "Please add the meeting point.")])
            .await
            .status(),
        303
    );
    let seen = author
        .get(&format!("{}{page}", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(seen.contains("Please add the meeting point."));
    assert!(seen.contains("What the admins asked you to change"));

    // The author fixes it and resubmits from the form.
    let date = in_days(30);
    let mut form = event_form("Footpath Data Walk", &date, "submit");
    form.push(("note_to_admins", "Added the meeting point."));
    let resp = edit(&app, &author, &e.slug, &form).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        by_title(&app, "Footpath Data Walk").await.status,
        EventStatus::Submitted
    );

    // Approval publishes it for everyone, at a readable address; the draft's redirects.
    let resp = approve(&app, &admin, e.id).await;
    assert_eq!(resp.status(), 303);
    let live = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(live.status, EventStatus::Published);
    assert_eq!(live.slug, "footpath-data-walk");
    let draft_page = page;
    let page = format!("/events/{}", live.slug);
    assert_eq!(status_of(&anonymous, &app, &page).await, 200);
    let resp = anonymous.get(&format!("{}{draft_page}", app.url)).await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), page);
    let listing = anonymous
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains("Footpath Data Walk"));
    let log = admin
        .get(&format!("{}/admin/audit", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        log.contains("<td>Asked for changes to an event</td>")
            && log.contains("<td>Approved an event</td>")
    );

    // A published event cannot be deleted, only cancelled, with a reason, and not by others.
    assert_eq!(
        author
            .post(&app, &format!("{page}/delete"), &[])
            .await
            .status(),
        409
    );
    assert_eq!(
        other
            .post(&app, &format!("{page}/cancel"), &[("note", "No")])
            .await
            .status(),
        403
    );
    // The page asks first; without a reason it asks again, the message beside the box.
    let ask = author
        .get(&format!("{}{page}/cancel", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(ask.contains("Cancel \u{201c}Footpath Data Walk\u{201d}?"));
    assert!(ask.contains("No, go back"));
    let resp = author
        .post(&app, &format!("{page}/cancel"), &[("note", "")])
        .await;
    assert_eq!(resp.status(), 422);
    let again = resp.text().await.unwrap();
    assert!(again.contains("id=\"reason-error\""), "{again}");
    assert_eq!(
        by_title(&app, "Footpath Data Walk").await.status,
        EventStatus::Published,
        "nothing happened yet"
    );
    let resp = author
        .post(
            &app,
            &format!("{page}/cancel"),
            &[("note", "The path is flooded.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let cancelled = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(cancelled.status, EventStatus::Cancelled);
    assert_eq!(
        cancelled.sequence,
        live.sequence + 1,
        "calendars see the cancellation"
    );
    let public = anonymous
        .get(&format!("{}{page}", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("Cancelled") && public.contains("The path is flooded."));
}

#[tokio::test]
async fn rejection_carries_a_reason_and_drafts_can_be_deleted() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let e = draft(&app, &author, "Bin Collection Hack", "submit").await;
    let reject = format!("/admin/moderation/events/{}/reject", e.id);
    let resp = admin.post(&app, &reject, &[("note", " ")]).await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains(&format!("id=\"reject-{}-error\"", e.id))
    );
    assert_eq!(
        admin
            .post(&app, &reject, &[("note", "This is not about open data.")])
            .await
            .status(),
        303
    );
    let rejected = by_title(&app, "Bin Collection Hack").await;
    assert_eq!(rejected.status, EventStatus::Rejected);
    let mine = author
        .get(&format!("{}/events/mine", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(mine.contains("Rejected") && mine.contains("This is not about open data."));

    let other = signed_in(&app, OTHER).await;
    assert_eq!(
        other
            .post(&app, &format!("/events/{}/delete", e.slug), &[])
            .await
            .status(),
        404
    );
    assert_eq!(
        author
            .post(&app, &format!("/events/{}/delete", e.slug), &[])
            .await
            .status(),
        303
    );
    assert!(
        Event::find_by_id(e.id)
            .one(app.db())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn admins_publish_directly_and_members_cannot() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(20);
    let resp = author
        .post(
            &app,
            "/events/new",
            &event_form("Sneaky Publish", &date, "publish"),
        )
        .await;
    assert_eq!(resp.status(), 403);
    let e = draft(&app, &admin, "Admin Data Briefing", "publish").await;
    assert_eq!(e.status, EventStatus::Published);
    assert_eq!(
        status_of(&Browser::new(), &app, &format!("/events/{}", e.slug)).await,
        200
    );
    // The audit log records it as published in one step, by whom.
    let log = admin
        .get(&format!("{}/admin/audit", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("<td>Published an event</td>"));
    assert!(log.contains("Published by an admin without review."));
    assert!(log.contains(&format!("/events/{}\">Admin Data Briefing</a>", e.slug)));
}

#[tokio::test]
async fn an_authors_edit_to_a_published_event_waits_for_approval() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let e = draft(&app, &author, "Footpath Data Walk", "submit").await;
    assert_eq!(approve(&app, &admin, e.id).await.status(), 303);
    let live = by_title(&app, "Footpath Data Walk").await;
    let e = live.clone();

    let date = in_days(31);
    let mut form = event_form("Footpath Data Walk", &date, "save");
    form.retain(|(k, _)| *k != "place_name");
    form.push(("place_name", "Riverside Museum"));
    let resp = edit(&app, &author, &e.slug, &form).await;
    assert_eq!(resp.status(), 303);

    // The live version is unchanged until an admin approves.
    let public = Browser::new()
        .get(&format!("{}/events/{}", app.url, e.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("Riverside Library") && !public.contains("Riverside Museum"));
    let unchanged = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(unchanged.sequence, live.sequence);

    // The admin sees a field-by-field diff.
    let queue = admin
        .get(&format!("{}/admin/moderation", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(queue.contains("Changes to published events"));
    assert!(
        queue.contains(
            "Riverside <del><span class=\"visually-hidden\">removed: </span>Library</del>"
        ) && queue
            .contains("Riverside <ins><span class=\"visually-hidden\">added: </span>Museum</ins>"),
        "the words that changed are marked: {queue}"
    );
    assert!(
        queue.contains(">When<"),
        "the new date is listed as a change"
    );
    assert!(!queue.contains(">Title<"), "unchanged fields are not");

    let revision = EventRevision::find().one(app.db()).await.unwrap().unwrap();
    let action = format!("/admin/moderation/revisions/{}/approve", revision.id);
    // Approved from the event page, whose form carries what the admin sees there.
    let event_page = admin
        .get(&format!("{}/events/{}", app.url, e.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(event_page.contains("A change is waiting for approval"));
    let version = hidden_fields(&event_page, &action);
    assert_eq!(
        version,
        hidden_fields(&queue, &action),
        "the same version as the queue's"
    );
    let version: Vec<(&str, &str)> = version
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(author.post(&app, &action, &version).await.status(), 403);
    let resp = admin.post(&app, &action, &version).await;
    assert_eq!(resp.status(), 303);
    let updated = by_title(&app, "Footpath Data Walk").await;
    assert_eq!(updated.place_name.as_deref(), Some("Riverside Museum"));
    assert_eq!(updated.sequence, live.sequence + 1);
    assert_eq!(updated.uid, live.uid, "the calendar UID never changes");
    assert_eq!(updated.id, live.id);

    // A second change, rejected: nothing moves.
    let mut form = event_form("Footpath Data Walk", &date, "save");
    form.retain(|(k, _)| *k != "place_name");
    form.push(("place_name", "Riverside Boathouse"));
    assert_eq!(edit(&app, &author, &e.slug, &form).await.status(), 303);
    let revision = entity::event_revision::Entity::find()
        .filter(entity::event_revision::Column::Status.eq("pending"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = admin
        .post(
            &app,
            &format!("/admin/moderation/revisions/{}/reject", revision.id),
            &[("note", "Keep it open to all.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        by_title(&app, "Footpath Data Walk")
            .await
            .place_name
            .as_deref(),
        Some("Riverside Museum")
    );
}

#[tokio::test]
async fn renaming_a_published_event_keeps_its_old_address_working() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let e = draft(&app, &admin, "Footpath Data Walk", "publish").await;
    let date = in_days(30);
    let resp = edit(
        &app,
        &admin,
        &e.slug,
        &event_form("Footpath and Bridleway Data Walk", &date, "save"),
    )
    .await;
    assert_eq!(resp.status(), 303);
    let renamed = by_title(&app, "Footpath and Bridleway Data Walk").await;
    assert_eq!(renamed.slug, "footpath-and-bridleway-data-walk");
    assert_eq!(renamed.uid, e.uid);
    assert_eq!(renamed.sequence, e.sequence + 1);

    let resp = Browser::new()
        .get(&format!("{}/events/{}", app.url, e.slug))
        .await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), "/events/footpath-and-bridleway-data-walk");
    // A new event may not take the old address over.
    let other = draft(&app, &admin, "Footpath Data Walk", "publish").await;
    assert_ne!(other.slug, e.slug);
}

#[tokio::test]
async fn an_evening_series_stays_at_18_00_local_across_the_clock_change() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    // A weekly series in the spring after next, across the change to summer time.
    let year = chrono::Datelike::year(&Utc::now()) + 2;
    let start = format!("{year}-03-03");
    let until = format!("{year}-04-28");
    let mut form = event_form("Spring Data Evenings", &start, "publish");
    form.retain(|(k, _)| *k != "repeat");
    form.extend([
        ("repeat", "weekly"),
        ("repeat_interval", "1"),
        ("repeat_until", until.as_str()),
    ]);
    let resp = admin.post(&app, "/events/new", &form).await;
    assert_eq!(resp.status(), 303);
    let series = by_title(&app, "Spring Data Evenings").await;
    assert!(series.rrule.as_deref().unwrap().starts_with("FREQ=WEEKLY"));

    // The series page lists its dates, each linking to its own page.
    let listing = Browser::new()
        .get(&format!("{}/events/{}", app.url, series.slug))
        .await
        .text()
        .await
        .unwrap();
    let whens: Vec<&str> = listing
        .lines()
        .filter(|l| {
            l.contains(&format!("href=\"/events/{}/", series.slug)) && l.contains("<time datetime=")
        })
        .collect();
    assert_eq!(whens.len(), 9, "nine Tuesdays: {whens:#?}");
    for line in &whens {
        assert!(line.contains("18:00 to 20:00"), "{line}");
    }
    // Before the change it is 18:00 UTC, after it 17:00 UTC.
    assert!(listing.contains(&format!("{year}-03-03T18:00:00Z")));
    assert!(listing.contains(&format!("{year}-04-28T17:00:00Z")));
}

#[tokio::test]
async fn one_date_of_a_series_can_be_cancelled() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let forum = by_title(&app, "Northvale Open Data Forum").await;
    let page = admin
        .get(&format!("{}/events/{}", app.url, forum.slug))
        .await
        .text()
        .await
        .unwrap();
    let starts = crate::helpers::date_starts(&page);
    let start = starts.first().expect("a cancel-this-date link");
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/cancel", forum.slug),
            &[("start", start)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let after = by_title(&app, "Northvale Open Data Forum").await;
    assert_eq!(after.sequence, forum.sequence + 1);
    assert_eq!(after.status, EventStatus::Published, "the series goes on");
    let listing = Browser::new()
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains("badge-cancelled"));
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/cancel", forum.slug),
            &[("start", "2020-01-01T10:00:00Z")],
        )
        .await;
    assert_eq!(resp.status(), 400);

    // Another date moves to a Thursday afternoon.
    let page = admin
        .get(&format!("{}/events/{}", app.url, forum.slug))
        .await
        .text()
        .await
        .unwrap();
    let starts = crate::helpers::date_starts(&page);
    let start = starts.first().expect("a date to move");
    let moved_to = (chrono::DateTime::parse_from_rfc3339(start).unwrap() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/move", forum.slug),
            &[
                ("start", start),
                ("new_date", &moved_to),
                ("new_start_time", "14:00"),
                ("new_end_time", "15:30"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let listing = Browser::new()
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains("Moved"));
    assert!(listing.contains("14:00 to 15:30"));
    assert_eq!(
        by_title(&app, "Northvale Open Data Forum").await.sequence,
        forum.sequence + 2
    );
}

#[tokio::test]
async fn each_bad_input_is_shown_beside_its_field_with_the_form_refilled() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let date = in_days(30);
    let year = chrono::Datelike::year(&Utc::now()) + 1;
    let gap = format!("{year}-03-28");
    let gap_sunday = {
        // The last Sunday in March of that year.
        let mut d = chrono::NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
        while chrono::Datelike::weekday(&d) != chrono::Weekday::Sun {
            d -= Duration::days(1);
        }
        d.format("%Y-%m-%d").to_string()
    };
    let _ = gap;
    let back_sunday = {
        let mut d = chrono::NaiveDate::from_ymd_opt(year, 10, 31).unwrap();
        while chrono::Datelike::weekday(&d) != chrono::Weekday::Sun {
            d -= Duration::days(1);
        }
        d.format("%Y-%m-%d").to_string()
    };
    let long_title = "x".repeat(201);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("title", "")], "Give the event a title"),
        (
            vec![("title", long_title.as_str())],
            "200 characters or fewer",
        ),
        (
            vec![("end_time", "17:00")],
            "The end must be after the start",
        ),
        (
            vec![
                ("start_date", gap_sunday.as_str()),
                ("end_date", gap_sunday.as_str()),
                ("start_time", "01:30"),
                ("end_time", "03:00"),
            ],
            "the clocks go forward",
        ),
        (
            vec![
                ("start_date", back_sunday.as_str()),
                ("end_date", back_sunday.as_str()),
                ("start_time", "01:30"),
                ("end_time", "03:00"),
            ],
            "the clocks go back",
        ),
        (
            vec![("online_url", "javascript:alert(1)")],
            "starting with https://",
        ),
        (
            vec![("time_zone", "Mars/Olympus_Mons")],
            "is not a time zone",
        ),
        (
            vec![
                ("repeat", "custom"),
                ("repeat_rule", "FREQ=MINUTELY;BYDAY=MO"),
            ],
            "repeats at most once a day",
        ),
        (
            vec![
                ("repeat", "custom"),
                ("repeat_rule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30;COUNT=3"),
            ],
            "produces no occurrence",
        ),
    ];
    for (changes, message) in cases {
        let mut form = event_form("Footpath Data Walk", &date, "submit");
        for (key, value) in &changes {
            form.retain(|(k, _)| k != key);
            form.push((key, value));
        }
        let resp = author.post(&app, "/events/new", &form).await;
        assert_eq!(resp.status(), 422, "{changes:?}");
        let html = unescape(&resp.text().await.unwrap());
        assert!(html.contains(message), "{changes:?}: expected {message:?}");
        assert!(html.contains(r#"aria-invalid="true""#), "{changes:?}");
        assert!(html.contains("There is a problem"), "an error summary");
        assert!(
            html.contains("A walk through the footpath data."),
            "the form is refilled"
        );
    }
    assert!(
        Event::find()
            .filter(event::Column::Title.eq("Footpath Data Walk"))
            .one(app.db())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn preview_renders_markdown_without_saving() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let date = in_days(30);
    let mut form = event_form("Preview Only", &date, "preview");
    form.retain(|(k, _)| *k != "description");
    form.push(("description", "**Bold** and <script>alert(1)</script>"));
    let resp = author.post(&app, "/events/new", &form).await;
    assert_eq!(resp.status(), 200);
    let html = unescape(&resp.text().await.unwrap());
    assert!(html.contains("<strong>Bold</strong>"));
    assert!(!html.contains("<script>alert(1)</script>"));
    // The whole page as it will look (when, where, tags) and the card listings will show.
    let preview = &html[html.find("id=\"preview-page\"").expect("the page preview")..];
    let when = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
        .unwrap()
        .format("%A %-d %B %Y, 18:00 to 20:00")
        .to_string();
    assert!(preview.contains(&when), "{when} in {preview}");
    assert!(preview.contains("Riverside Library"));
    assert!(preview.contains("1 Bridge Street, Riverside"));
    assert!(preview.contains("In listings"));
    assert!(
        preview.contains("<a href=\"#preview-page\">Preview Only</a>"),
        "{preview}"
    );
    assert!(preview.contains("A walk through the footpath data."));
    // With a mistake, only the description is previewed, beside the error.
    let mut wrong = form.clone();
    wrong.retain(|(k, _)| *k != "title");
    wrong.push(("title", ""));
    let html = author
        .post(&app, "/events/new", &wrong)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Preview of the description"));
    assert!(!html.contains("id=\"preview-page\""));
    assert!(
        Event::find()
            .filter(event::Column::Title.eq("Preview Only"))
            .one(app.db())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn listings_search_tags_and_the_past() {
    let app = demo_app(&[]).await;
    let anonymous = Browser::new();
    let get = |path: String| {
        let anonymous = &anonymous;
        async move { anonymous.get(&path).await.text().await.unwrap() }
    };
    let upcoming = get(format!("{}/events", app.url)).await;
    assert!(upcoming.contains("Bus Data Hack Day"));
    assert!(
        !upcoming.contains("Census Data Briefing"),
        "submitted, not public"
    );
    assert!(!upcoming.contains("Street Works Data Surgery"), "a draft");
    assert!(!upcoming.contains("Open Data Day Northvale"), "in the past");
    let found = get(format!("{}/events?q=HACK", app.url)).await;
    assert!(found.contains("Bus Data Hack Day") && !found.contains("Open Data Camp"));
    let none = get(format!("{}/events?q=zzzz%25", app.url)).await;
    assert!(none.contains("Nothing matches that search"));
    let tagged = get(format!("{}/events/tags/transport", app.url)).await;
    assert!(tagged.contains("Bus Data Hack Day") && !tagged.contains("Open Data Camp"));
    let year = chrono::Datelike::year(&(Utc::now() - Duration::days(60)));
    let past = get(format!("{}/events/past?year={year}", app.url)).await;
    assert!(past.contains("Open Data Day Northvale"));
    let home = get(format!("{}/", app.url)).await;
    assert!(
        home.contains("Bus Data Hack Day"),
        "the home page shows the next events"
    );
}

#[tokio::test]
async fn the_event_page_has_what_people_and_machines_need() {
    let app = demo_app(&[]).await;
    let html = unescape(
        &Browser::new()
            .get(&format!("{}/events/bus-data-hack-day", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("09:30 to 17:00") && html.contains("Europe/London"));
    assert!(html.contains("https://www.openstreetmap.org/search?query="));
    assert!(html.contains(r#"<script type="application/ld+json">"#));
    assert!(html.contains(r#""@type":"Event""#));
    assert!(html.contains(r#"<meta property="og:title" content="Bus Data Hack Day">"#));
    // What answering offers: places left and the lunch count, to sign in for.
    assert!(html.contains("Are you coming?") && html.contains("<dt>Lunch</dt>"));
    assert!(html.contains("Sign in to answer"));
    assert!(!html.contains("<script>"), "no inline executable script");
}

/// The number of SQL statements a page costs must not grow with the number of events.
#[tokio::test]
async fn pages_cost_a_fixed_number_of_queries_whatever_the_data_size() {
    let app = demo_app(&[]).await;
    let anonymous = Browser::new();
    let admin = signed_in(&app, ADMIN).await;
    let count = |browser: &Browser, path: &'static str| {
        let url = format!("{}{path}", app.url);
        let counter = app.state.statements.clone();
        let client = browser.client.clone();
        let reads = app.state.reads.clone();
        let pages = app.state.pages.clone();
        async move {
            // Measure the cold path: what a page costs when nothing is cached.
            reads.invalidate();
            pages.invalidate();
            let before = counter.load(Ordering::SeqCst);
            let resp = client.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            counter.load(Ordering::SeqCst) - before
        }
    };
    let pages = [
        "/events",
        "/events/bus-data-hack-day",
        "/events/northvale-open-data-forum",
        "/",
    ];
    let mut small = Vec::new();
    for path in pages {
        small.push((count(&anonymous, path).await, count(&admin, path).await));
    }
    crate::generate::generate_events(app.db(), 10_000, chrono::Utc::now())
        .await
        .unwrap();
    for (path, (anon_small, admin_small)) in pages.iter().zip(&small) {
        let anon_large = count(&anonymous, path).await;
        let admin_large = count(&admin, path).await;
        assert_eq!(anon_large, *anon_small, "{path}: anonymous");
        assert_eq!(admin_large, *admin_small, "{path}: admin");
        eprintln!("{path}: {anon_large} statements anonymous, {admin_large} for an admin");
        assert!(anon_large > 0, "{path}: the counter counts");
        assert!(anon_large <= 8, "{path}: {anon_large} statements");
        // An admin's page also counts what waits for them (events, reported and held forum
        // posts), and each extension of the event page (answers, the meeting, files, the
        // discussion) reads its own part.
        assert!(
            admin_large <= 17,
            "{path}: {admin_large} statements for an admin"
        );
    }
}

#[tokio::test]
async fn the_queue_says_when_where_what_and_what_else_is_on_that_day() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let hack = by_title(&app, "Bus Data Hack Day").await;
    let day = hack
        .starts_at
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d")
        .to_string();
    let resp = author
        .post(
            &app,
            "/events/new",
            &event_form("Footpath Data Walk", &day, "submit"),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let queue = unescape(
        &admin
            .get(&format!("{}/admin/moderation", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    let card = queue
        .split("Footpath Data Walk</a></h3>")
        .nth(1)
        .expect("the new event in the queue");
    let card = &card[..card.find("</li>").unwrap()];
    assert!(card.contains("Riverside Library"), "where: {card}");
    assert!(
        card.contains("A walk through the footpath data."),
        "what: {card}"
    );
    assert!(card.contains("Clashes with"), "{card}");
    assert!(card.contains(&format!(
        "href=\"/events/{}\">Bus Data Hack Day</a>",
        hack.slug
    )));
}

#[tokio::test]
async fn a_venue_keeps_its_address_lines_everywhere_and_google_gets_the_series() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(12);
    let mut form = event_form("Harbour Data Morning", &date, "publish");
    form.retain(|(k, _)| *k != "address" && *k != "repeat");
    form.push((
        "address",
        "Harbour Office\r\n2 Quay Street\r\nRiverside RS1 4QQ",
    ));
    form.push(("repeat", "weekly"));
    let until = in_days(60);
    form.push(("repeat_until", until.as_str()));
    assert_eq!(admin.post(&app, "/events/new", &form).await.status(), 303);
    let e = by_title(&app, "Harbour Data Morning").await;
    let page = admin
        .get(&format!("{}/events/{}", app.url, e.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(
        "<span class=\"address\">Harbour Office\n2 Quay Street\nRiverside RS1 4QQ</span>"
    ));
    let page = unescape(&page);
    // The map search and the web calendars get the whole address, lines and all, encoded once.
    assert!(
        page.contains("query=Harbour+Office%0A2+Quay+Street%0ARiverside+RS1+4QQ"),
        "map"
    );
    assert!(
        page.contains("location=Riverside+Library%0AHarbour+Office%0A2+Quay+Street"),
        "links"
    );
    // Google Calendar gets the series, from its next date to its last.
    assert!(page.contains("recur=RRULE%3AFREQ%3DWEEKLY"), "{page}");
    let ics = reqwest::get(format!("{}/events/{}.ics", app.url, e.slug))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        ics.contains(
            "LOCATION:Riverside Library\\nHarbour Office\\n2 Quay Street\\nRiverside RS1 4QQ"
        ),
        "{ics}"
    );
}

#[tokio::test]
async fn destructive_actions_ask_first_on_a_page_that_needs_no_script() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let e = draft(&app, &author, "Footpath Data Walk", "save").await;
    let page = |b: &Browser, path: String| {
        let b = b.client.clone();
        async move { b.get(path).send().await.unwrap().text().await.unwrap() }
    };
    // The event's page links to the question rather than doing it.
    let shown = page(&author, format!("{}/events/{}", app.url, e.slug)).await;
    assert!(shown.contains(&format!("href=\"/events/{}/delete\"", e.slug)));
    assert!(!shown.contains(&format!("action=\"/events/{}/delete\"", e.slug)));
    let ask = page(&author, format!("{}/events/{}/delete", app.url, e.slug)).await;
    assert!(ask.contains("Delete \u{201c}Footpath Data Walk\u{201d}?"));
    assert!(ask.contains(&format!("action=\"/events/{}/delete\"", e.slug)));
    assert!(
        Event::find_by_id(e.id)
            .one(app.db())
            .await
            .unwrap()
            .is_some()
    );

    // One date of a series: the question names the date, and a reason is optional.
    let forum = by_title(&app, "Northvale Open Data Forum").await;
    let series = page(&admin, format!("{}/events/{}", app.url, forum.slug)).await;
    let start = crate::helpers::date_starts(&series)[0].clone();
    let ask = unescape(
        &page(
            &admin,
            format!(
                "{}/events/{}/occurrences/cancel?start={}",
                app.url,
                forum.slug,
                start.replace('+', "%2B")
            ),
        )
        .await,
    );
    assert!(ask.contains("Only this date of"), "{ask}");
    assert!(ask.contains(&format!("name=\"start\" value=\"{start}\"")));
    assert!(ask.contains("(optional)"));

    // Disabling an account asks too.
    let gareth = User::find()
        .filter(entity::user::Column::Email.eq(AUTHOR))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let users = page(&admin, format!("{}/admin/users", app.url)).await;
    assert!(users.contains(&format!("href=\"/admin/users/{}/disable\"", gareth.id)));
    let ask = page(
        &admin,
        format!("{}/admin/users/{}/disable", app.url, gareth.id),
    )
    .await;
    assert!(
        ask.contains("Disable Gareth Lloyd\u{2019}s account?"),
        "{ask}"
    );
    assert!(
        !User::find_by_id(gareth.id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}

#[tokio::test]
async fn the_organisers_contact_is_public_only_with_their_say() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(15);
    let mut form = event_form("Footpath Data Walk", &date, "publish");
    form.push(("organiser_contact", "walks@riverside-city.example"));
    assert_eq!(admin.post(&app, "/events/new", &form).await.status(), 303);
    let e = by_title(&app, "Footpath Data Walk").await;
    assert!(!e.show_organiser_contact, "not asked, not shown");
    let url = format!("{}/events/{}", app.url, e.slug);
    let public = Browser::new().get(&url).await.text().await.unwrap();
    assert!(!public.contains("walks@riverside-city.example"));
    let own = admin.get(&url).await.text().await.unwrap();
    assert!(
        own.contains("walks@riverside-city.example"),
        "its author still sees it"
    );

    form.push(("show_organiser_contact", "on"));
    form.retain(|(k, _)| *k != "action");
    form.push(("action", "save"));
    assert_eq!(edit(&app, &admin, &e.slug, &form).await.status(), 303);
    let public = Browser::new().get(&url).await.text().await.unwrap();
    assert!(public.contains("walks@riverside-city.example"));
}

#[tokio::test]
async fn a_start_that_has_passed_is_asked_about_not_accepted_silently() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let last_week = in_days(-7);
    let form = event_form("Footpath Data Walk Write-up", &last_week, "save");
    let resp = author.post(&app, "/events/new", &form).await;
    assert_eq!(resp.status(), 422);
    let page = unescape(&resp.text().await.unwrap());
    assert!(
        page.contains("This date has passed: publish it as a past event?"),
        "{page}"
    );
    assert!(
        page.contains("href=\"#confirm_past\""),
        "the error summary links to the box"
    );
    assert!(
        page.contains("value=\"Footpath Data Walk Write-up\""),
        "the form is refilled"
    );

    let mut confirmed = form.clone();
    confirmed.push(("confirm_past", "on"));
    let resp = author.post(&app, "/events/new", &confirmed).await;
    assert_eq!(resp.status(), 303);
    let e = by_title(&app, "Footpath Data Walk Write-up").await;

    // Editing it later without touching the date does not ask again; moving it to another
    // past date does.
    let mut edited = event_form("Footpath Data Walk Write-up", &last_week, "save");
    edited.retain(|(k, _)| *k != "summary");
    edited.push(("summary", "What we found on the walk."));
    assert_eq!(edit(&app, &author, &e.slug, &edited).await.status(), 303);
    let two_weeks_ago = in_days(-14);
    let moved = event_form("Footpath Data Walk Write-up", &two_weeks_ago, "save");
    assert_eq!(edit(&app, &author, &e.slug, &moved).await.status(), 422);
}

#[tokio::test]
async fn notes_between_author_and_admins_are_kept_in_the_events_history() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(30);
    let mut form = event_form("Footpath Data Walk", &date, "submit");
    form.push(("note_to_admins", "First walk of the season."));
    assert_eq!(author.post(&app, "/events/new", &form).await.status(), 303);
    let e = by_title(&app, "Footpath Data Walk").await;
    let changes = format!("/admin/moderation/events/{}/request-changes", e.id);
    let resp = admin
        .post(&app, &changes, &[("note", "Please add the meeting point.")])
        .await;
    assert_eq!(resp.status(), 303);
    let mut again = event_form("Footpath Data Walk", &date, "submit");
    again.push(("note_to_admins", "Meeting point added: the library steps."));
    assert_eq!(edit(&app, &author, &e.slug, &again).await.status(), 303);
    assert_eq!(approve(&app, &admin, e.id).await.status(), 303);
    let e = by_title(&app, "Footpath Data Walk").await;

    // A change to the published event starts with an empty note box, and its note reaches
    // the reviewer with the change.
    let edit_page = unescape(
        &author
            .get(&format!("{}/events/{}/edit", app.url, e.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(edit_page.contains("Note to the admins about this change"));
    assert!(!edit_page.contains(">Meeting point added"), "{edit_page}");
    let mut change = event_form("Footpath Data Walk", &date, "submit");
    change.retain(|(k, _)| *k != "summary");
    change.push(("summary", "A walk along the river footpaths."));
    change.push(("note_to_admins", "Route changed: the towpath is closed."));
    assert_eq!(edit(&app, &author, &e.slug, &change).await.status(), 303);
    let queue = unescape(
        &admin
            .get(&format!("{}/admin/moderation", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(
        queue.contains("Route changed: the towpath is closed."),
        "{queue}"
    );
    let revision = entity::event_revision::Entity::find()
        .filter(entity::event_revision::Column::Status.eq("pending"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = admin
        .post(
            &app,
            &format!("/admin/moderation/revisions/{}/reject", revision.id),
            &[("note", "Keep the river route for the summer.")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // The whole conversation, in order, for the author; nothing of it for visitors.
    let page = unescape(
        &author
            .get(&format!("{}/events/{}", app.url, e.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    let order: Vec<usize> = [
        "First walk of the season.",
        "Please add the meeting point.",
        "Meeting point added: the library steps.",
        "Route changed: the towpath is closed.",
        "Keep the river route for the summer.",
    ]
    .iter()
    .map(|note| page.find(note).unwrap_or_else(|| panic!("{note} missing")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(page.contains("Priya Shah, admin"));
    let public = Browser::new()
        .get(&format!("{}/events/{}", app.url, e.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(!public.contains("First walk of the season."));
    assert!(!public.contains("Keep the river route"));
}

#[tokio::test]
async fn the_time_zone_picker_offers_canonical_zones_with_the_sites_first() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let form = author
        .get(&format!("{}/events/new", app.url))
        .await
        .text()
        .await
        .unwrap();
    let select = &form[form.find("<select id=\"time_zone\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    let values: Vec<&str> = select
        .split("<option value=\"")
        .skip(1)
        .map(|o| &o[..o.find('"').unwrap()])
        .collect();
    assert_eq!(values[0], "Europe/London", "the site's zone first");
    assert!(values.contains(&"Asia/Kolkata") && values.contains(&"America/New_York"));
    for alias in ["Asia/Calcutta", "US/Eastern", "GB", "Etc/GMT+5"] {
        assert!(!values.contains(&alias), "{alias} is offered");
    }
    // An old alias typed in is kept as its canonical name.
    let date = in_days(30);
    let mut sent = event_form("Data Standards Call", &date, "save");
    sent.retain(|(k, _)| *k != "time_zone");
    sent.push(("time_zone", "US/Eastern"));
    assert_eq!(author.post(&app, "/events/new", &sent).await.status(), 303);
    assert_eq!(
        by_title(&app, "Data Standards Call").await.time_zone,
        "America/New_York"
    );
}
