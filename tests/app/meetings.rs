//! Meetings: the minutes' life cycle (draft, published, agreed, amended), actions carried
//! across meetings with their progress and the exact "Matters arising", attendance from
//! answers and the door, postponing, deferring an item, members' updates, bad input, who may
//! do what, the Markdown export, and the cost of a big meeting's page.

use std::sync::atomic::Ordering;

use chrono::{Duration, Utc};
use entity::meeting_action::ActionStatus;
use entity::{agenda_item, meeting, meeting_action, meeting_attendance, meeting_update};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, demo_app, read, signed_in, unescaped};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const MEI: &str = "mei.chen@eastmere-uni.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
/// A member with no role (Tom and Priya are admins in the demo).
const SAM: &str = "sam.whitfield@riverside-city.example";

/// The words of the part of a page from `id="..."` to the end of its section, without
/// mark-up and with runs of spaces made one.
fn section(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} on the page"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Adds a meeting through the form, as an admin; returns its address.
async fn add_meeting(app: &TestApp, admin: &Browser, date: &str, place: &str) -> String {
    let resp = admin
        .post(
            app,
            "/meetings/new",
            &[
                ("title", "Forum meeting"),
                ("date", date),
                ("start", "10:00"),
                ("end", "12:00"),
                ("place", place),
                ("chair", ""),
                ("secretary", ""),
                ("event", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "meeting on {date} added");
    location(&resp)
}

async fn find(app: &TestApp, href: &str) -> meeting::Model {
    let slug = href.trim_start_matches("/meetings/");
    meeting::Entity::find()
        .filter(meeting::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .unwrap()
        .expect("the meeting")
}

async fn add_item(app: &TestApp, who: &Browser, href: &str, title: &str, round_robin: bool) -> i64 {
    let mut form = vec![
        ("title", title),
        ("start_time", ""),
        ("presenters", ""),
        ("duration", ""),
        ("note", ""),
        ("position", ""),
    ];
    if round_robin {
        form.push(("round_robin", "on"));
    }
    let resp = who.post(app, &format!("{href}/agenda"), &form).await;
    assert_eq!(resp.status(), 303, "item {title} added");
    let m = find(app, href).await;
    agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(m.id))
        .filter(agenda_item::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn raise(app: &TestApp, who: &Browser, href: &str, owners: &str, text: &str) -> i64 {
    let resp = who
        .post(
            app,
            &format!("{href}/actions"),
            &[
                ("item", ""),
                ("owners", owners),
                ("text", text),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "action raised");
    meeting_action::Entity::find()
        .filter(meeting_action::Column::Text.eq(text))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn progress(app: &TestApp, who: &Browser, action: i64, at: &str, status: &str, note: &str) {
    let slug = at.trim_start_matches("/meetings/");
    let resp = who
        .post(
            app,
            &format!("/actions/{action}"),
            &[("status", status), ("note", note), ("meeting", slug)],
        )
        .await;
    assert_eq!(resp.status(), 303, "progress on {action}");
}

/// Three fresh meetings a fortnight apart, long after the demo's.
async fn three_meetings(app: &TestApp, admin: &Browser) -> [String; 3] {
    [
        add_meeting(app, admin, "2031-03-12", "County Hall").await,
        add_meeting(app, admin, "2031-05-14", "Civic Centre").await,
        add_meeting(app, admin, "2031-07-09", "University Library").await,
    ]
}

#[tokio::test]
async fn minutes_go_from_draft_to_published_to_agreed_and_then_only_take_amendments() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let member = signed_in(&app, MEI).await;
    let guest = Browser::new();
    let [first, second, _] = three_meetings(&app, &admin).await;
    let item = add_item(&app, &admin, &first, "Bus open data", false).await;
    let field = format!("item-{item}");

    let resp = admin
        .post(
            &app,
            &format!("{first}/minutes"),
            &[
                (field.as_str(), "AR showed the new feeds."),
                ("notes", "A good turnout."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&member, &app, &first).await;
    assert!(section(&html, "minutes").contains("Minutes: Draft"));
    assert!(
        html.contains("AR showed the new feeds."),
        "members read drafts"
    );
    let (_, html) = read(&guest, &app, &first).await;
    assert!(!html.contains("AR showed the new feeds."), "guests do not");

    // Agreeing needs published minutes.
    let resp = admin
        .post(&app, &format!("{second}/minutes/agree-previous"), &[])
        .await;
    assert_eq!(resp.status(), 409);
    let resp = admin
        .post(&app, &format!("{first}/minutes/publish"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&guest, &app, &first).await;
    assert!(
        html.contains("AR showed the new feeds."),
        "published minutes are public"
    );
    assert!(section(&html, "minutes").contains("Published, to be agreed at the next meeting"));

    let resp = admin
        .post(&app, &format!("{second}/minutes/agree-previous"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let m = find(&app, &first).await;
    assert_eq!(m.minutes_status, meeting::MinutesStatus::Agreed);
    assert_eq!(
        m.agreed_at_meeting_id,
        Some(find(&app, &second).await.id),
        "which meeting agreed them"
    );
    let (_, html) = read(&guest, &app, &first).await;
    assert!(
        section(&html, "minutes")
            .contains("Minutes: Agreed at the meeting of Wednesday 14 May 2031")
    );
    let (_, html) = read(&guest, &app, &second).await;
    assert!(section(&html, "minutes").contains(
        "The minutes of the last meeting (Wednesday 12 March 2031, 10:00 to 12:00) were agreed."
    ));

    // Agreed minutes are read-only: the editor and a save are refused, nothing changes.
    let (status, html) = read(&admin, &app, &format!("{first}/minutes")).await;
    assert_eq!(status, 409);
    assert!(html.contains("Add an amendment"));
    let resp = admin
        .post(
            &app,
            &format!("{first}/minutes"),
            &[(field.as_str(), "Rewritten.")],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let kept = agenda_item::Entity::find_by_id(item)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.minutes.as_deref(), Some("AR showed the new feeds."));

    // An amendment without text is refused with the form refilled; then one is added, dated.
    let resp = admin
        .post(
            &app,
            &format!("{first}/minutes/amendments"),
            &[("item", &item.to_string()), ("text", "  ")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Write the correction"));
    let resp = admin
        .post(
            &app,
            &format!("{first}/minutes/amendments"),
            &[
                ("item", &item.to_string()),
                ("text", "For 'nightly' read 'hourly'."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let today = Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %B %Y")
        .to_string();
    let (_, html) = read(&guest, &app, &first).await;
    assert!(
        html.contains(&format!("Amended {today}:")),
        "dated amendment"
    );
    assert!(html.contains("For 'nightly' read 'hourly'."));
    // Members cannot publish, agree or amend.
    let resp = member
        .post(
            &app,
            &format!("{first}/minutes/amendments"),
            &[("text", "Mine")],
        )
        .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn actions_are_carried_from_meeting_to_meeting_until_closed() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let [first, second, third] = three_meetings(&app, &admin).await;
    let fourth = add_meeting(&app, &admin, "2031-09-10", "Town Hall").await;
    let camp = raise(
        &app,
        &admin,
        &first,
        "TO, HM",
        "to scope a Midlands open data camp",
    )
    .await;
    let feed = raise(&app, &admin, &first, "AR", "to share the feed validator").await;
    let owners: Vec<(Option<i64>, Option<String>)> = entity::action_owner::Entity::find()
        .filter(entity::action_owner::Column::ActionId.eq(camp))
        .order_by_asc(entity::action_owner::Column::Position)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|o| (o.user_id, o.name))
        .collect();
    assert!(
        owners
            .iter()
            .all(|(id, name)| id.is_some() && name.is_none()),
        "initials name members: {owners:?}"
    );

    progress(
        &app,
        &admin,
        camp,
        &second,
        "in_progress",
        "Two venues approached.",
    )
    .await;
    progress(
        &app,
        &admin,
        feed,
        &second,
        "done",
        "Shared on the mailing list.",
    )
    .await;
    let guest = Browser::new();
    let (_, html) = read(&guest, &app, &second).await;
    let arising = section(&html, "matters-arising");
    assert!(
        arising.starts_with(
            "id=\"matters-arising\" aria-labelledby=\"arising-heading\" Matters arising"
        ) || arising.contains("Matters arising")
    );
    let expected_second = format!(
        "A{camp} TO, HM : to scope a Midlands open data camp In progress Raised Wednesday 12 March 2031, 10:00 to 12:00 \
         {} (at the meeting): In progress. Two venues approached. \
         A{feed} AR : to share the feed validator Complete Raised Wednesday 12 March 2031, 10:00 to 12:00 \
         {} (at the meeting): Complete. Shared on the mailing list.",
        today(),
        today()
    );
    assert!(
        arising.contains(&expected_second),
        "at the second meeting:\n{arising}\nexpected:\n{expected_second}"
    );
    assert!(!arising.contains("Closed since the last meeting"));

    // At the third, the camp is still open with its history; the validator, closed at the
    // second meeting and reported there, is not repeated.
    let (_, html) = read(&guest, &app, &third).await;
    let arising = section(&html, "matters-arising");
    assert!(arising.contains(&format!(
        "A{camp} TO, HM : to scope a Midlands open data camp In progress"
    )));
    assert!(arising.contains("(at the meeting): In progress. Two venues approached."));
    assert!(!arising.contains(&format!("A{feed} ")), "{arising}");
    progress(
        &app,
        &admin,
        camp,
        &third,
        "in_progress",
        "Venue confirmed for April.",
    )
    .await;

    // Closed by its owner between meetings: "closed since" at the fourth. (The clock moves
    // to between the third and the fourth; a new sign-in, as sessions do not last years.)
    let between = chrono::DateTime::parse_from_rfc3339("2031-08-01T12:00:00Z").unwrap();
    app.clock.advance(between.with_timezone(&Utc) - Utc::now());
    let tom = signed_in(&app, TOM).await;
    let resp = tom
        .post(
            &app,
            &format!("/actions/{camp}"),
            &[
                ("status", "done"),
                ("note", "Camp booked."),
                ("meeting", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "owners record their own progress");
    let (_, html) = read(&guest, &app, &fourth).await;
    let arising = section(&html, "matters-arising");
    let (open, closed) = arising
        .split_once("Closed since the last meeting")
        .unwrap_or_else(|| panic!("nothing closed since: {arising}"));
    assert!(!open.contains(&format!("A{camp} ")), "{arising}");
    assert!(
        closed.starts_with(&format!(
            " A{camp} TO, HM : to scope a Midlands open data camp Complete"
        )),
        "{arising}"
    );
    let (_, html) = read(&guest, &app, &format!("/actions/{camp}")).await;
    assert!(html.contains("Venue confirmed for April."));
    assert!(html.contains("Camp booked."));

    // A member who owns nothing cannot record progress.
    let mei = signed_in(&app, MEI).await;
    let resp = mei
        .post(
            &app,
            &format!("/actions/{feed}"),
            &[("status", "open"), ("note", ""), ("meeting", "")],
        )
        .await;
    assert_eq!(resp.status(), 403);

    // The tracker: open ones, mine, overdue.
    let (status, html) = read(&tom, &app, "/actions?mine=1&status=all").await;
    assert!(
        html.contains("to scope a Midlands open data camp"),
        "{status} {}",
        section(&html, "main")
    );
    assert!(!html.contains("to share the feed validator"));
    // These minutes are not published: a member reads their actions, a visitor does not.
    let (_, html) = read(&mei, &app, "/actions?status=done").await;
    assert!(html.contains("to share the feed validator") && html.contains("to scope a Midlands"));
    let (_, html) = read(&guest, &app, "/actions?status=all").await;
    assert!(!html.contains("to share the feed validator") && !html.contains("to scope a Midlands"));
    let (_, html) = read(
        &mei,
        &app,
        &format!(
            "/actions?status=all&meeting={}",
            first.trim_start_matches("/meetings/")
        ),
    )
    .await;
    assert!(html.contains("2 actions."), "filtered by meeting");
}

fn today() -> String {
    Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%-d %B %Y")
        .to_string()
}

#[tokio::test]
async fn attendance_is_filled_from_answers_then_from_the_door() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let next = meeting::Entity::find()
        .filter(meeting::Column::EventId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's next meeting is the forum series' next date");
    let href = format!("/meetings/{}", next.slug);
    let resp = admin
        .post(&app, &format!("{href}/attendance/fill"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&admin, &app, &href).await;
    let attendance = section(&html, "attendance");
    for name in [
        "Priya Shah (PS), Northvale County Council",
        "Gareth Lloyd (GL)",
        "Aisha Rahman (AR)",
        "Mei Chen (MC)",
        "Sam Whitfield (SW)",
        "Cllr Jo Marsh, Northvale Council",
    ] {
        assert!(attendance.contains(name), "{name} in {attendance}");
    }
    assert!(
        attendance.contains("Apologies Helen McAllister (HM), Open Streets Trust"),
        "{attendance}"
    );

    // At the door only Priya and Mei are ticked in: the others who answered did not come.
    let e = entity::event::Entity::find_by_id(next.event_id.unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let answers = entity::rsvp::Entity::find()
        .filter(entity::rsvp::Column::EventId.eq(e.id))
        .filter(entity::rsvp::Column::Occurrence.eq(next.occurrence.clone()))
        .all(app.db())
        .await
        .unwrap();
    for email in [PRIYA, MEI] {
        let u = entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(email))
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        let a = answers.iter().find(|a| a.user_id == Some(u.id)).unwrap();
        let resp = admin
            .post(
                &app,
                &format!("/events/{}/attendees/{}/check-in", e.slug, a.id),
                &[("here", "yes"), ("back", "")],
            )
            .await;
        assert!(
            resp.status().is_redirection(),
            "ticked in: {}",
            resp.status()
        );
    }
    // An officer adds someone by hand: kept whatever the answers say.
    let resp = admin
        .post(
            &app,
            &format!("{href}/attendance"),
            &[
                ("person", "Ruth Adeyemi"),
                ("organisation", "Midshire Libraries"),
                ("status", "attended"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(&app, &format!("{href}/attendance/fill"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let rows = meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::MeetingId.eq(next.id))
        .all(app.db())
        .await
        .unwrap();
    let mut attended: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == meeting_attendance::Presence::Attended)
        .map(|r| r.name.as_str())
        .collect();
    attended.sort();
    assert_eq!(attended, ["Mei Chen", "Priya Shah", "Ruth Adeyemi"]);
    let apologies: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == meeting_attendance::Presence::Apologies)
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(apologies, ["Helen McAllister"]);

    // Bad input: no name, no choice.
    let resp = admin
        .post(
            &app,
            &format!("{href}/attendance"),
            &[("person", ""), ("status", "")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Enter a member's initials or a person's name."));
    assert!(html.contains("Choose Attended or Apologies."));
    // A meeting without an event cannot be filled from answers.
    let lone = add_meeting(&app, &admin, "2031-03-12", "County Hall").await;
    let resp = admin
        .post(&app, &format!("{lone}/attendance/fill"), &[])
        .await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn a_postponed_meeting_keeps_its_agenda_updates_and_address() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let href = add_meeting(&app, &admin, "2031-03-12", "County Hall").await;
    add_item(&app, &admin, &href, "Round-robin", true).await;
    let tom = signed_in(&app, TOM).await;
    let resp = tom
        .post(
            &app,
            &format!("{href}/update"),
            &[("body", "**Eastmere** opened its reading lists.")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let resp = admin
        .post(
            &app,
            &format!("{href}/postpone"),
            &[
                ("date", "2031-03-19"),
                ("start", "10:00"),
                ("end", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422, "a reason is needed");
    let resp = admin
        .post(
            &app,
            &format!("{href}/postpone"),
            &[
                ("date", "2031-03-19"),
                ("start", "10:00"),
                ("end", ""),
                ("reason", "The room is needed for the count."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), href, "the same address");
    let (_, html) = read(&tom, &app, &href).await;
    let main = section(&html, "main");
    assert!(
        main.contains("Postponed This meeting was to be held on Wednesday 12 March 2031, 10:00. The room is needed for the count."),
        "{main}"
    );
    assert!(html.contains("Wednesday 19 March 2031"));
    assert!(html.contains("Round-robin"));
    assert!(html.contains("<strong>Eastmere</strong> opened its reading lists."));

    // Once minutes are written it has taken place: no postponing.
    let resp = admin
        .post(&app, &format!("{href}/minutes"), &[("notes", "Held.")])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(
            &app,
            &format!("{href}/postpone"),
            &[
                ("date", "2031-03-26"),
                ("start", "10:00"),
                ("end", ""),
                ("reason", "Again."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn an_item_not_reached_goes_to_the_next_agenda_with_its_note() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let first = add_meeting(&app, &admin, "2031-03-12", "County Hall").await;
    let item = add_item(&app, &admin, &first, "Open data in schools", false).await;
    let resp = admin
        .post(
            &app,
            &format!("{first}/agenda/{item}/defer"),
            &[(
                "note",
                "Postponed to allow more time for the presentations.",
            )],
        )
        .await;
    assert_eq!(resp.status(), 409, "no later meeting yet");
    let second = add_meeting(&app, &admin, "2031-05-14", "Civic Centre").await;
    let resp = admin
        .post(
            &app,
            &format!("{first}/agenda/{item}/defer"),
            &[(
                "note",
                "Postponed to allow more time for the presentations.",
            )],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&admin, &app, &second).await;
    let agenda = section(&html, "agenda");
    assert!(agenda.contains("Open data in schools Deferred from the meeting of Wednesday 12 March 2031, 10:00 to 12:00 : Postponed to allow more time for the presentations."), "{agenda}");
    let (_, html) = read(&admin, &app, &first).await;
    assert!(
        section(&html, "agenda")
            .contains("Not reached Deferred to the meeting of Wednesday 14 May 2031")
    );
    let resp = admin
        .post(
            &app,
            &format!("{first}/agenda/{item}/defer"),
            &[("note", "")],
        )
        .await;
    assert_eq!(resp.status(), 409, "only once");
}

#[tokio::test]
async fn agenda_times_that_overlap_are_a_warning_and_unpublished_agendas_are_private() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let href = add_meeting(&app, &admin, "2031-03-12", "County Hall").await;
    for (title, start, minutes) in [("Welcome", "10:00", "30"), ("Bus data", "10:10", "20")] {
        let resp = admin
            .post(
                &app,
                &format!("{href}/agenda"),
                &[
                    ("title", title),
                    ("start_time", start),
                    ("duration", minutes),
                    ("presenters", ""),
                    ("note", ""),
                    ("position", ""),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303, "a warning, not an error");
    }
    let (_, html) = read(&admin, &app, &href).await;
    assert!(html.contains("“Welcome” runs until 10:30, after “Bus data” starts at 10:10."));
    let member = signed_in(&app, SAM).await;
    let (_, html) = read(&member, &app, &href).await;
    assert!(!html.contains("Bus data") && html.contains("The agenda is not published yet."));
    let resp = admin
        .post(&app, &format!("{href}/agenda/publish"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&Browser::new(), &app, &href).await;
    assert!(html.contains("Bus data"));
    assert!(!html.contains("runs until"), "warnings are for officers");
    // A bad time, kept as typed.
    let resp = admin
        .post(
            &app,
            &format!("{href}/agenda"),
            &[
                ("title", "Lunch"),
                ("start_time", "25:00"),
                ("duration", "0"),
                ("presenters", ""),
                ("note", ""),
                ("position", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(
        html.contains("Enter a time such as 10:30") && html.contains("Enter minutes from 1 to 600")
    );
    assert!(html.contains("value=\"Lunch\""), "the form refilled");
}

#[tokio::test]
async fn members_write_only_their_own_update_and_only_before_the_start() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    // In two days, so that the clock can move past its start.
    let soon = (Utc::now() + Duration::days(2))
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d")
        .to_string();
    let href = add_meeting(&app, &admin, &soon, "County Hall").await;
    let m = find(&app, &href).await;
    let tom = signed_in(&app, TOM).await;
    let mei = signed_in(&app, MEI).await;
    tom.post(&app, &format!("{href}/update"), &[("body", "Tom's update")])
        .await;
    // Mei's save and withdrawal touch only hers.
    mei.post(&app, &format!("{href}/update"), &[("body", "Mei's update")])
        .await;
    let resp = mei
        .post(&app, &format!("{href}/update/withdraw"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let left: Vec<String> = meeting_update::Entity::find()
        .filter(meeting_update::Column::MeetingId.eq(m.id))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.body)
        .collect();
    assert_eq!(left, ["Tom's update"]);
    // Too long: refused, kept as typed.
    let long = "x".repeat(6001);
    let resp = tom
        .post(&app, &format!("{href}/update"), &[("body", &long)])
        .await;
    assert_eq!(resp.status(), 422);
    // Double clicks: one update, the last text.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (tom, app_url, token) = (
            tom.client.clone(),
            app.url.clone(),
            tom.csrf_token(&app).await,
        );
        let href = href.clone();
        tasks.push(tokio::spawn(async move {
            tom.post(format!("{app_url}{href}/update"))
                .form(&[("body", format!("Version {n}")), ("csrf_token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 303);
    }
    let mine = meeting_update::Entity::find()
        .filter(meeting_update::Column::MeetingId.eq(m.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(mine, 1, "one update per member");
    // After the start: closed.
    app.clock
        .advance(m.starts_at - Utc::now() + Duration::minutes(1));
    let resp = tom
        .post(&app, &format!("{href}/update"), &[("body", "Late")])
        .await;
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn bad_input_is_explained_and_nothing_is_lost() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let href = add_meeting(&app, &admin, "2031-03-12", "County Hall").await;
    let resp = admin
        .post(
            &app,
            &format!("{href}/actions"),
            &[("item", ""), ("owners", ""), ("text", ""), ("due", "soon")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Say what is to be done."));
    assert!(html.contains("Name who will do it"));
    assert!(html.contains("Enter a date such as"));
    assert!(html.contains("value=\"soon\""), "refilled");
    assert_eq!(
        meeting_action::Entity::find()
            .filter(meeting_action::Column::MeetingId.eq(find(&app, &href).await.id))
            .count(app.db())
            .await
            .unwrap(),
        0
    );

    // Minutes: a problem in one item's text is shown beside that item, the rest kept.
    let welcome = add_item(&app, &admin, &href, "Welcome", false).await;
    let data = add_item(&app, &admin, &href, "Bus data", false).await;
    let welcome_field = format!("item-{welcome}");
    let data_field = format!("item-{data}");
    let resp = admin
        .post(
            &app,
            &format!("{href}/minutes"),
            &[
                (welcome_field.as_str(), "PS welcomed everyone."),
                (data_field.as_str(), "AR showed\u{202e} the feed."),
                ("notes", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(
        html.contains(&format!("<li><a href=\"#{data_field}\">2. Bus data: ")),
        "the summary names the item and links to its box"
    );
    assert!(html.contains(&format!("id=\"{data_field}-error\"")));
    assert!(html.contains(&format!(
        "<textarea id=\"{data_field}\" name=\"{data_field}\" rows=\"5\" aria-invalid=\"true\" aria-describedby=\"{data_field}-error\">"
    )));
    assert!(
        html.contains("PS welcomed everyone.</textarea>"),
        "the other item is kept"
    );
    assert!(!html.contains(&format!("id=\"{welcome_field}-error\"")));
    assert!(
        find(&app, &href).await.minutes_notes.is_none(),
        "nothing saved"
    );

    let resp = admin
        .post(
            &app,
            "/meetings/new",
            &[
                ("title", ""),
                ("date", "2031-02-30"),
                ("start", "10:00"),
                ("end", ""),
                ("place", "Hall"),
                ("chair", "999999"),
                ("secretary", ""),
                ("event", "/events/no-such-event"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(
        html.contains("Enter a title") && html.contains("Enter the date"),
        "{html}"
    );
    assert!(html.contains("Choose a member from the list."));

    // Initials already taken by an active member.
    let gareth = signed_in(&app, GARETH).await;
    let resp = gareth
        .post(
            &app,
            "/profile",
            &[
                ("display_name", "Gareth Lloyd"),
                ("organisation", "Riverside City Council"),
                ("initials", "ps"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Another member already uses PS."));
    assert!(html.contains("value=\"ps\""));
    let resp = gareth
        .post(
            &app,
            "/profile",
            &[
                ("display_name", "Gareth Lloyd"),
                ("organisation", "Riverside City Council"),
                ("initials", "glw"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let g = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(GARETH))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.initials.as_deref(), Some("GLW"));

    // Members may not write agendas or minutes, nor add meetings.
    let sam = signed_in(&app, SAM).await;
    for path in ["/agenda/publish", "/minutes/publish", "/attendance/fill"] {
        let resp = sam.post(&app, &format!("{href}{path}"), &[]).await;
        assert_eq!(resp.status(), 403, "{path}");
    }
    let resp = sam.post(&app, "/meetings/new", &[("title", "Mine")]).await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn the_markdown_export_holds_agenda_attendance_minutes_and_actions() {
    let app = demo_app(&[]).await;
    let past = meeting::Entity::find()
        .filter(meeting::Column::MinutesStatus.eq(meeting::MinutesStatus::Published))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's last meeting, minutes published");
    let resp = Browser::new()
        .get(&format!("{}/meetings/{}/minutes.md", app.url, past.slug))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    let text = resp.text().await.unwrap();
    for expected in [
        "# Forum meeting: ",
        "- **Place:** University of Eastmere, Library Seminar Room",
        "- **Chair:** Priya Shah",
        "**Present:**",
        "- Helen McAllister (HM), Open Streets Trust",
        "**Apologies:**",
        "- Tom Okafor (TO), University of Eastmere",
        "The minutes of the last meeting (",
        "## Matters arising",
        "GL, PS: GL to liaise with PS re feasibility of a Midlands open data camp — In progress",
        "### 3. 10:25 Community mapping: street furniture and step-free routes",
        "HM showed the Trust's mapping",
        "Minutes: Published, to be agreed at the next meeting.",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // The upcoming meeting's updates are for members: not in a guest's export.
    let next = meeting::Entity::find()
        .filter(meeting::Column::EventId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let guest = Browser::new()
        .get(&format!("{}/meetings/{}/minutes.md", app.url, next.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(!guest.contains("Update from"));
    let member = signed_in(&app, HELEN).await;
    let theirs = member
        .get(&format!("{}/meetings/{}/minutes.md", app.url, next.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(theirs.contains("#### Update from Helen McAllister"));
}

/// A big meeting costs the same number of statements as a small one.
#[tokio::test]
async fn a_meeting_page_costs_a_fixed_number_of_queries() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let earlier = add_meeting(&app, &admin, "2031-01-14", "County Hall").await;
    let href = add_meeting(&app, &admin, "2031-03-12", "Civic Centre").await;
    let count = |path: String| {
        let url = format!("{}{path}", app.url);
        let counter = app.state.statements.clone();
        let client = admin.client.clone();
        async move {
            let before = counter.load(Ordering::SeqCst);
            let resp = client.get(&url).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{url}");
            let _ = resp.text().await;
            counter.load(Ordering::SeqCst) - before
        }
    };
    add_item(&app, &admin, &href, "Item 0", true).await;
    raise(&app, &admin, &earlier, "TO", "Early action 0").await;
    raise(&app, &admin, &href, "PS", "Action 0").await;
    admin
        .post(
            &app,
            &format!("{href}/attendance"),
            &[
                ("person", "Guest 0"),
                ("organisation", "Org"),
                ("status", "attended"),
            ],
        )
        .await;
    let small = count(href.clone()).await;

    // 30 items, 40 attendees, 100 actions (half carried from the earlier meeting), with
    // owners and progress notes.
    let m = find(&app, &href).await;
    let e = find(&app, &earlier).await;
    let actor = convene::actor::Actor::from(
        &entity::user::Entity::find()
            .filter(entity::user::Column::Email.eq(PRIYA))
            .one(app.db())
            .await
            .unwrap()
            .unwrap(),
    );
    let now = Utc::now();
    use convene::meetings::{forms, workflow};
    for n in 1..30 {
        let input = forms::ItemInput {
            title: format!("Item {n}"),
            start_time: None,
            presenters: Some("PS".into()),
            duration_minutes: Some(5),
            note: Some("A *note*".into()),
            round_robin: false,
            position: None,
        };
        workflow::add_item(app.db(), &actor, m.id, input, now)
            .await
            .unwrap();
    }
    for n in 1..40 {
        let input = forms::AttendeeInput {
            person: format!("Guest {n}"),
            organisation: Some("Org".into()),
            attended: n % 5 != 0,
        };
        workflow::add_attendee(app.db(), &actor, m.id, input, now)
            .await
            .unwrap();
    }
    let items = convene::meetings::queries::items(app.db(), m.id)
        .await
        .unwrap();
    for n in 1..50 {
        let input = forms::ActionInput {
            item_id: Some(items[n % items.len()].id),
            owners: vec!["PS".into(), format!("Helper {n}")],
            text: format!("Action {n}"),
            due_on: None,
        };
        workflow::raise_action(app.db(), &actor, m.id, input, now)
            .await
            .unwrap();
        let input = forms::ActionInput {
            item_id: None,
            owners: vec!["TO".into()],
            text: format!("Early action {n}"),
            due_on: None,
        };
        let a = workflow::raise_action(app.db(), &actor, e.id, input, now)
            .await
            .unwrap();
        let note = forms::ProgressInput {
            status: ActionStatus::InProgress,
            note: Some(format!("Note {n}")),
        };
        workflow::record_progress(app.db(), &actor, a.id, Some(m.id), note, now)
            .await
            .unwrap();
    }
    let (_, html) = read(&admin, &app, &href).await;
    assert!(
        html.contains("Item 29")
            && html.contains("Guest 39")
            && html.contains("Early action 49")
            && html.contains("Action 49")
    );
    let large = count(href.clone()).await;
    assert!(small > 0, "the counter counts");
    assert_eq!(large, small, "statements for the meeting's page");
}

#[tokio::test]
async fn old_minutes_pasted_as_html_become_an_archived_meeting() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let html = "<html><head><style>p{}</style></head><body><nav>Home | Minutes</nav>\
        <h2>Present</h2><ul><li>Priya Shah (Chair), Northvale</li></ul>\
        <p>The notes of the last meeting were agreed.</p>\
        <p><strong>Action:</strong> PR to liaise with PW re feasibility of a Midlands open data camp.</p>\
        <script>track()</script></body></html>";
    let form = |date: &'static str, format: &'static str, text: &'static str| {
        vec![
            ("title", "Forum meeting"),
            ("date", date),
            ("place", "County Hall"),
            ("format", format),
            ("text", text),
        ]
    };
    // Not HTML or Markdown, or not in the past: refused, what was typed kept.
    let resp = admin
        .post(
            &app,
            "/meetings/import",
            &form("2019-03-13", "auto", "%PDF-1.4 binary"),
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(unescaped(&resp.text().await.unwrap()).contains("That is a PDF, Word or RTF file"));
    let resp = admin
        .post(
            &app,
            "/meetings/import",
            &form("2019-03-13", "html", "Just some words"),
        )
        .await;
    assert_eq!(resp.status(), 422);
    let resp = admin
        .post(&app, "/meetings/import", &form("2040-03-13", "auto", html))
        .await;
    assert_eq!(resp.status(), 422);
    assert!(unescaped(&resp.text().await.unwrap()).contains("Imports are for past meetings"));
    let member = signed_in(&app, SAM).await;
    let resp = member
        .post(&app, "/meetings/import", &form("2019-03-13", "auto", html))
        .await;
    assert_eq!(resp.status(), 403);

    let resp = admin
        .post(&app, "/meetings/import", &form("2019-03-13", "auto", html))
        .await;
    assert_eq!(resp.status(), 303);
    let href = location(&resp);
    assert_eq!(href, "/meetings/2019-03-13-forum-meeting");
    let m = find(&app, &href).await;
    assert!(m.archived);
    assert_eq!(m.minutes_status, meeting::MinutesStatus::Agreed);
    let notes = m.minutes_notes.unwrap();
    assert!(
        notes.contains("## Present") && notes.contains("**Action:** PR to liaise"),
        "{notes}"
    );
    assert!(
        !notes.contains("track()") && !notes.contains("Home | Minutes"),
        "{notes}"
    );
    let (_, page_html) = read(&Browser::new(), &app, &href).await;
    assert!(page_html.contains("Brought in from the forum's old site."));
    assert!(page_html.contains("<strong>Action:</strong> PR to liaise with PW"));
    // Agreed: corrected by amendments only, but attendance can be tidied.
    let resp = admin
        .post(&app, &format!("{href}/minutes"), &[("notes", "Rewritten")])
        .await;
    assert_eq!(resp.status(), 409);
    let resp = admin
        .post(
            &app,
            &format!("{href}/attendance"),
            &[
                ("person", "PS"),
                ("organisation", ""),
                ("status", "attended"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
}

/// Eight clicks on "agreed" at once agree the minutes once, on both databases.
#[tokio::test]
async fn minutes_agreed_by_a_double_click_are_agreed_once() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let [first, second, _] = three_meetings(&app, &admin).await;
    admin
        .post(&app, &format!("{first}/minutes"), &[("notes", "Held.")])
        .await;
    admin
        .post(&app, &format!("{first}/minutes/publish"), &[])
        .await;
    let token = admin.csrf_token(&app).await;
    let mut clicks = Vec::new();
    for _ in 0..8 {
        let (client, url, token) = (
            admin.client.clone(),
            format!("{}{second}/minutes/agree-previous", app.url),
            token.clone(),
        );
        clicks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[("csrf_token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for c in clicks {
        statuses.push(c.await.unwrap());
    }
    statuses.sort();
    assert_eq!(statuses, [303, 409, 409, 409, 409, 409, 409, 409]);
    let m = find(&app, &first).await;
    let agreed = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("meeting.agree_minutes"))
        .filter(entity::audit_log::Column::TargetId.eq(m.id.to_string()))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(agreed, 1);
}

/// Pressing "Record the action" twice (or eight times at once) records it once.
#[tokio::test]
async fn an_action_recorded_by_a_double_click_is_recorded_once() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let href = add_meeting(&app, &admin, "2031-05-14", "County Hall").await;
    let token = admin.csrf_token(&app).await;
    let mut clicks = Vec::new();
    for _ in 0..8 {
        let (client, url, token) = (
            admin.client.clone(),
            format!("{}{href}/actions", app.url),
            token.clone(),
        );
        clicks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("item", ""),
                    ("owners", "TO"),
                    ("text", "to send round the bus stop survey"),
                    ("due", ""),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for c in clicks {
        assert_eq!(
            c.await.unwrap(),
            303,
            "each press ends on the meeting's page"
        );
    }
    let m = find(&app, &href).await;
    let actions = meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.eq(m.id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(actions.len(), 1);
    let owners = entity::action_owner::Entity::find()
        .filter(entity::action_owner::Column::ActionId.eq(actions[0].id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(owners, 1);
    // The same words for someone else, or other words, are another action.
    let resp = admin
        .post(
            &app,
            &format!("{href}/actions"),
            &[
                ("item", ""),
                ("owners", "HM"),
                ("text", "to send round the bus stop survey"),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    raise(
        &app,
        &admin,
        &href,
        "TO",
        "to send round the bus stop survey, part two",
    )
    .await;
    let count = meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.eq(m.id))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(count, 3);
}
