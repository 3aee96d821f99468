//! Who hears what by e-mail, as the outbox holds it (no mail server needed): people going to
//! an event that is postponed, or to a date of a series that is cancelled; its author, when
//! an admin did it; reminders the day before, with the calendar entry, once each; members'
//! choices on their profile; and the limit that stops a flood to one person.

use entity::outbox::{self, Status};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, date_starts, demo_app, signed_in};
use crate::oidc::Browser;

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const DAN: &str = "dan.kowalski@mail.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";

/// Messages of `kind` whose data mentions `about`.
async fn messages(app: &TestApp, kind: &str, about: &str) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(kind))
        .order_by_asc(outbox::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.data.contains(about))
        .collect()
}

fn addresses(ms: &[outbox::Model]) -> Vec<String> {
    let mut to: Vec<String> = ms.iter().map(|m| m.to_address.clone()).collect();
    to.sort();
    to
}

/// Hands out the announcements waiting now (the server does it every two seconds too).
async fn announcements(app: &TestApp) {
    convene::notify::announce::run_once(&app.state)
        .await
        .expect("announcements are handled");
}

/// The message as an admin reads it in the outbox.
async fn read(app: &TestApp, admin: &Browser, m: &outbox::Model) -> String {
    let resp = admin
        .get(&format!("{}/admin/outbox/{}", app.url, m.id))
        .await;
    assert_eq!(resp.status(), 200);
    crate::helpers::unescape(&resp.text().await.unwrap())
}

