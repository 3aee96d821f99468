//! Golden files pin the exact iCalendar text for a few tricky events, and the same feeds are
//! handed to third-party parsers (Python's icalendar with recurring-ical-events, and ical.js)
//! which must read back the same text and expand the same occurrences at the right times.
//!
//! Run with `UPDATE_GOLDEN=1` to rewrite the golden files after an intended change.

use std::path::PathBuf;
use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use convene::calendar::ics::{self, FeedEvent, FeedInfo};
use entity::event::{self, EventStatus};
use entity::event_exception;
use serde_json::json;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn base(id: i64, uid: &str, title: &str) -> event::Model {
    event::Model {
        id,
        uid: uid.into(),
        slug: format!("event-{id}"),
        status: EventStatus::Published,
        title: title.into(),
        summary: "A summary.".into(),
        description: String::new(),
        time_zone: "Europe/London".into(),
        all_day: false,
        starts_at: at(2027, 1, 1, 10, 0),
        ends_at: at(2027, 1, 1, 11, 0),
        place_name: None,
        address: None,
        online_url: None,
        organiser_contact: None,
        show_organiser_contact: false,
        capacity: None,
        lunch_provided: false,
        extra_label: None,
        rsvp_closes_hours: None,
        note_to_admins: None,
        rrule: None,
        series_ends_at: None,
        sequence: 0,
        author_id: 1,
        reviewer_id: None,
        review_note: None,
        postponed_at: None,
        postpone_note: None,
        previous_starts_at: None,
        cancel_note: None,
        submitted_at: None,
        published_at: None,
        cancelled_at: None,
        created_at: at(2026, 11, 1, 9, 0),
        updated_at: at(2026, 11, 2, 9, 0),
    }
}

struct Case {
    name: &'static str,
    events: Vec<(event::Model, Vec<String>, Vec<event_exception::Model>)>,
    expect: serde_json::Value,
}

