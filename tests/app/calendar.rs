//! Calendar feeds over HTTP: what RFC 5545 and calendar apps need, validators and 304s,
//! what is in and out of a feed, series with exceptions, and a cache that never serves a
//! stale feed after a change.

use std::sync::atomic::Ordering;

use chrono::{Duration, Utc};
use entity::event;
use entity::prelude::*;
use reqwest::header;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::helpers::{TestApp, demo_app, signed_in, spawn_app_with, unescape};
use crate::oidc::{Browser, location};

const ADMIN: &str = "priya.shah@northvale-council.example";

async fn feed(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    let headers = resp.headers().clone();
    (headers, resp.text().await.unwrap())
}

async fn by_title(app: &TestApp, title: &str) -> event::Model {
    Event::find()
        .filter(event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

/// The VEVENT blocks of a feed that carry this UID.
fn vevents<'a>(ics: &'a str, uid: &str) -> Vec<&'a str> {
    ics.split("BEGIN:VEVENT\r\n")
        .skip(1)
        .filter(|block| block.contains(&format!("UID:{uid}\r\n")))
        .collect()
}

/// Unfolds content lines (RFC 5545 3.1) so assertions can look at whole properties.
fn unfold(ics: &str) -> String {
    ics.replace("\r\n ", "")
}

#[tokio::test]
async fn the_feed_is_well_formed_icalendar() {
    let app = demo_app(&[("site_name", "Northvale Open Data Forum")]).await;
    let (headers, ics) = feed(&app, "/calendar.ics").await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    let etag = headers[header::ETAG].to_str().unwrap();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "a strong ETag: {etag}"
    );
    assert!(headers.contains_key(header::LAST_MODIFIED));
    assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    assert!(
        headers.get(header::SET_COOKIE).is_none(),
        "no cookies for calendar apps"
    );

    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Convene//"));
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    for line in ics.split("\r\n") {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
    }
    let text = unfold(&ics);
    assert!(text.contains("X-WR-CALNAME:Northvale Open Data Forum\r\n"));
    assert!(text.contains("REFRESH-INTERVAL;VALUE=DURATION:PT60M\r\n"));
    assert!(text.contains("X-PUBLISHED-TTL:PT60M\r\n"));
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n"));
    assert!(
        text.find("BEGIN:VTIMEZONE").unwrap() < text.find("BEGIN:VEVENT").unwrap(),
        "time zones come before the events that use them"
    );

    let hack = by_title(&app, "Bus Data Hack Day").await;
    let block = vevents(&text, &hack.uid).concat();
    assert!(block.contains("DTSTART;TZID=Europe/London:"));
    assert!(block.contains("T093000\r\n") && block.contains("T170000\r\n"));
    assert!(block.contains("STATUS:CONFIRMED\r\n"));
    assert!(block.contains("SUMMARY:Bus Data Hack Day\r\n"));
    assert!(block.contains("CATEGORIES:hack-day,transport\r\n"));
    assert!(block.contains(&format!("URL:{}/events/bus-data-hack-day\r\n", app.url)));
    for property in [
        "DTSTAMP:",
        "CREATED:",
        "LAST-MODIFIED:",
        "SEQUENCE:0",
        "LOCATION:",
        "DESCRIPTION:",
    ] {
        assert!(block.contains(property), "{property} missing");
    }

    // A two-day all-day event is one event spanning the days, as DATE values.
    let camp = by_title(&app, "Open Data Camp Midshire").await;
    let block = vevents(&text, &camp.uid).concat();
    assert!(block.contains("DTSTART;VALUE=DATE:"), "{block}");
    assert!(block.contains("DTEND;VALUE=DATE:"));
    assert_eq!(vevents(&text, &camp.uid).len(), 1);
}

