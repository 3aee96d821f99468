//! Findings of the outside security review, each with the test that failed before its fix:
//! request bodies that could fill the server's memory, NUL characters that broke PostgreSQL,
//! rate-limit answers without `Retry-After`.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{ServedBinary, demo_app, signed_in, unescape};

/// Sends `total` bytes as a chunked form body to `path` with the CSRF token in a header (so
/// no layer needs to read the body for it), reading the answer meanwhile. Returns the status
/// line, if the server answered before closing, and how many bytes it took.
async fn chunked_post(
    served: &ServedBinary,
    path: &str,
    cookie: &str,
    token: &str,
    total: usize,
) -> (Option<String>, usize) {
    let host = served.url.trim_start_matches("http://").to_string();
    let stream = TcpStream::connect(&host).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let answer = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_secs(30), reader.read(&mut buf)).await
        {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&got).into_owned()
    });
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nX-CSRF-Token: {token}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0;
    while sent < total {
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        match tokio::time::timeout(Duration::from_secs(3), writer.write_all(&frame)).await {
            Ok(Ok(())) => sent += chunk.len(),
            // Refused (the server closed) or stalled (it stopped reading): either way it
            // is not taking the body.
            _ => break,
        }
    }
    let _ = writer.write_all(b"0\r\n\r\n").await;
    drop(writer);
    let answer = answer.await.unwrap();
    (answer.lines().next().map(str::to_string), sent)
}

#[tokio::test]
async fn a_huge_chunked_body_is_refused_early_and_memory_stays_flat() {
    let served = ServedBinary::start(&[("CONVENE_AUTH__DEV_LOGIN", "true")]).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let home = client.get(format!("{}/", served.url)).send().await.unwrap();
    let cookie: String = home
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");
    let token = crate::helpers::meta_csrf(&home.text().await.unwrap());
    let before = served.memory_kb("VmHWM");
    const BODY: usize = 300 * 1024 * 1024;

    // A route that reads a form: refused once the body passes the limit, not at its end.
    let (status, sent) = chunked_post(&served, "/auth/dev", &cookie, &token, BODY).await;
    let status = status.expect("an answer before the connection closed");
    assert!(status.contains(" 413 "), "{status}");
    assert!(
        sent < BODY / 2,
        "the server took {sent} bytes before refusing"
    );

    // An address nothing answers at reads no body at all.
    let (status, _) = chunked_post(&served, "/no/such/form", &cookie, &token, BODY).await;
    let status = status.expect("an answer before the connection closed");
    assert!(status.contains(" 404 "), "{status}");

    // A declared length over the limit is refused before a byte of the body is read.
    let resp = client
        .post(format!("{}/auth/dev", served.url))
        .header("x-csrf-token", &token)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", BODY.to_string())
        .send()
        .await;
    if let Ok(resp) = resp {
        assert_eq!(resp.status(), 413);
    }

    let after = served.memory_kb("VmHWM");
    println!("peak memory: {before} kB before, {after} kB after 600 MB of refused bodies");
    assert!(
        after < before + 64 * 1024,
        "peak memory grew from {before} kB to {after} kB"
    );
}

#[tokio::test]
async fn a_nul_in_an_address_is_a_clear_400_on_both_databases() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, "gareth.lloyd@riverside-city.example").await;
    for path in [
        "/events/open%00data",
        "/events?q=%00",
        "/events/tags/a%00b",
        "/calendar/tags/a%00b.ics",
        "/events/past?q=x%00",
        "/auth/signin?return_to=/%00",
    ] {
        let resp = member.get(&format!("{}{path}", app.url)).await;
        assert_eq!(resp.status(), 400, "{path}");
        let page = resp.text().await.unwrap();
        assert!(page.contains("cannot contain a NUL character"), "{path}");
    }
}