fn cases() -> Vec<Case> {
    // Long Unicode text with commas, semicolons, backslashes and line breaks.
    let mut unicode = base(
        1,
        "unicode-1@convene",
        "Café, Straße; «Données ouvertes» — 東京 \\ ünïcödé",
    );
    unicode.summary = "Ein Treffen: Daten, Karten; und mehr… 🚌🚲".into();
    unicode.description =
        "Zeile eins, mit Komma; und Semikolon.\n\nZweite Zeile: ÄÖÜ äöü ß — ".repeat(3);
    unicode.place_name = Some("Bürgerhaus, Saal 2; Erdgeschoss".into());
    unicode.address = Some("Hauptstraße 1\nNorthvale".into());
    unicode.starts_at = at(2027, 6, 9, 17, 0); // 18:00 BST
    unicode.ends_at = at(2027, 6, 9, 19, 0);

    let mut camp = base(2, "camp-2@convene", "Open Data Camp");
    camp.all_day = true;
    camp.starts_at = at(2027, 9, 16, 23, 0); // local midnight, 17 September
    camp.ends_at = at(2027, 9, 18, 23, 0); // exclusive: after 18 September

    let mut evenings = base(3, "evenings-3@convene", "Spring Data Evenings");
    evenings.starts_at = at(2027, 3, 3, 18, 0); // 18:00 GMT
    evenings.ends_at = at(2027, 3, 3, 20, 0);
    evenings.rrule = Some("FREQ=WEEKLY;INTERVAL=1;BYDAY=WE;UNTIL=20270414T225959Z".into());
    evenings.series_ends_at = Some(at(2027, 4, 14, 19, 0));
    evenings.sequence = 2;
    let exceptions = vec![
        event_exception::Model {
            id: 1,
            event_id: 3,
            occurrence_start: at(2027, 3, 17, 18, 0),
            cancelled: true,
            postponed: false,
            new_starts_at: None,
            new_ends_at: None,
            note: None,
            created_at: at(2026, 11, 3, 9, 0),
        },
        event_exception::Model {
            id: 2,
            event_id: 3,
            occurrence_start: at(2027, 4, 7, 17, 0), // 18:00 BST
            cancelled: false,
            postponed: false,
            new_starts_at: Some(at(2027, 4, 8, 13, 0)), // Thursday 14:00 BST
            new_ends_at: Some(at(2027, 4, 8, 14, 30)),
            note: None,
            created_at: at(2026, 11, 3, 9, 0),
        },
    ];

    let mut cancelled = base(4, "cancelled-4@convene", "Air Quality Workshop");
    cancelled.status = EventStatus::Cancelled;
    cancelled.sequence = 1;
    cancelled.cancel_note = Some("The venue is closed.".into());
    cancelled.starts_at = at(2027, 2, 10, 18, 0);
    cancelled.ends_at = at(2027, 2, 10, 20, 0);

    // A monthly series with one date postponed (new date to follow) and one cancelled with
    // its reason.
    let mut surgery = base(5, "surgery-5@convene", "Open Data Surgery");
    surgery.starts_at = at(2027, 1, 7, 16, 0); // first Thursday, 16:00 GMT
    surgery.ends_at = at(2027, 1, 7, 18, 0);
    surgery.rrule = Some("FREQ=MONTHLY;BYDAY=1TH;COUNT=4".into());
    surgery.series_ends_at = Some(at(2027, 4, 1, 17, 0));
    surgery.sequence = 2;
    let surgery_dates = vec![
        event_exception::Model {
            id: 3,
            event_id: 5,
            occurrence_start: at(2027, 2, 4, 16, 0),
            cancelled: false,
            postponed: true,
            new_starts_at: None,
            new_ends_at: None,
            note: Some("The hub is being rewired.".into()),
            created_at: at(2026, 11, 3, 9, 0),
        },
        event_exception::Model {
            id: 4,
            event_id: 5,
            occurrence_start: at(2027, 3, 4, 16, 0),
            cancelled: true,
            postponed: false,
            new_starts_at: None,
            new_ends_at: None,
            note: Some("Nobody can host that week; see you in April.".into()),
            created_at: at(2026, 11, 3, 9, 0),
        },
    ];

    let timed = |s: &str, e: &str, local: &str| json!({"start": s, "end": e, "local_start": local, "tz": "Europe/London"});
    vec![
        Case {
            name: "unicode",
            expect: json!({"uid": "unicode-1@convene", "summary": unicode.title, "location": "Bürgerhaus, Saal 2; Erdgeschoss\nHauptstraße 1\nNorthvale",
                "description_contains": ["Ein Treffen: Daten, Karten; und mehr… 🚌🚲", "Zeile eins, mit Komma; und Semikolon."],
                "categories": ["données", "straße"], "status": "CONFIRMED", "sequence": 0, "all_day": false,
                "occurrences": [timed("2027-06-09T17:00:00Z", "2027-06-09T19:00:00Z", "2027-06-09T18:00:00")]}),
            events: vec![(unicode, vec!["données".into(), "straße".into()], vec![])],
        },
        Case {
            name: "all-day",
            expect: json!({"uid": "camp-2@convene", "summary": "Open Data Camp", "location": null, "description_contains": ["A summary."],
                "categories": [], "status": "CONFIRMED", "sequence": 0, "all_day": true,
                "occurrences": [{"start": "2027-09-17", "end": "2027-09-19"}]}),
            events: vec![(camp, vec![], vec![])],
        },
        Case {
            name: "series-across-clock-change",
            expect: json!({"uid": "evenings-3@convene", "summary": "Spring Data Evenings", "location": null, "description_contains": ["A summary."],
            "categories": ["transport"], "status": "CONFIRMED", "sequence": 2, "all_day": false,
            "occurrences": [
                timed("2027-03-03T18:00:00Z", "2027-03-03T20:00:00Z", "2027-03-03T18:00:00"),
                timed("2027-03-10T18:00:00Z", "2027-03-10T20:00:00Z", "2027-03-10T18:00:00"),
                timed("2027-03-24T18:00:00Z", "2027-03-24T20:00:00Z", "2027-03-24T18:00:00"),
                timed("2027-03-31T17:00:00Z", "2027-03-31T19:00:00Z", "2027-03-31T18:00:00"),
                timed("2027-04-08T13:00:00Z", "2027-04-08T14:30:00Z", "2027-04-08T14:00:00"),
                timed("2027-04-14T17:00:00Z", "2027-04-14T19:00:00Z", "2027-04-14T18:00:00"),
            ]}),
            events: vec![(evenings, vec!["transport".into()], exceptions)],
        },
        Case {
            name: "cancelled",
            expect: json!({"uid": "cancelled-4@convene", "summary": "Air Quality Workshop", "location": null, "description_contains": ["CANCELLED: The venue is closed."],
                "categories": [], "status": "CANCELLED", "sequence": 1, "all_day": false,
                "occurrences": [timed("2027-02-10T18:00:00Z", "2027-02-10T20:00:00Z", "2027-02-10T18:00:00")]}),
            events: vec![(cancelled, vec![], vec![])],
        },
        Case {
            name: "postponed-and-cancelled-dates",
            expect: json!({"uid": "surgery-5@convene", "summary": "Open Data Surgery", "location": null,
            "description_contains": ["Cancelled dates:", "4 March 2027: Nobody can host that week; see you in April."],
            "categories": [], "status": "CONFIRMED", "sequence": 2, "all_day": false,
            "occurrences": [
                timed("2027-01-07T16:00:00Z", "2027-01-07T18:00:00Z", "2027-01-07T16:00:00"),
                timed("2027-02-04T16:00:00Z", "2027-02-04T18:00:00Z", "2027-02-04T16:00:00"),
                timed("2027-04-01T15:00:00Z", "2027-04-01T17:00:00Z", "2027-04-01T16:00:00"),
            ]}),
            events: vec![(surgery, vec![], surgery_dates)],
        },
    ]
}