#[tokio::test]
async fn only_public_events_are_in_feeds_and_cancelled_ones_say_so() {
    let app = demo_app(&[]).await;
    let (_, ics) = feed(&app, "/calendar.ics").await;
    let text = unfold(&ics);
    assert!(
        !text.contains("Census Data Briefing"),
        "submitted, not public"
    );
    assert!(!text.contains("Street Works Data Surgery"), "a draft");
    let cancelled = by_title(&app, "Air Quality Sensors Workshop").await;
    let block = vevents(&text, &cancelled.uid).concat();
    assert!(block.contains("STATUS:CANCELLED\r\n"));
    assert!(
        block.contains("SEQUENCE:1\r\n"),
        "a higher sequence so calendars update"
    );

    // A draft that is deleted never appears at all.
    let author = signed_in(&app, "gareth.lloyd@riverside-city.example").await;
    let draft = by_title(&app, "Street Works Data Surgery").await;
    assert_eq!(
        author
            .post(&app, &format!("/events/{}/delete", draft.slug), &[])
            .await
            .status(),
        303
    );
    let (_, ics) = feed(&app, "/calendar.ics").await;
    assert!(!unfold(&ics).contains(&draft.uid));
    assert_eq!(
        Browser::new()
            .get(&format!("{}/events/{}.ics", app.url, draft.slug))
            .await
            .status(),
        404
    );
    let submitted = by_title(&app, "Census Data Briefing").await;
    assert_eq!(
        Browser::new()
            .get(&format!("{}/events/{}.ics", app.url, submitted.slug))
            .await
            .status(),
        404,
        "no .ics for an unpublished event"
    );
}

#[tokio::test]
async fn old_events_leave_the_feed_after_the_retention_windows() {
    let app = demo_app(&[
        ("calendar_past_months", "12"),
        ("calendar_cancelled_days", "90"),
    ])
    .await;
    let past = by_title(&app, "Open Data Day Northvale").await;
    let cancelled = by_title(&app, "Air Quality Sensors Workshop").await;
    let (_, ics) = feed(&app, "/calendar.ics").await;
    assert!(
        ics.contains(&past.uid),
        "two months ago is still within twelve"
    );

    let long_ago = Utc::now() - Duration::days(400);
    let mut active: event::ActiveModel = past.clone().into();
    active.starts_at = Set(long_ago);
    active.ends_at = Set(long_ago + Duration::hours(3));
    active.update(app.db()).await.unwrap();
    let mut active: event::ActiveModel = cancelled.clone().into();
    active.cancelled_at = Set(Some(Utc::now() - Duration::days(91)));
    active.update(app.db()).await.unwrap();
    app.state.feeds.invalidate();

    let (_, ics) = feed(&app, "/calendar.ics").await;
    assert!(!ics.contains(&past.uid));
    assert!(!ics.contains(&cancelled.uid));
}