#[tokio::test]
async fn a_nul_in_any_form_field_is_refused_beside_the_field() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, "gareth.lloyd@riverside-city.example").await;
    let date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    for field in [
        "title",
        "summary",
        "description",
        "place_name",
        "address",
        "tags",
    ] {
        let mut form = vec![
            ("title", "Bus Data Clinic"),
            ("summary", "Bring your timetable questions."),
            ("description", "Open to all."),
            ("time_zone", "Europe/London"),
            ("start_date", date.as_str()),
            ("start_time", "10:00"),
            ("end_date", date.as_str()),
            ("end_time", "12:00"),
            ("place_name", "Riverside Library"),
            ("address", "1 Bridge Street"),
            ("tags", "transport"),
            ("repeat", "none"),
            ("action", "save"),
        ];
        for (name, value) in form.iter_mut() {
            if *name == field {
                *value = "Bus\0Clinic";
            }
        }
        let resp = member.post(&app, "/events/new", &form).await;
        assert_eq!(resp.status(), 422, "{field}");
        let page = resp.text().await.unwrap();
        assert!(page.contains("a NUL character"), "{field}: {page}");
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    let resp = member
        .post(
            &app,
            "/profile",
            &[("display_name", "Gareth\0Lloyd"), ("organisation", "")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("a NUL character"));
}

#[tokio::test]
async fn too_many_sign_in_attempts_say_when_to_try_again() {
    let app = demo_app(&[("auth.sign_in_attempts_per_minute", "2")]).await;
    let browser = crate::oidc::Browser::new();
    let mut last = None;
    for _ in 0..4 {
        let resp = browser
            .post(&app, "/auth/dev", &[("email", "nobody@example.org")])
            .await;
        last = Some(resp);
    }
    let resp = last.unwrap();
    assert_eq!(resp.status(), 429);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After: {wait}");
}

const ADMIN: &str = "priya.shah@northvale-council.example";
const AUTHOR: &str = "gareth.lloyd@riverside-city.example";

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The event form with these fields changed.
fn form_with<'a>(date: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("title", "Smuggling Test"),
        ("summary", "A test of what feeds accept."),
        ("description", "Nothing to see."),
        ("time_zone", "Europe/London"),
        ("start_date", date),
        ("start_time", "10:00"),
        ("end_date", date),
        ("end_time", "12:00"),
        ("place_name", "Riverside Library"),
        ("address", "1 Bridge Street"),
        ("tags", "testing"),
        ("repeat", "none"),
        ("action", "publish"),
    ];
    for (key, value) in changes {
        form.retain(|(k, _)| k != key);
        form.push((key, value));
    }
    form
}

async fn event_titled(app: &crate::helpers::TestApp, title: &str) -> Option<entity::event::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
}