fn render(case: &Case) -> String {
    let feed_events: Vec<FeedEvent<'_>> = case
        .events
        .iter()
        .map(|(e, tags, x)| FeedEvent {
            event: e,
            tags,
            exceptions: x,
            url: format!("https://forum.example.org/events/{}", e.slug),
        })
        .collect();
    ics::render(
        &FeedInfo {
            name: "Northvale Open Data Forum",
            description: "Events of Northvale Open Data Forum",
            site_zone: chrono_tz::Europe::London,
            refresh_minutes: 60,
        },
        &feed_events,
    )
}

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn golden_files_pin_the_exact_output() {
    if crate::helpers::second_database_pass(module_path!()) {
        return;
    }
    for case in cases() {
        let text = render(&case);
        let path = repo(&format!("tests/golden/{}.ics", case.name));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
        assert!(
            text == expected,
            "{} differs from the golden file; if the change is intended, run with UPDATE_GOLDEN=1\n--- got ---\n{text}",
            case.name
        );
    }
}

/// Runs a command, installing the checkers' pinned dependencies first if they are missing.
fn run(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn checker_python() -> PathBuf {
    let dir = repo("tests/calendar-clients");
    let python = dir.join(".venv/bin/python");
    if !python.exists() {
        let (ok, out) = run(Command::new("python3")
            .args(["-m", "venv"])
            .arg(dir.join(".venv")));
        assert!(ok, "python3 -m venv failed: {out}");
        let (ok, out) = run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "-r"])
            .arg(dir.join("requirements.txt")));
        assert!(ok, "installing the Python calendar clients failed: {out}");
    }
    python
}

fn checker_node() {
    let dir = repo("tests/calendar-clients");
    if !dir.join("node_modules").exists() {
        let (ok, out) = run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir));
        assert!(ok, "npm ci in tests/calendar-clients failed: {out}");
    }
}