#[tokio::test]
async fn an_unchanged_feed_is_a_304_and_a_change_shows_on_the_next_poll() {
    let app = demo_app(&[]).await;
    let client = reqwest::Client::new();
    let url = format!("{}/calendar.ics", app.url);
    let first = client.get(&url).send().await.unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_string();
    let modified = first.headers()[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_string();
    let body = first.text().await.unwrap();

    let again = client
        .get(&url)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    let since = client
        .get(&url)
        .header(header::IF_MODIFIED_SINCE, &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), 304);

    // Polling an unchanged feed costs no query at all within the cache's second.
    let before = app.state.statements.load(Ordering::SeqCst);
    for _ in 0..5 {
        client
            .get(&url)
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(app.state.statements.load(Ordering::SeqCst), before);

    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(head.bytes().await.unwrap().is_empty());

    let gz = client
        .get(&url)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()[header::CONTENT_ENCODING], "gzip");
    let compressed = gz.bytes().await.unwrap();
    assert_eq!(&compressed[..2], &[0x1f, 0x8b]);
    assert!(compressed.len() < body.len());

    // An admin edits an event: the very next poll gets the new feed.
    let admin = signed_in(&app, ADMIN).await;
    let hack = by_title(&app, "Bus Data Hack Day").await;
    let edit = admin
        .get(&format!("{}/events/{}/edit", app.url, hack.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(edit.contains("Bus Data Hack Day"));
    let date = (hack.starts_at.with_timezone(&chrono_tz::Europe::London))
        .format("%Y-%m-%d")
        .to_string();
    let resp = crate::helpers::edit_event(
        &app,
        &admin,
        &hack.slug,
        &[
            ("title", "Bus Data Hack Day"),
            ("summary", "Build tools and maps with live bus data."),
            ("time_zone", "Europe/London"),
            ("start_date", &date),
            ("start_time", "10:00"),
            ("end_date", &date),
            ("end_time", "17:00"),
            ("place_name", "University of Eastmere, Digital Hub"),
            ("tags", "transport, hack-day"),
            ("repeat", "none"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    let next = client
        .get(&url)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(next.status(), 200, "no stale cache");
    assert_ne!(next.headers()[header::ETAG].to_str().unwrap(), etag);
    let text = unfold(&next.text().await.unwrap());
    let block = vevents(&text, &hack.uid).concat();
    assert!(block.contains("T100000\r\n"), "the new start time");
    assert!(block.contains("SEQUENCE:1\r\n"), "a higher sequence");
}

#[tokio::test]
async fn series_carry_their_rule_cancelled_dates_and_moved_dates() {
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
    let (cancel, moving) = (&starts[0], &starts[1]);
    assert_eq!(
        admin
            .post(
                &app,
                &format!("/events/{}/occurrences/cancel", forum.slug),
                &[("start", cancel)]
            )
            .await
            .status(),
        303
    );
    let new_day = (chrono::DateTime::parse_from_rfc3339(moving).unwrap() + Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let resp = admin
        .post(
            &app,
            &format!("/events/{}/occurrences/move", forum.slug),
            &[
                ("start", moving),
                ("new_date", &new_day),
                ("new_start_time", "14:00"),
                ("new_end_time", "15:30"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let (_, ics) = feed(&app, &format!("/events/{}.ics", forum.slug)).await;
    let text = unfold(&ics);
    let blocks = vevents(&text, &forum.uid);
    assert_eq!(blocks.len(), 2, "the series and one moved date");
    let master = blocks.iter().find(|b| b.contains("RRULE:")).unwrap();
    assert!(master.contains("RRULE:FREQ=MONTHLY;UNTIL="), "{master}");
    assert!(master.contains(";INTERVAL=2;BYDAY=2WE\r\n"), "{master}");
    let cancelled_local = chrono::DateTime::parse_from_rfc3339(cancel)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y%m%dT%H%M%S")
        .to_string();
    assert!(
        master.contains(&format!("EXDATE;TZID=Europe/London:{cancelled_local}\r\n")),
        "{master}"
    );
    assert!(master.contains("SEQUENCE:2\r\n"));
    let moved = blocks.iter().find(|b| b.contains("RECURRENCE-ID")).unwrap();
    let moved_local = chrono::DateTime::parse_from_rfc3339(moving)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y%m%dT%H%M%S")
        .to_string();
    assert!(moved.contains(&format!(
        "RECURRENCE-ID;TZID=Europe/London:{moved_local}\r\n"
    )));
    assert!(moved.contains(&format!(
        "DTSTART;TZID=Europe/London:{}T140000\r\n",
        new_day.replace('-', "")
    )));
}

#[tokio::test]
async fn tag_feeds_and_event_files() {
    let app = demo_app(&[]).await;
    let (_, ics) = feed(&app, "/calendar/tags/transport.ics").await;
    let text = unfold(&ics);
    assert!(text.contains("SUMMARY:Bus Data Hack Day"));
    assert!(!text.contains("SUMMARY:Open Data Camp Midshire"));
    assert!(text.contains("X-WR-CALNAME:Open Data Forum \u{2013} transport"));

    let (headers, ics) = feed(&app, "/events/bus-data-hack-day.ics").await;
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/calendar; charset=utf-8"
    );
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 1);
    assert!(ics.contains("BEGIN:VTIMEZONE"));

    // A renamed event's old .ics address redirects like its page.
    let admin = signed_in(&app, ADMIN).await;
    let hack = by_title(&app, "Bus Data Hack Day").await;
    let date = hack
        .starts_at
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d")
        .to_string();
    crate::helpers::edit_event(
        &app,
        &admin,
        &hack.slug,
        &[
            ("title", "Bus and Tram Data Hack Day"),
            ("summary", "Build tools and maps with live bus data."),
            ("time_zone", "Europe/London"),
            ("start_date", &date),
            ("start_time", "09:30"),
            ("end_date", &date),
            ("end_time", "17:00"),
            ("repeat", "none"),
            ("action", "save"),
        ],
    )
    .await;
    let resp = Browser::new()
        .get(&format!("{}/events/bus-data-hack-day.ics", app.url))
        .await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), "/events/bus-and-tram-data-hack-day.ics");
}

#[tokio::test]
async fn event_pages_offer_add_to_calendar_and_the_calendar_page_explains_subscribing() {
    let app = demo_app(&[]).await;
    let page = unescape(
        &Browser::new()
            .get(&format!("{}/events/bus-data-hack-day", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains(r#"href="/events/bus-data-hack-day.ics""#));
    assert!(page.contains(
        "https://calendar.google.com/calendar/render?action=TEMPLATE&text=Bus+Data+Hack+Day"
    ));
    assert!(page.contains("https://outlook.live.com/calendar/0/action/compose?"));
    assert!(page.contains("webcal://127.0.0.1:"));

    let calendar = unescape(
        &Browser::new()
            .get(&format!("{}/calendar", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    for app_name in [
        "Google Calendar",
        "Outlook",
        "Apple Calendar",
        "Thunderbird",
    ] {
        assert!(calendar.contains(app_name), "{app_name}");
    }
    assert!(calendar.contains(&format!(r#"value="{}/calendar.ics""#, app.url)));
    assert!(calendar.contains("/calendar/tags/transport.ics"));
}

#[tokio::test]
async fn a_change_made_elsewhere_shows_on_the_next_poll_and_a_new_address_renders_every_event() {
    let app = demo_app(&[]).await;
    let (_, before) = feed(&app, "/calendar.ics").await;
    let hack = by_title(&app, "Bus Data Hack Day").await;
    assert!(before.contains(&format!("{}/events/{}", app.url, hack.slug)));

    // Another instance sharing the database renames the event: this instance did not see
    // the change happen, and its stored feed entry is now outdated.
    let mut active: event::ActiveModel = hack.clone().into();
    active.title = Set("Bus Data Hack Day (moved indoors)".into());
    active.sequence = Set(hack.sequence + 1);
    active.updated_at = Set(Utc::now());
    active.update(app.db()).await.unwrap();
    // The cache trusts its copy for one second, then asks the database.
    app.clock.advance(chrono::Duration::seconds(2));
    let (_, after) = feed(&app, "/calendar.ics").await;
    let block = unfold(&vevents(&after, &hack.uid).concat());
    assert!(block.contains("SUMMARY:Bus Data Hack Day (moved indoors)\r\n"));
    assert_eq!(
        after.matches("BEGIN:VEVENT").count(),
        before.matches("BEGIN:VEVENT").count()
    );

    // The same data served under a new address (or by a new release): every stored entry
    // was made for the old one, and none of its links may leak into the feed.
    let moved = spawn_app_with(&[
        ("database_url", app.database_url.as_str()),
        ("base_url", "https://forum.example.org"),
    ])
    .await;
    let (_, elsewhere) = feed(&moved, "/calendar.ics").await;
    assert!(!elsewhere.contains(&app.url), "no link to the old address");
    assert!(elsewhere.contains(&format!(
        "URL:https://forum.example.org/events/{}\r\n",
        hack.slug
    )));
    assert_eq!(
        elsewhere.matches("BEGIN:VEVENT").count(),
        after.matches("BEGIN:VEVENT").count()
    );
}

#[tokio::test]
async fn a_feed_with_events_in_two_time_zones_defines_both_before_the_events() {
    let app = demo_app(&[]).await;
    let hack = by_title(&app, "Bus Data Hack Day").await;
    // A published event in New York, as another instance or an import would leave it.
    let starts = Utc::now() + Duration::days(40);
    let mut visit: event::ActiveModel = hack.clone().into();
    visit.id = sea_orm::NotSet;
    visit.uid = Set("nyc-visit@convene.test".into());
    visit.slug = Set("open-data-week-new-york".into());
    visit.title = Set("Open Data Week, New York".into());
    visit.time_zone = Set("America/New_York".into());
    visit.starts_at = Set(starts);
    visit.ends_at = Set(starts + Duration::hours(2));
    visit.rrule = Set(None);
    visit.series_ends_at = Set(None);
    visit.updated_at = Set(Utc::now());
    visit.insert(app.db()).await.unwrap();

    let (_, ics) = feed(&app, "/calendar.ics").await;
    let first_event = ics.find("BEGIN:VEVENT").unwrap();
    for zone in ["America/New_York", "Europe/London"] {
        let at = ics
            .find(&format!("BEGIN:VTIMEZONE\r\nTZID:{zone}\r\n"))
            .unwrap_or_else(|| panic!("a VTIMEZONE for {zone}"));
        assert!(at < first_event, "{zone} is defined before the events");
    }
    let block = vevents(&ics, "nyc-visit@convene.test").concat();
    let local = starts.with_timezone(&chrono_tz::America::New_York);
    assert!(block.contains(&format!(
        "DTSTART;TZID=America/New_York:{}\r\n",
        local.format("%Y%m%dT%H%M%S")
    )));
}

#[tokio::test]
async fn large_feeds_go_out_whole_and_get_a_gzip_copy_with_its_own_validator() {
    let app = demo_app(&[]).await;
    crate::generate::generate_events(app.db(), 500, chrono::Utc::now())
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/calendar.ics", app.url);

    let plain = client.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    let length: usize = plain.headers()[header::CONTENT_LENGTH]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let etag = plain.headers()[header::ETAG].to_str().unwrap().to_string();
    let body = plain.bytes().await.unwrap();
    assert_eq!(body.len(), length);
    assert!(
        length > 256 * 1024,
        "big enough to be sent in slices: {length}"
    );
    let text = std::str::from_utf8(&body).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(
        text.matches("BEGIN:VEVENT").count(),
        text.matches("END:VEVENT").count()
    );
    assert!(text.matches("BEGIN:VEVENT").count() > 500);
    // Events come in order of their start (then of their id), as the database joined them.
    let mut in_feed: Vec<&str> = text
        .split("\r\nUID:")
        .skip(1)
        .map(|rest| rest.split("\r\n").next().unwrap())
        .collect();
    in_feed.dedup(); // a series' changed dates repeat its UID right after it
    let expected: Vec<String> = Event::find()
        .filter(event::Column::Uid.is_in(in_feed.iter().copied()))
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.uid)
        .collect();
    assert_eq!(in_feed, expected);

    // The gzip copy of a large feed is made off the request path: until it is ready the
    // feed goes out uncompressed, never half-made.
    let mut gzip = None;
    for _ in 0..100 {
        let resp = client
            .get(&url)
            .header(header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        if resp.headers().get(header::CONTENT_ENCODING).is_some() {
            gzip = Some(resp);
            break;
        }
        assert_eq!(resp.bytes().await.unwrap(), body);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let gzip = gzip.expect("a gzip copy within five seconds");
    let gzip_etag = gzip.headers()[header::ETAG].to_str().unwrap().to_string();
    assert_ne!(
        gzip_etag, etag,
        "each representation has its own strong validator"
    );
    assert!(!gzip_etag.starts_with("W/"));
    let compressed = gzip.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, body);

    // Either validator stands for the same text: a 304, naming the one that matched.
    for (held, encoding) in [(&gzip_etag, None), (&etag, Some("gzip"))] {
        let mut req = client
            .get(&url)
            .header(header::IF_NONE_MATCH, held.as_str());
        if let Some(encoding) = encoding {
            req = req.header(header::ACCEPT_ENCODING, encoding);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 304);
        assert_eq!(
            resp.headers()[header::ETAG].to_str().unwrap(),
            held.as_str()
        );
    }
}

#[tokio::test]
async fn calendar_apps_polling_together_after_a_start_wait_for_one_build() {
    async fn statements_for(app: &TestApp, polls: usize) -> u64 {
        let client = reqwest::Client::new();
        let url = format!("{}/calendar.ics", app.url);
        let before = app.state.statements.load(Ordering::SeqCst);
        let bodies = futures_util::future::join_all((0..polls).map(|_| async {
            let resp = client.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200);
            resp.text().await.unwrap()
        }))
        .await;
        assert!(bodies.iter().all(|b| b == &bodies[0]));
        app.state.statements.load(Ordering::SeqCst) - before
    }
    // The same data on two fresh instances: one poll, then sixteen at once.
    let one = demo_app(&[]).await;
    let many = demo_app(&[]).await;
    let single = statements_for(&one, 1).await;
    assert!(single > 0);
    assert_eq!(
        statements_for(&many, 16).await,
        single,
        "one build, not sixteen"
    );
}