async fn body(url: String) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn a_repeat_rule_or_title_cannot_add_events_to_subscribers_calendars() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(20);
    let smuggled = "FREQ=WEEKLY;COUNT=3\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@example\nSUMMARY:Free money\nDTSTART:20300101T000000Z";
    for changes in [
        vec![("repeat", "custom"), ("repeat_rule", smuggled)],
        vec![(
            "title",
            "Forum\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:evil@example",
        )],
        vec![("title", "Forum\rUID:evil@example")],
    ] {
        let resp = admin
            .post(&app, "/events/new", &form_with(&date, &changes))
            .await;
        assert_eq!(resp.status(), 422, "{changes:?}");
    }
    // A custom rule is stored as it was understood, not as it was typed.
    let resp = admin
        .post(
            &app,
            "/events/new",
            &form_with(
                &date,
                &[
                    ("repeat", "custom"),
                    ("repeat_rule", "rrule:freq=weekly;interval=1;count=3"),
                ],
            ),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let stored = event_titled(&app, "Smuggling Test").await.unwrap();
    assert_eq!(stored.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=3"));

    // Rows written before these checks (or by anything else) still cannot break out: the
    // feed re-reads the rule and escapes every value.
    use sea_orm::{ActiveModelTrait, Set};
    let mut row: entity::event::ActiveModel = stored.clone().into();
    row.rrule = Set(Some(smuggled.to_string()));
    row.title = Set("Forum\r\nEND:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:evil@example".into());
    row.updated_at = Set(chrono::Utc::now());
    row.update(app.db()).await.unwrap();
    app.clock.advance(chrono::Duration::seconds(2));
    for path in ["/calendar.ics", &format!("/events/{}.ics", stored.slug)] {
        let ics = body(format!("{}{path}", app.url))
            .await
            .replace("\r\n ", "");
        assert!(!ics.contains("\r\nUID:evil"), "{path}");
        assert!(!ics.contains("Free money"), "{path}");
        assert!(
            ics.contains("SUMMARY:Forum\\nEND:VCALENDAR\\nBEGIN:VEVENT\\nUID:evil@example"),
            "{path}"
        );
        assert_eq!(ics.matches("END:VCALENDAR\r\n").count(), 1, "{path}");
    }
    let own = body(format!("{}/events/{}.ics", app.url, stored.slug))
        .await
        .replace("\r\n ", "");
    assert_eq!(own.matches("\r\nBEGIN:VEVENT\r\n").count(), 1);
    assert!(own.contains("NAME:Forum\\nEND:VCALENDAR"), "{own}");
}

#[tokio::test]
async fn the_repeat_rule_is_shown_to_visitors_and_moderators() {
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(20);
    let resp = author
        .post(
            &app,
            "/events/new",
            &form_with(
                &date,
                &[
                    ("title", "Fortnightly Data Surgery"),
                    ("repeat", "custom"),
                    ("repeat_rule", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=6"),
                    ("action", "submit"),
                ],
            ),
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
    assert!(
        queue.contains("Every 2 weeks on Tuesday, 10:00 to 12:00, 6 times"),
        "{queue}"
    );
    assert!(queue.contains("<code>FREQ=WEEKLY;COUNT=6;INTERVAL=2;BYDAY=TU</code>"));
    let e = event_titled(&app, "Fortnightly Data Surgery")
        .await
        .unwrap();
    let page = unescape(
        &author
            .get(&format!("{}/events/{}", app.url, e.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("Every 2 weeks on Tuesday, 10:00 to 12:00, 6 times"));
    assert!(page.contains("<code>FREQ=WEEKLY;COUNT=6;INTERVAL=2;BYDAY=TU</code>"));
}

/// The `start` of the first date a series page offers to cancel.
fn first_date(page: &str) -> String {
    crate::helpers::date_starts(page)
        .into_iter()
        .next()
        .expect("a date to cancel")
}

async fn move_date(
    app: &crate::helpers::TestApp,
    browser: &crate::oidc::Browser,
    slug: &str,
    start: &str,
    date: &str,
) -> u16 {
    browser
        .post(
            app,
            &format!("/events/{slug}/occurrences/move"),
            &[
                ("start", start),
                ("new_date", date),
                ("new_start_time", "10:00"),
                ("new_end_time", "11:00"),
            ],
        )
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn only_admins_move_a_date_of_a_series_and_never_to_an_absurd_year() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let author = signed_in(&app, AUTHOR).await;
    let date = in_days(14);
    let resp = author
        .post(
            &app,
            "/events/new",
            &form_with(
                &date,
                &[
                    ("title", "Weekly Data Drop-in"),
                    ("repeat", "weekly"),
                    ("repeat_until", &in_days(120)),
                    ("action", "submit"),
                ],
            ),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let submitted = event_titled(&app, "Weekly Data Drop-in").await.unwrap();
    assert_eq!(
        crate::helpers::approve(&app, &admin, submitted.id)
            .await
            .status(),
        303
    );
    let forum = event_titled(&app, "Weekly Data Drop-in").await.unwrap();
    let path = format!("{}/events/{}", app.url, forum.slug);
    let as_author = author.get(&path).await.text().await.unwrap();
    assert!(
        !as_author.contains("/occurrences/move"),
        "authors get no move form"
    );
    assert!(as_author.contains("To move one date, ask the admins"));
    let start = first_date(&as_author);
    let soon = in_days(40);

    // The author of the series cannot move a date, to any year.
    for date in ["+100000-01-01", soon.as_str()] {
        assert_eq!(
            move_date(&app, &author, &forum.slug, &start, date).await,
            403
        );
    }
    // Admins can, within the years forms accept.
    for absurd in [
        "+100000-01-01",
        "+262142-01-01",
        "0000-01-01",
        "-0001-12-31",
    ] {
        assert_eq!(
            move_date(&app, &admin, &forum.slug, &start, absurd).await,
            400,
            "{absurd}"
        );
    }
    assert_eq!(
        move_date(&app, &admin, &forum.slug, &start, &soon).await,
        303
    );

    // A date the author cancels is in the audit log, like the admin's move; its note is
    // checked like any other text.
    let page = author.get(&path).await.text().await.unwrap();
    let another = first_date(&page);
    let resp = author
        .post(
            &app,
            &format!("/events/{}/occurrences/cancel", forum.slug),
            &[("start", another.as_str()), ("note", "Room\0flooded")],
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.unwrap().contains("a NUL character"));
    let resp = author
        .post(
            &app,
            &format!("/events/{}/occurrences/cancel", forum.slug),
            &[("start", another.as_str())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let log = admin
        .get(&format!("{}/admin/audit", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("<td>Moved a date</td>"));
    assert!(log.contains("<td>Cancelled a date</td>"));
}

/// A member account, made directly (the development sign-in then lets a browser be them).
async fn member(app: &crate::helpers::TestApp, n: usize) -> crate::oidc::Browser {
    use sea_orm::{ActiveModelTrait, Set};
    let email = format!("member{n}@example.org");
    entity::user::ActiveModel {
        email: Set(email.clone()),
        email_verified: Set(true),
        display_name: Set(format!("Member {n}")),
        organisation: Set(None),
        role: Set(entity::user::Role::Member),
        disabled: Set(false),
        listed_publicly: Set(false),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
        last_sign_in_at: Set(None),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();
    signed_in(app, &email).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_people_saving_the_same_title_at_once_all_keep_their_work() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    // Twenty-one people sign in within a second or two: more than the per-address limit.
    let app = demo_app(&[("auth.sign_in_attempts_per_minute", "100")]).await;
    let mut members = Vec::new();
    for n in 0..20 {
        members.push(member(&app, n).await);
    }
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(25);
    // Twenty drafts, then twenty events an admin publishes with one title, each at once.
    let mut saves = Vec::new();
    for m in &members {
        let form = form_with(&date, &[("title", "Open Data Clinic"), ("action", "save")]);
        let app = &app;
        saves.push(async move { m.post(app, "/events/new", &form).await.status() });
    }
    let statuses = futures_util::future::join_all(saves).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    let mut publishes = Vec::new();
    for _ in 0..20 {
        let form = form_with(&date, &[("title", "Open Data Office Hours")]);
        let admin = &admin;
        let app = &app;
        publishes.push(async move { admin.post(app, "/events/new", &form).await.status() });
    }
    let statuses = futures_util::future::join_all(publishes).await;
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");

    for (title, count) in [("Open Data Clinic", 20), ("Open Data Office Hours", 20)] {
        let events = entity::event::Entity::find()
            .filter(entity::event::Column::Title.eq(title))
            .all(app.db())
            .await
            .unwrap();
        assert_eq!(events.len(), count, "{title}");
        let mut slugs: Vec<&str> = events.iter().map(|e| e.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(
            slugs.len(),
            count,
            "{title}: every event has its own address"
        );
    }
    let published = entity::event::Entity::find()
        .filter(entity::event::Column::Slug.eq("open-data-surgery"))
        .one(app.db())
        .await
        .unwrap();
    assert!(published.is_some(), "the first takes the plain slug");
}

#[tokio::test]
async fn route_words_and_other_peoples_drafts_never_shape_a_slug() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let author = signed_in(&app, AUTHOR).await;
    let date = in_days(25);
    // Someone's hidden draft with a title...
    let resp = author
        .post(
            &app,
            "/events/new",
            &form_with(
                &date,
                &[("title", "Secret Merger Talks"), ("action", "save")],
            ),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let hidden = event_titled(&app, "Secret Merger Talks").await.unwrap();
    assert!(!hidden.slug.contains("secret"), "{}", hidden.slug);
    // ...does not push a published event with the same title to `-2`.
    let resp = admin
        .post(
            &app,
            "/events/new",
            &form_with(&date, &[("title", "Secret Merger Talks")]),
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(crate::oidc::location(&resp), "/events/secret-merger-talks");
    for word in ["New", "Mine", "Past"] {
        let resp = admin
            .post(&app, "/events/new", &form_with(&date, &[("title", word)]))
            .await;
        assert_eq!(resp.status(), 303);
        let slug = crate::oidc::location(&resp);
        assert_eq!(slug, format!("/events/{}-event", word.to_lowercase()));
        let page = admin.get(&format!("{}{slug}", app.url)).await;
        assert_eq!(page.status(), 200);
    }
    // The route words still mean what they did.
    let mine = author.get(&format!("{}/events/mine", app.url)).await;
    assert!(mine.text().await.unwrap().contains("Secret Merger Talks"));
    let new = author.get(&format!("{}/events/new", app.url)).await;
    assert!(new.text().await.unwrap().contains("Draft an event"));
}

/// The fields of the form posting to `action` on `page`, ready to post.
fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

async fn page_of(
    app: &crate::helpers::TestApp,
    browser: &crate::oidc::Browser,
    path: &str,
) -> String {
    browser
        .get(&format!("{}{path}", app.url))
        .await
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn approving_approves_what_the_admin_saw() {
    use crate::helpers::{edit_event, hidden_fields};
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(21);
    let base = form_with(&date, &[("title", "Canal Data Walk"), ("action", "submit")]);
    assert_eq!(author.post(&app, "/events/new", &base).await.status(), 303);
    let e = event_titled(&app, "Canal Data Walk").await.unwrap();

    // The admin opens the queue; meanwhile the author changes the venue.
    let seen = page_of(&app, &admin, "/admin/moderation").await;
    let action = format!("/admin/moderation/events/{}/approve", e.id);
    let version = hidden_fields(&seen, &action);
    let mut changed = base.clone();
    changed.retain(|(k, _)| *k != "place_name" && *k != "action");
    changed.push(("place_name", "Lock Keeper's Cottage"));
    changed.push(("action", "save"));
    assert_eq!(
        edit_event(&app, &author, &e.slug, &changed).await.status(),
        303
    );

    let resp = admin.post(&app, &action, &pairs(&version)).await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("changed while you were reviewing it"),
        "{page}"
    );
    assert_eq!(
        event_titled(&app, "Canal Data Walk").await.unwrap().status,
        entity::event::EventStatus::Submitted,
        "not approved"
    );
    // What the queue shows now can be approved.
    let version = hidden_fields(&page, &action);
    assert_eq!(
        admin.post(&app, &action, &pairs(&version)).await.status(),
        303
    );
    let live = event_titled(&app, "Canal Data Walk").await.unwrap();
    assert_eq!(live.place_name.as_deref(), Some("Lock Keeper's Cottage"));

    // A change to the published event, then a newer one while the admin looks at the first.
    let mut first = base.clone();
    first.retain(|(k, _)| *k != "summary" && *k != "action");
    first.push(("summary", "Now with a boat trip."));
    first.push(("action", "save"));
    assert_eq!(
        edit_event(&app, &author, &live.slug, &first).await.status(),
        303
    );
    let seen = page_of(&app, &admin, "/admin/moderation").await;
    assert!(seen.contains("Now with a boat trip."));
    // The first form of the first change in the queue: its approval.
    let rev_action = |page: &str| {
        let start = page
            .find("\"/admin/moderation/revisions/")
            .expect("a change in the queue")
            + 1;
        page[start..start + page[start..].find('"').unwrap()].to_string()
    };
    let first_action = rev_action(&seen);
    let first_version = hidden_fields(&seen, &first_action);
    let mut second = first.clone();
    second.retain(|(k, _)| *k != "summary");
    second.push(("summary", "Now with a boat trip and a picnic."));
    assert_eq!(
        edit_event(&app, &author, &live.slug, &second)
            .await
            .status(),
        303
    );
    let resp = admin
        .post(&app, &first_action, &pairs(&first_version))
        .await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    assert!(page.contains("proposed a newer change"), "{page}");
    assert!(
        page.contains("Now with a boat trip and a picnic."),
        "the new diff is shown"
    );
    assert_eq!(
        event_titled(&app, "Canal Data Walk").await.unwrap().summary,
        "A test of what feeds accept.",
        "the live event is untouched"
    );

    // Cancelled meanwhile: the waiting change can no longer be approved onto it.
    let second_action = rev_action(&page);
    let second_version = hidden_fields(&page, &second_action);
    let resp = author
        .post(
            &app,
            &format!("/events/{}/cancel", live.slug),
            &[("note", "The towpath is closed.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(&app, &second_action, &pairs(&second_version))
        .await;
    assert_eq!(resp.status(), 409);
    let cancelled = event_titled(&app, "Canal Data Walk").await.unwrap();
    assert_eq!(cancelled.status, entity::event::EventStatus::Cancelled);
    assert_eq!(cancelled.summary, "A test of what feeds accept.");
}

#[tokio::test]
async fn a_second_tab_does_not_silently_overwrite_the_first() {
    use crate::helpers::hidden_fields;
    let app = demo_app(&[]).await;
    let author = signed_in(&app, AUTHOR).await;
    let date = in_days(21);
    let form = form_with(
        &date,
        &[("title", "Ward Data Workshop"), ("action", "save")],
    );
    assert_eq!(author.post(&app, "/events/new", &form).await.status(), 303);
    let e = event_titled(&app, "Ward Data Workshop").await.unwrap();
    let action = format!("/events/{}/edit", e.slug);
    // Two tabs open the form.
    let tab_one = hidden_fields(&page_of(&app, &author, &action).await, &action);
    let tab_two = hidden_fields(&page_of(&app, &author, &action).await, &action);
    let mut one = form.clone();
    one.retain(|(k, _)| *k != "summary");
    one.push(("summary", "Written in the first tab."));
    one.extend(pairs(&tab_one));
    assert_eq!(author.post(&app, &action, &one).await.status(), 303);
    let mut two = form.clone();
    two.retain(|(k, _)| *k != "summary");
    two.push(("summary", "Written in the second tab."));
    two.extend(pairs(&tab_two));
    let resp = author.post(&app, &action, &two).await;
    assert_eq!(resp.status(), 409);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("changed after you opened this form"),
        "{page}"
    );
    assert!(
        page.contains("Written in the second tab."),
        "what was typed is kept"
    );
    assert_eq!(
        event_titled(&app, "Ward Data Workshop")
            .await
            .unwrap()
            .summary,
        "Written in the first tab."
    );
    // Saving again from that page is a deliberate choice, and works.
    let again = hidden_fields(&page, &action);
    let mut two = form.clone();
    two.retain(|(k, _)| *k != "summary");
    two.push(("summary", "Written in the second tab."));
    two.extend(pairs(&again));
    assert_eq!(author.post(&app, &action, &two).await.status(), 303);
    assert_eq!(
        event_titled(&app, "Ward Data Workshop")
            .await
            .unwrap()
            .summary,
        "Written in the second tab."
    );
}

async fn active_admins(app: &crate::helpers::TestApp) -> Vec<i64> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    entity::user::Entity::find()
        .filter(entity::user::Column::Role.eq(entity::user::Role::Admin))
        .filter(entity::user::Column::Disabled.eq(false))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = demo_app(&[]).await;
    let out = app.command(&["admin", "grant", AUTHOR]);
    assert!(out.status.success());
    let priya = signed_in(&app, ADMIN).await;
    let gareth = signed_in(&app, AUTHOR).await;
    let id_of = |email: &'static str| {
        let db = app.db().clone();
        async move {
            entity::user::Entity::find()
                .filter(entity::user::Column::Email.eq(email))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (priya_id, gareth_id) = (id_of(ADMIN).await, id_of(AUTHOR).await);
    // Only the two of them are admins.
    let tom_id = id_of("tom.okafor@eastmere-uni.example").await;
    let resp = priya
        .post(
            &app,
            &format!("/admin/users/{tom_id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    for round in 0..10 {
        // By role change in even rounds, by disabling in odd ones.
        let (a, b) = if round % 2 == 0 {
            (
                format!("/admin/users/{gareth_id}/role"),
                format!("/admin/users/{priya_id}/role"),
            )
        } else {
            (
                format!("/admin/users/{gareth_id}/disable"),
                format!("/admin/users/{priya_id}/disable"),
            )
        };
        // Both forms are ready before either is sent, so the two land together.
        let (ta, tb) = (priya.csrf_token(&app).await, gareth.csrf_token(&app).await);
        let send = |browser: &crate::oidc::Browser, path: &str, token: &str| {
            browser
                .client
                .post(format!("{}{path}", app.url))
                .form(&[("role", "member"), ("csrf_token", token)])
                .send()
        };
        let (ra, rb) = tokio::join!(send(&priya, &a, &ta), send(&gareth, &b, &tb));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let statuses = [ra.status().as_u16(), rb.status().as_u16()];
        let left = active_admins(&app).await;
        assert_eq!(left.len(), 1, "round {round}: {statuses:?} left {left:?}");
        assert!(statuses.contains(&303), "round {round}: {statuses:?}");
        // Both admins again for the next round.
        entity::user::Entity::update_many()
            .col_expr(
                entity::user::Column::Role,
                sea_orm::sea_query::Expr::value(entity::user::Role::Admin),
            )
            .col_expr(
                entity::user::Column::Disabled,
                sea_orm::sea_query::Expr::value(false),
            )
            .filter(entity::user::Column::Id.is_in([priya_id, gareth_id]))
            .exec(app.db())
            .await
            .unwrap();
        // Disabling ended the loser's sessions: sign them in again.
        if !priya.signed_in(&app).await {
            priya.dev_sign_in(&app, ADMIN).await;
        }
        if !gareth.signed_in(&app).await {
            gareth.dev_sign_in(&app, AUTHOR).await;
        }
    }
    // The command line keeps the last admin too.
    let out = app.command(&["admin", "revoke", AUTHOR]);
    assert!(out.status.success());
    let out = app.command(&["admin", "revoke", ADMIN]);
    assert!(!out.status.success());
    assert!(crate::helpers::stderr(&out).contains("last active admin"));
    assert_eq!(active_admins(&app).await, vec![priya_id]);
}

#[tokio::test]
async fn a_form_token_from_before_signing_in_or_out_is_refused_after() {
    let app = demo_app(&[]).await;
    let browser = crate::oidc::Browser::new();
    let anonymous_token = browser.csrf_token(&app).await;
    browser.dev_sign_in(&app, AUTHOR).await;
    let signed_in_token = browser.csrf_token(&app).await;
    assert_ne!(anonymous_token, signed_in_token);
    let send = |token: String, path: &'static str| {
        let client = browser.client.clone();
        let url = format!("{}{path}", app.url);
        async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("display_name", "Gareth Lloyd"),
                    ("organisation", "Riverside City Council"),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The token a page had before sign-in no longer works once signed in.
    assert_eq!(send(anonymous_token, "/profile").await, 403);
    assert_eq!(send(signed_in_token.clone(), "/profile").await, 303);
    assert_eq!(send(signed_in_token.clone(), "/auth/signout").await, 303);
    assert!(!browser.signed_in(&app).await);
    // Nor does the signed-in page's token once signed out.
    let resp = browser
        .client
        .post(format!("{}/auth/dev", app.url))
        .form(&[("csrf_token", signed_in_token.as_str()), ("email", AUTHOR)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn feed_file_names_have_an_ascii_fallback_and_the_exact_name() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let date = in_days(12);
    let resp = admin
        .post(
            &app,
            "/events/new",
            &form_with(&date, &[("title", "Dane w Łodzi"), ("tags", "łódź")]),
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = reqwest::get(format!("{}/calendar/tags/%C5%82%C3%B3d%C5%BA.ics", app.url))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-disposition"],
        "inline; filename=\"__d_.ics\"; filename*=UTF-8''%C5%82%C3%B3d%C5%BA.ics"
    );
}