#[test]
fn third_party_parsers_read_the_feeds_back() {
    crate::helpers::needs_peers!();
    if crate::helpers::second_database_pass(module_path!()) {
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    for case in cases() {
        std::fs::write(
            out_dir.path().join(format!("{}.ics", case.name)),
            render(&case),
        )
        .unwrap();
        let expect = json!({
            "calname": "Northvale Open Data Forum",
            "window": ["2026-01-01T00:00:00Z", "2029-01-01T00:00:00Z"],
            "events": [case.expect],
        });
        std::fs::write(
            out_dir.path().join(format!("{}.expect.json", case.name)),
            serde_json::to_string_pretty(&expect).unwrap(),
        )
        .unwrap();
    }
    let dir = repo("tests/calendar-clients");
    let python = checker_python();
    let (ok, out) = run(Command::new(&python)
        .arg(dir.join("check.py"))
        .arg(out_dir.path()));
    eprintln!("{out}");
    assert!(ok, "icalendar + recurring-ical-events disagree:\n{out}");
    assert!(out.contains("0 failed"), "{out}");
    checker_node();
    let (ok, out) = run(Command::new("node")
        .arg(dir.join("check.mjs"))
        .arg(out_dir.path()));
    eprintln!("{out}");
    assert!(ok, "ical.js disagrees:\n{out}");
    assert!(out.contains("0 failed"), "{out}");
}

/// The demo forum's whole feed, read by the third-party parsers: every event and every
/// occurrence (as Convene's own listings expand them) must come back the same.
#[tokio::test]
async fn third_party_parsers_read_the_demo_feed() {
    crate::helpers::needs_peers!();
    use entity::prelude::*;
    use sea_orm::EntityTrait;

    let app = crate::helpers::demo_app(&[]).await;
    let ics = reqwest::get(format!("{}/calendar.ics", app.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let now = Utc::now();
    let window_start = now - chrono::Duration::days(400);
    let window_end = now + chrono::Duration::days(366 * 3);
    let events = Event::find().all(app.db()).await.unwrap();
    let tz = chrono_tz::Europe::London;
    let mut expected = Vec::new();
    for e in events.iter().filter(|e| e.status.is_public()) {
        // Every date of this event in the window, as the site's pages work them out (the
        // series expanded in its zone, each date after its exceptions).
        let duration = e.ends_at - e.starts_at;
        let starts = match e.rrule.as_deref() {
            Some(rule) => convene::events::recurrence::starts_between(
                rule,
                e.starts_at,
                duration,
                e.zone(),
                window_start,
                window_end,
                500,
            ),
            None => vec![e.starts_at],
        };
        let exceptions = convene::events::queries::exceptions_for(app.db(), &[e.id])
            .await
            .unwrap()
            .remove(&e.id)
            .unwrap_or_default();
        let mut occurrences: Vec<(DateTime<Utc>, DateTime<Utc>)> = starts
            .into_iter()
            .map(|start| convene::events::queries::apply_exception(start, duration, &exceptions))
            .filter(|(_, _, cancelled, _)| !(*cancelled && e.status == EventStatus::Published))
            .map(|(s, end, _, _)| (s, end))
            .filter(|(s, _)| *s >= window_start && *s < window_end)
            .collect();
        occurrences.sort();
        occurrences.dedup();
        let occurrences: Vec<serde_json::Value> = occurrences
            .into_iter()
            .map(|(s, end)| {
                if e.all_day {
                    json!({
                        "start": s.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                        "end": end.with_timezone(&tz).format("%Y-%m-%d").to_string(),
                    })
                } else {
                    json!({
                        "start": s.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        "end": end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                        "local_start": s.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S").to_string(),
                        "tz": "Europe/London",
                    })
                }
            })
            .collect();
        let tags = convene::events::queries::tags_for(app.db(), &[e.id])
            .await
            .unwrap()
            .remove(&e.id)
            .unwrap_or_default();
        expected.push(json!({
            "uid": e.uid,
            // A postponed event stays on its date, marked as not certain.
            "summary": if e.postponed_at.is_some() { format!("Postponed: {}", e.title) } else { e.title.clone() },
            "location": null,
            "description_contains": [e.summary],
            "categories": tags,
            "status": match (e.status, e.postponed_at) {
                (EventStatus::Cancelled, _) => "CANCELLED",
                (_, Some(_)) => "TENTATIVE",
                _ => "CONFIRMED",
            },
            "sequence": e.sequence,
            "all_day": e.all_day,
            "occurrences": occurrences,
        }));
    }
    assert!(expected.len() >= 5, "the demo has public events to check");
    // LOCATION is checked on the hand-made cases; here the demo's own values decide.
    for (value, e) in expected
        .iter_mut()
        .zip(events.iter().filter(|e| e.status.is_public()))
    {
        let location = match (&e.place_name, &e.address) {
            // The venue, then the address a line at a time.
            (Some(p), Some(a)) => {
                Some(format!("{p}\n{}", a.lines().collect::<Vec<_>>().join("\n")))
            }
            (Some(p), None) => Some(p.clone()),
            (None, Some(a)) => Some(a.clone()),
            (None, None) => e.online_url.clone(),
        };
        value["location"] = json!(location);
    }
    let out_dir = tempfile::tempdir().unwrap();
    std::fs::write(out_dir.path().join("demo.ics"), &ics).unwrap();
    std::fs::write(
        out_dir.path().join("demo.expect.json"),
        serde_json::to_string_pretty(&json!({
            "calname": "Open Data Forum",
            "window": [window_start.format("%Y-%m-%dT%H:%M:%SZ").to_string(), window_end.format("%Y-%m-%dT%H:%M:%SZ").to_string()],
            "events": expected,
        }))
        .unwrap(),
    )
    .unwrap();
    let dir = repo("tests/calendar-clients");
    let python = checker_python();
    let (ok, out) = run(Command::new(&python)
        .arg(dir.join("check.py"))
        .arg(out_dir.path()));
    assert!(
        ok,
        "icalendar + recurring-ical-events disagree on the demo feed:\n{out}"
    );
    checker_node();
    let (ok, out) = run(Command::new("node")
        .arg(dir.join("check.mjs"))
        .arg(out_dir.path()));
    assert!(ok, "ical.js disagrees on the demo feed:\n{out}");
}

/// A member's personal feed, read by the third-party parsers: each event or date they go to
/// (or wait for) once, with its own UID, and them as its one ATTENDEE with their answer.
#[tokio::test]
async fn third_party_parsers_read_a_personal_feed() {
    crate::helpers::needs_peers!();
    use entity::prelude::*;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let app = crate::helpers::demo_app(&[]).await;
    let helen = crate::helpers::signed_in(&app, "helen.mcallister@openstreets-trust.example").await;
    let by_slug = |slug: &'static str| {
        let db = app.db().clone();
        async move {
            Event::find()
                .filter(event::Column::Slug.eq(slug))
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    // Going to one date of the forum series too (her apologies were for another answer).
    let forum = by_slug("northvale-open-data-forum").await;
    let date = Rsvp::find()
        .filter(entity::rsvp::Column::EventId.eq(forum.id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .occurrence;
    let resp = helen
        .post(
            &app,
            &format!("/events/northvale-open-data-forum/{date}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let mine = helen
        .get(&format!("{}/events/mine", app.url))
        .await
        .text()
        .await
        .unwrap();
    let start = mine.find("/calendar/personal/").unwrap();
    let end = start + mine[start..].find(".ics").unwrap() + 4;
    let ics = reqwest::get(format!("{}{}", app.url, &mine[start..end]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    let attendee = |partstat: &str| {
        json!({
            "address": "mailto:helen.mcallister@openstreets-trust.example",
            "cn": "Helen McAllister",
            "partstat": partstat,
        })
    };
    let camp = by_slug("open-data-camp-midshire").await;
    let hack = by_slug("bus-data-hack-day").await;
    let slot = convene::rsvp::slots::from_key(&forum, &[], &date).unwrap();
    let (local, domain) = forum.uid.split_once('@').unwrap();
    let tags = |id: i64| {
        let db = app.db().clone();
        async move {
            convene::events::queries::tags_for(&db, &[id])
                .await
                .unwrap()
                .remove(&id)
                .unwrap_or_default()
        }
    };
    let utc = |at: DateTime<Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let london = chrono_tz::Europe::London;
    let expected = json!([
        {
            "uid": camp.uid,
            "summary": camp.title,
            "categories": tags(camp.id).await,
            "status": "CONFIRMED",
            "all_day": true,
            "attendee": attendee("ACCEPTED"),
            "occurrences": [{
                "start": camp.starts_at.with_timezone(&london).format("%Y-%m-%d").to_string(),
                "end": camp.ends_at.with_timezone(&london).format("%Y-%m-%d").to_string(),
            }],
        },
        {
            "uid": hack.uid,
            "summary": format!("Waiting list: {}", hack.title),
            "categories": tags(hack.id).await,
            "status": "CONFIRMED",
            "all_day": false,
            "attendee": attendee("TENTATIVE"),
            "occurrences": [{ "start": utc(hack.starts_at), "end": utc(hack.ends_at), "tz": "Europe/London" }],
        },
        {
            "uid": format!("{local}-{}@{domain}", date.replace('-', "")),
            "summary": forum.title,
            "categories": tags(forum.id).await,
            "status": "CONFIRMED",
            "all_day": false,
            "attendee": attendee("ACCEPTED"),
            "occurrences": [{ "start": utc(slot.starts_at), "end": utc(slot.ends_at), "tz": "Europe/London" }],
        },
    ]);
    let out_dir = tempfile::tempdir().unwrap();
    std::fs::write(out_dir.path().join("personal.ics"), &ics).unwrap();
    std::fs::write(
        out_dir.path().join("personal.expect.json"),
        serde_json::to_string_pretty(&json!({
            "calname": "Open Data Forum: my events",
            "window": [utc(Utc::now() - chrono::Duration::days(30)), utc(Utc::now() + chrono::Duration::days(800))],
            "events": expected,
        }))
        .unwrap(),
    )
    .unwrap();
    let dir = repo("tests/calendar-clients");
    let python = checker_python();
    let (ok, out) = run(Command::new(&python)
        .arg(dir.join("check.py"))
        .arg(out_dir.path()));
    assert!(
        ok,
        "icalendar disagrees on the personal feed:\n{out}\n{ics}"
    );
    checker_node();
    let (ok, out) = run(Command::new("node")
        .arg(dir.join("check.mjs"))
        .arg(out_dir.path()));
    assert!(ok, "ical.js disagrees on the personal feed:\n{out}\n{ics}");
}