/// `member` submits an event called `title`, a month ahead; `admin` rejects it with `reason`.
async fn submit_and_reject(
    app: &TestApp,
    member: &Browser,
    admin: &Browser,
    title: &str,
    reason: &str,
) {
    let date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let resp = member
        .post(
            app,
            "/events/new",
            &[
                ("title", title),
                ("summary", "Open data about the canal."),
                ("time_zone", "Europe/London"),
                ("start_date", &date),
                ("start_time", "18:00"),
                ("end_date", &date),
                ("end_time", "20:00"),
                ("repeat", "none"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "{title} is submitted");
    let e = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = admin
        .post(
            app,
            &format!("/admin/moderation/events/{}/reject", e.id),
            &[("note", reason)],
        )
        .await;
    assert_eq!(resp.status(), 303, "{title} is rejected");
}

#[tokio::test]
async fn people_going_hear_when_their_event_is_postponed_and_its_author_hears_too() {
    let app = demo_app(&[]).await;
    let priya = signed_in(&app, PRIYA).await;
    let resp = priya
        .post(
            &app,
            "/events/bus-data-hack-day/postpone",
            &[("note", "The depot cannot host us that weekend.")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    // Two instances handing out announcements at once (with the server's own round): each
    // person is still told once.
    let (a, b) = tokio::join!(
        convene::notify::announce::run_once(&app.state),
        convene::notify::announce::run_once(&app.state)
    );
    a.unwrap();
    b.unwrap();
    announcements(&app).await;

    // Everyone going or waiting hears, but Priya, who did it (and was waiting).
    let told = messages(&app, "event-changed", "Bus Data Hack Day").await;
    let to = addresses(&told);
    assert_eq!(to.len(), 7, "{to:?}");
    for who in [AISHA, TOM, DAN, SAM, GARETH] {
        assert!(to.iter().any(|a| a == who), "{who} in {to:?}");
    }
    assert!(!to.iter().any(|a| a == PRIYA));
    let text = read(&app, &priya, &told[0]).await;
    assert!(text.contains("Postponed: Bus Data Hack Day"), "{text}");
    assert!(text.contains("a new date is to follow"));
    assert!(text.contains("The depot cannot host us that weekend."));

    // Its author hears that an admin postponed it, and why.
    let author = messages(&app, "event-altered", "Bus Data Hack Day").await;
    assert_eq!(addresses(&author), [AISHA]);
    let text = read(&app, &priya, &author[0]).await;
    assert!(
        text.contains("The admins postponed your event &quot;Bus Data Hack Day&quot;"),
        "{text}"
    );

    // Handled once: another round writes nothing more.
    announcements(&app).await;
    assert_eq!(
        messages(&app, "event-changed", "Bus Data Hack Day")
            .await
            .len(),
        7
    );
}

#[tokio::test]
async fn a_cancelled_date_of_a_series_is_told_to_those_going_to_that_date_only() {
    let app = demo_app(&[]).await;
    let priya = signed_in(&app, PRIYA).await;
    let series = priya
        .get(&format!("{}/events/open-data-surgery", app.url))
        .await
        .text()
        .await
        .unwrap();
    let starts = date_starts(&series);
    assert!(starts.len() >= 3, "{starts:?}");
    let day = |start: &str| {
        chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .with_timezone(&chrono_tz::Europe::London)
            .format("%Y-%m-%d")
            .to_string()
    };
    let (second, third) = (day(&starts[1]), day(&starts[2]));
    for (who, date) in [(GARETH, &second), (DAN, &second), (SAM, &third)] {
        let member = signed_in(&app, who).await;
        let resp = member
            .post(
                &app,
                &format!("/events/open-data-surgery/{date}/rsvp"),
                &[("answer", "going")],
            )
            .await;
        assert_eq!(resp.status(), 303, "{who} answers");
    }

    let resp = priya
        .post(
            &app,
            "/events/open-data-surgery/occurrences/cancel",
            &[
                ("start", starts[1].as_str()),
                ("note", "The Digital Hub is closed."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    announcements(&app).await;

    let told = messages(&app, "event-changed", "Open Data Surgery").await;
    assert_eq!(addresses(&told), [DAN, GARETH]);
    assert!(
        told[0]
            .data
            .contains(&format!("/events/open-data-surgery/{second}"))
    );
    let text = read(&app, &priya, &told[0]).await;
    assert!(text.contains("Cancelled: Open Data Surgery"), "{text}");
    assert!(text.contains("The Digital Hub is closed."));
    // The author (Tom) hears which date an admin cancelled.
    let author = messages(&app, "event-altered", "Open Data Surgery").await;
    assert_eq!(addresses(&author), [TOM]);
    let text = read(&app, &priya, &author[0]).await;
    let words = chrono::NaiveDate::parse_from_str(&second, "%Y-%m-%d")
        .unwrap()
        .format("The admins cancelled the %A %-d %B %Y date of your event")
        .to_string();
    assert!(text.contains(&words), "{words} in {text}");
}

#[tokio::test]
async fn a_reminder_goes_the_day_before_to_everyone_going_once_with_the_calendar_entry() {
    let app = demo_app(&[]).await;
    let e = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Bus Data Hack Day"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    // Gareth wants no reminders.
    let gareth = signed_in(&app, GARETH).await;
    let resp = gareth
        .post(
            &app,
            "/profile/mail",
            &[("decisions", "on"), ("changes", "on"), ("places", "on")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // Two days before: nothing yet.
    let now = chrono::Utc::now();
    app.clock
        .advance(e.starts_at - now - chrono::Duration::hours(48));
    convene::rsvp::notices::send_reminders(&app.state)
        .await
        .unwrap();
    assert!(
        messages(&app, "rsvp-reminder", "Bus Data Hack Day")
            .await
            .is_empty()
    );

    // Twenty hours before: the six going hear, but Gareth and Sam (who turned reminders off
    // in the demo); the two waiting do not.
    app.clock.advance(chrono::Duration::hours(28));
    let written = convene::rsvp::notices::send_reminders(&app.state)
        .await
        .unwrap();
    assert_eq!(written, 4);
    let reminders = messages(&app, "rsvp-reminder", "Bus Data Hack Day").await;
    let to = addresses(&reminders);
    assert_eq!(to.len(), 4, "{to:?}");
    assert!(!to.iter().any(|a| a == GARETH || a == SAM));
    assert!(!to.iter().any(|a| a == PRIYA), "Priya is waiting");
    // Mei takes her mail once a day, but a reminder cannot wait: it goes now.
    assert!(reminders.iter().all(|m| m.status == Status::Queued));
    let data: serde_json::Value = serde_json::from_str(&reminders[0].data).unwrap();
    let ics = data["attach"]["text"]
        .as_str()
        .unwrap()
        .replace("\r\n ", "");
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    assert!(ics.contains("SUMMARY:Bus Data Hack Day"), "{ics}");
    assert!(ics.contains(&format!("mailto:{}", reminders[0].to_address)));
    assert_eq!(data["attach"]["name"], "bus-data-hack-day.ics");
    let priya = signed_in(&app, PRIYA).await;
    let text = read(&app, &priya, &reminders[0]).await;
    assert!(text.contains("Tomorrow: Bus Data Hack Day"), "{text}");

    // Looking again writes no second reminder.
    app.clock.advance(chrono::Duration::minutes(10));
    let again = convene::rsvp::notices::send_reminders(&app.state)
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        messages(&app, "rsvp-reminder", "Bus Data Hack Day")
            .await
            .len(),
        4
    );
}

#[tokio::test]
async fn members_choose_what_they_receive_on_their_profile() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let page = gareth
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your events"));
    assert!(page.contains("Waiting list"));
    assert!(
        !page.contains("Events waiting for review"),
        "only admins are told of submissions"
    );
    let priya = signed_in(&app, PRIYA).await;
    let admin_page = priya
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(admin_page.contains("Events waiting for review"));

    // Gareth turns off news of his own events.
    let resp = gareth
        .post(
            &app,
            "/profile/mail",
            &[("changes", "on"), ("places", "on"), ("reminders", "on")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = gareth
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="topic-decisions" name="decisions" type="checkbox" value="on" aria-describedby="topic-decisions-hint">"#), "unticked");
    assert!(page.contains(r#"id="topic-places" name="places" type="checkbox" value="on" aria-describedby="topic-places-hint" checked>"#));

    // A decision about his event is then not written for him.
    submit_and_reject(
        &app,
        &gareth,
        &priya,
        "Towpath Data Walk",
        "The towpath is closed.",
    )
    .await;
    assert!(
        messages(&app, "event-decided", "Towpath Data Walk")
            .await
            .is_empty()
    );
    // The admins' news of his submission was still written (theirs is on).
    assert_eq!(
        messages(&app, "event-submitted", "Towpath Data Walk")
            .await
            .len(),
        2
    );

    // The form needs its CSRF token, and a signed-in member.
    let bare = crate::helpers::browser_client()
        .post(format!("{}/profile/mail", app.url))
        .form(&[("places", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 403);
    assert_eq!(
        Browser::new()
            .get(&format!("{}/profile/mail", app.url))
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn a_flood_of_messages_to_one_person_is_held_back_for_an_admin() {
    use convene::notify::outbox::{Enqueued, Mail, enqueue, recipient};
    let app = demo_app(&[]).await;
    let dan = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(DAN))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let to = recipient(app.db(), dan.id).await.unwrap().unwrap();
    let now = app.state.clock.now();
    let mut results = Vec::new();
    for n in 0..=convene::notify::outbox::PER_HOUR {
        let mail = Mail {
            kind: "rsvp-promoted",
            topic: convene::notify::topics::PLACES,
            to: &to,
            data: serde_json::json!({
                "title": format!("Loop {n}"),
                "starts_at": now.to_rfc3339(),
                "ends_at": now.to_rfc3339(),
                "all_day": false,
                "path": "/events",
            }),
            dedupe_key: format!("flood-test:{n}"),
        };
        results.push(enqueue(app.db(), mail, now).await.unwrap());
    }
    let last = results.pop().unwrap();
    assert!(results.iter().all(|r| *r == Enqueued::Queued));
    assert_eq!(last, Enqueued::Flooded);
    let held = messages(
        &app,
        "rsvp-promoted",
        &format!("Loop {}", convene::notify::outbox::PER_HOUR),
    )
    .await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].status, Status::Dead);
    assert!(held[0].last_error.as_deref().unwrap().contains("Held back"));

    // The same cause written twice is one message.
    let again = enqueue(
        app.db(),
        Mail {
            kind: "rsvp-promoted",
            topic: convene::notify::topics::PLACES,
            to: &to,
            data: serde_json::json!({}),
            dedupe_key: "flood-test:0".into(),
        },
        now,
    )
    .await
    .unwrap();
    assert_eq!(again, Enqueued::Duplicate);
}

#[tokio::test]
async fn the_weekly_digest_goes_once_a_week_to_those_who_ask_for_it() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let page = gareth
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"id="topic-digest" name="digest" type="checkbox" value="on" aria-describedby="topic-digest-hint">"#),
        "the digest is off until asked for"
    );
    let resp = gareth
        .post(
            &app,
            "/profile/mail",
            &[
                ("decisions", "on"),
                ("changes", "on"),
                ("places", "on"),
                ("reminders", "on"),
                ("digest", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // It is due from Monday 08:00 until the week ends.
    let london = chrono_tz::Europe::London;
    if convene::notify::digest::due_week(app.state.clock.now(), london).is_none() {
        app.clock.advance(chrono::Duration::hours(9));
    }
    let written = convene::notify::digest::send(&app.state).await.unwrap();
    assert_eq!(written, 2, "Gareth, and Dan in the demo, asked for it");
    let digests = messages(&app, "digest", "").await;
    assert_eq!(addresses(&digests), [DAN, GARETH]);
    let priya = signed_in(&app, PRIYA).await;
    let text = read(&app, &priya, &digests[0]).await;
    assert!(text.contains("This week at"), "{text}");
    assert!(text.contains("New events"));
    // The demo's events were published just now.
    assert!(text.contains("Bus Data Hack Day"));
    assert!(text.contains("/events/bus-data-hack-day"));
    assert!(
        !text.contains("Census Data Briefing"),
        "drafts are not in it"
    );

    // Once a week.
    app.clock.advance(chrono::Duration::hours(1));
    assert_eq!(convene::notify::digest::send(&app.state).await.unwrap(), 0);
}

#[tokio::test]
async fn a_member_who_takes_mail_once_a_day_gets_one_summary_of_what_waited() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let resp = gareth
        .post(
            &app,
            "/profile/mail",
            &[
                ("decisions", "on"),
                ("changes", "on"),
                ("places", "on"),
                ("reminders", "on"),
                ("delivery", "daily"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = gareth
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"id="delivery-daily" name="delivery" type="radio" value="daily" aria-describedby="delivery-daily-hint" checked>"#));

    // Two decisions about his events wait for the summary.
    let priya = signed_in(&app, PRIYA).await;
    for title in ["Towpath Data Walk", "Canal Sensors Meetup"] {
        submit_and_reject(
            &app,
            &gareth,
            &priya,
            title,
            "The canal is drained for repairs.",
        )
        .await;
    }
    let held = messages(&app, "event-decided", "Canal").await;
    assert_eq!(held.len(), 1);
    let waiting: Vec<_> = [
        messages(&app, "event-decided", "Towpath Data Walk").await,
        held,
    ]
    .concat();
    assert!(
        waiting.iter().all(|m| m.status == Status::Held),
        "{:?}",
        waiting
            .iter()
            .map(|m| (m.status, m.last_error.clone()))
            .collect::<Vec<_>>()
    );

    // From 07:00 (site time) the summary is written: one message with both.
    let london = chrono_tz::Europe::London;
    if convene::notify::daily::due_day(app.state.clock.now(), london).is_none() {
        app.clock.advance(chrono::Duration::hours(8));
    }
    assert_eq!(convene::notify::daily::send(&app.state).await.unwrap(), 1);
    let summary = messages(&app, "daily", "").await;
    assert_eq!(addresses(&summary), [GARETH]);
    let text = read(&app, &priya, &summary[0]).await;
    assert!(text.contains("2 messages"), "{text}");
    assert!(text.contains("Not published: Towpath Data Walk"));
    assert!(text.contains("Not published: Canal Sensors Meetup"));
    assert!(text.contains("The canal is drained for repairs."));
    for m in messages(&app, "event-decided", "Canal").await {
        assert_eq!(m.status, Status::Summarised);
    }
    // Nothing is summarised twice.
    assert_eq!(convene::notify::daily::send(&app.state).await.unwrap(), 0);
    assert_eq!(messages(&app, "daily", "").await.len(), 1);
}

/// Every member hears of a published agenda and published minutes (not whoever published
/// them); an action's owners hear it is theirs, then a week before it is due and once when
/// it is overdue; each of these stops with its own topic.
#[tokio::test]
async fn meetings_tell_members_of_agendas_minutes_and_their_actions() {
    let app = demo_app(&[]).await;
    let priya = signed_in(&app, PRIYA).await;
    let tom = signed_in(&app, TOM).await;
    // Tom turns meeting news off; his actions still reach him.
    let resp = tom
        .post(
            &app,
            "/profile/mail",
            &[
                ("delivery", "now"),
                ("decisions", "on"),
                ("changes", "on"),
                ("places", "on"),
                ("reminders", "on"),
                ("actions", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let date = (chrono::Utc::now() + chrono::Duration::days(40))
        .format("%Y-%m-%d")
        .to_string();
    let resp = priya
        .post(
            &app,
            "/meetings/new",
            &[
                ("title", "Forum meeting: street works"),
                ("date", &date),
                ("start", "10:00"),
                ("end", "12:00"),
                ("place", "County Hall, Committee Room 2"),
                ("chair", ""),
                ("secretary", ""),
                ("event", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let href = crate::oidc::location(&resp);
    for (title, rr) in [
        ("Welcome and apologies", false),
        ("Members' round-robin", true),
    ] {
        let mut form = vec![
            ("title", title),
            ("start_time", ""),
            ("presenters", "Chair"),
            ("duration", ""),
            ("note", ""),
            ("position", ""),
        ];
        if rr {
            form.push(("round_robin", "on"));
        }
        assert_eq!(
            priya
                .post(&app, &format!("{href}/agenda"), &form)
                .await
                .status(),
            303
        );
    }
    assert!(
        messages(&app, "meeting-agenda", "street works")
            .await
            .is_empty()
    );
    let resp = priya
        .post(&app, &format!("{href}/agenda/publish"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let agenda = messages(&app, "meeting-agenda", "street works").await;
    let to = addresses(&agenda);
    assert!(
        !to.contains(&PRIYA.to_string()),
        "not to whoever published it"
    );
    assert!(
        !to.contains(&TOM.to_string()),
        "Tom turned meeting news off"
    );
    assert!(
        !to.contains(&SAM.to_string()),
        "the demo's Sam wants no meeting news"
    );
    for member in [GARETH, DAN, AISHA] {
        assert!(to.contains(&member.to_string()), "{member}");
    }
    let text = read(&app, &priya, &agenda[0]).await;
    assert!(text.contains("Agenda: Forum meeting: street works"));
    assert!(text.contains("County Hall, Committee Room 2"));
    assert!(text.contains("round-robin (Chair)"));
    assert!(text.contains("you can write yours on the meeting"));
    // Publishing again tells nobody again.
    priya
        .post(&app, &format!("{href}/agenda/publish"), &[])
        .await;
    assert_eq!(
        messages(&app, "meeting-agenda", "street works").await.len(),
        agenda.len()
    );

    // An action for Tom and Gareth, raised by Priya, due in ten days.
    let zone = app.state.config.time_zone;
    let due = (chrono::Utc::now() + chrono::Duration::days(10))
        .with_timezone(&zone)
        .date_naive();
    let resp = priya
        .post(
            &app,
            &format!("{href}/actions"),
            &[
                ("item", ""),
                ("owners", "TO, GL, PS"),
                ("text", "to map the street works permits feed"),
                ("due", &due.format("%Y-%m-%d").to_string()),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let assigned = messages(&app, "action-assigned", "street works permits").await;
    assert_eq!(
        addresses(&assigned),
        [GARETH, TOM],
        "its members, not whoever raised it"
    );
    let text = read(&app, &priya, &assigned[0]).await;
    assert!(text.contains("this action was given to TO, GL, PS"));
    assert!(text.contains(&format!("Due by {}", due.format("%-d %B %Y"))));

    // Three days on, it is due in a week: each owner hears once, however often the round runs.
    app.clock.advance(chrono::Duration::days(3));
    convene::meetings::notices::send_due(&app.state)
        .await
        .unwrap();
    convene::meetings::notices::send_due(&app.state)
        .await
        .unwrap();
    let due_mail = messages(&app, "action-due", "street works permits").await;
    assert_eq!(addresses(&due_mail), [GARETH, PRIYA, TOM]);
    let priya = signed_in(&app, PRIYA).await;
    let text = read(&app, &priya, &due_mail[0]).await;
    assert!(text.contains("This action is due in a week"));

    // Overdue: once more each, then never again.
    app.clock.advance(chrono::Duration::days(8));
    convene::meetings::notices::send_due(&app.state)
        .await
        .unwrap();
    convene::meetings::notices::send_due(&app.state)
        .await
        .unwrap();
    let due_mail = messages(&app, "action-due", "street works permits").await;
    assert_eq!(due_mail.len(), 6);
    let priya = signed_in(&app, PRIYA).await;
    let text = read(&app, &priya, due_mail.last().unwrap()).await;
    assert!(text.contains("was due on"));
    assert!(text.contains("is still open"));

    // Minutes published: every member but the one who published them.
    priya
        .post(&app, &format!("{href}/minutes"), &[("notes", "Held.")])
        .await;
    let resp = priya
        .post(&app, &format!("{href}/minutes/publish"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let minutes = messages(&app, "meeting-minutes", "street works").await;
    assert!(addresses(&minutes).contains(&GARETH.to_string()));
    assert!(!addresses(&minutes).contains(&PRIYA.to_string()));
    let text = read(&app, &priya, &minutes[0]).await;
    assert!(text.contains("Minutes published: Forum meeting: street works"));
    assert!(text.contains("to be agreed at the next meeting"));
}
