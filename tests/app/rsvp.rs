//! RSVP: answering, changing and withdrawing; lunch numbers; the waiting list and who moves
//! up; places lowered with a question first; deadlines and what takes no answers; the privacy
//! of names and notes; guests, the sign-in sheet and the CSV; the personal feed and its reset;
//! retention and erasing one's history; and fifty members racing for the last five places.

use chrono::Duration;
use entity::event;
use entity::rsvp::{self, Response};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::helpers::{TestApp, demo_app, signed_in, unescape};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
const MEI: &str = "mei.chen@eastmere-uni.example";

const HACK_DAY: &str = "/events/bus-data-hack-day";
const CAMP: &str = "/events/open-data-camp-midshire";

async fn page(browser: &Browser, app: &TestApp, path: &str) -> String {
    unescape(
        &browser
            .get(&format!("{}{path}", app.url))
            .await
            .text()
            .await
            .unwrap(),
    )
}

async fn event_at(app: &TestApp, path: &str) -> event::Model {
    let slug = path.trim_start_matches("/events/");
    event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Every answer for an event, in waiting-list order.
async fn answers(app: &TestApp, event_id: i64) -> Vec<rsvp::Model> {
    rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(event_id))
        .order_by_asc(rsvp::Column::QueuedAt)
        .order_by_asc(rsvp::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

fn count(rows: &[rsvp::Model], response: Response) -> usize {
    rows.iter().filter(|r| r.response == response).count()
}

/// The text of an element with this id, tags stripped.
fn text_of(html: &str, id: &str) -> String {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest[open..].find("</").unwrap();
    rest[open..open + close].trim().to_string()
}

#[tokio::test]
async fn members_answer_change_their_minds_and_withdraw_with_lunch_counted() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let camp = event_at(&app, CAMP).await;

    // The demo: three members and a guest going, two staying for the evening social.
    let before = page(&gareth, &app, CAMP).await;
    assert_eq!(text_of(&before, "rsvp-going"), "4 of 150");
    assert_eq!(text_of(&before, "rsvp-extra"), "2");

    let resp = gareth
        .post(
            &app,
            &format!("{CAMP}/rsvp"),
            &[("answer", "going"), ("extra", "on"), ("note", "Vegetarian")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), CAMP);
    let after = page(&gareth, &app, CAMP).await;
    assert!(
        after.contains("and staying for evening social"),
        "the flash says so"
    );
    assert_eq!(text_of(&after, "rsvp-going"), "5 of 150");
    assert_eq!(text_of(&after, "rsvp-places-left"), "145");
    assert_eq!(text_of(&after, "rsvp-extra"), "3");
    assert!(text_of(&after, "rsvp-mine").contains("re going."));

    // Changing their mind: apologies, and no longer counted for the social.
    gareth
        .post(
            &app,
            &format!("{CAMP}/rsvp"),
            &[("answer", "cant"), ("extra", "on")],
        )
        .await;
    let mine = answers(&app, camp.id)
        .await
        .into_iter()
        .find(|r| r.user_id.is_some())
        .filter(|_| true);
    assert!(mine.is_some());
    let rows = answers(&app, camp.id).await;
    let gareth_id = user_id(&app, GARETH).await;
    let row = rows.iter().find(|r| r.user_id == Some(gareth_id)).unwrap();
    assert_eq!(row.response, Response::Apologies);
    assert!(
        !row.extra && row.note.is_none(),
        "apologies carry no lunch or note"
    );
    let page_now = page(&gareth, &app, CAMP).await;
    assert_eq!(text_of(&page_now, "rsvp-going"), "4 of 150");
    assert!(text_of(&page_now, "rsvp-mine").contains("apologies"));

    // Withdrawing takes the answer away altogether.
    gareth
        .post(&app, &format!("{CAMP}/rsvp"), &[("answer", "withdraw")])
        .await;
    let rows = answers(&app, camp.id).await;
    assert!(rows.iter().all(|r| r.user_id != Some(gareth_id)));
    assert!(!page(&gareth, &app, CAMP).await.contains("id=\"rsvp-mine\""));

    // A bad answer: the form again, refilled, with the message beside the field.
    let resp = gareth
        .post(
            &app,
            &format!("{CAMP}/rsvp"),
            &[("answer", "going"), ("note", "Step-free\u{202e} access")],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let html = unescape(&resp.text().await.unwrap());
    assert!(html.contains("right-to-left"));
    assert!(html.contains("Step-free"), "what was typed is kept");
    assert!(
        answers(&app, camp.id)
            .await
            .iter()
            .all(|r| r.user_id != Some(gareth_id))
    );
}

#[tokio::test]
async fn names_show_only_to_members_and_only_with_consent_and_notes_only_to_organisers() {
    let app = demo_app(&[]).await;
    let forum = event_at(&app, "/events/northvale-open-data-forum").await;
    let rows = answers(&app, forum.id).await;
    let date_page = format!("/events/northvale-open-data-forum/{}", rows[0].occurrence);

    // Mei keeps her name to herself.
    let mei = entity::user::Entity::find_by_id(user_id(&app, MEI).await)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut active: entity::user::ActiveModel = mei.into();
    active.listed_publicly = Set(false);
    active.update(app.db()).await.unwrap();

    let anonymous = page(&Browser::new(), &app, &date_page).await;
    assert_eq!(text_of(&anonymous, "rsvp-going"), "6 of 30");
    assert!(!anonymous.contains("Gareth Lloyd"), "no names for visitors");

    let member = signed_in(&app, HELEN).await;
    let seen = page(&member, &app, &date_page).await;
    assert!(seen.contains("Gareth Lloyd") && seen.contains("Riverside City Council"));
    assert!(!seen.contains("Mei Chen"), "she has not allowed it");
    assert!(
        !seen.contains("Cllr Jo Marsh"),
        "guests are not named to members"
    );
    assert!(
        seen.contains("2 more who keep their names to themselves") || seen.contains("And 2 more")
    );
    assert!(
        !seen.contains("Vegetarian") && !seen.contains("wheelchair"),
        "notes stay private"
    );
    assert_eq!(
        member
            .get(&format!("{}{date_page}/attendees", app.url))
            .await
            .status(),
        403
    );

    let organiser = signed_in(&app, PRIYA).await;
    let list = page(&organiser, &app, &format!("{date_page}/attendees")).await;
    assert!(list.contains("Vegetarian, please"));
    assert!(list.contains("Mei Chen") && list.contains("wheelchair"));
    // Four members and the councillor they invited stay for lunch.
    assert_eq!(text_of(&list, "count-extra"), "5");
}

#[tokio::test]
async fn a_full_event_queues_in_order_and_moves_people_up_at_once() {
    let app = demo_app(&[]).await;
    let hack = event_at(&app, HACK_DAY).await;
    let rows = answers(&app, hack.id).await;
    assert_eq!(count(&rows, Response::Going), 6);
    let waiting: Vec<Option<i64>> = rows
        .iter()
        .filter(|r| r.response == Response::Waiting)
        .map(|r| r.user_id)
        .collect();
    let helen = user_id(&app, HELEN).await;
    let priya = user_id(&app, PRIYA).await;
    assert_eq!(
        waiting,
        [Some(helen), Some(priya)],
        "in the order they answered"
    );

    let helen_browser = signed_in(&app, HELEN).await;
    let mine = page(&helen_browser, &app, "/events/mine").await;
    assert!(mine.contains("Waiting list: next in line"));
    let priya_browser = signed_in(&app, PRIYA).await;
    assert!(text_of(&page(&priya_browser, &app, HACK_DAY).await, "rsvp-mine").contains("number 2"));

    // Tom withdraws: Helen has his place at once.
    let tom = signed_in(&app, TOM).await;
    tom.post(&app, &format!("{HACK_DAY}/rsvp"), &[("answer", "withdraw")])
        .await;
    let rows = answers(&app, hack.id).await;
    assert_eq!(count(&rows, Response::Going), 6);
    assert_eq!(
        rows.iter()
            .find(|r| r.user_id == Some(helen))
            .unwrap()
            .response,
        Response::Going
    );
    let mine = page(&helen_browser, &app, "/events/mine").await;
    assert!(mine.contains("Bus Data Hack Day") && mine.contains(">Going<"));

    // The organiser raises the places: Priya moves up too.
    let aisha = signed_in(&app, AISHA).await;
    let resp = aisha
        .post(
            &app,
            &format!("{HACK_DAY}/places"),
            &[
                ("capacity", "8"),
                ("offers_extra", "on"),
                ("extra_label", "Lunch"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let rows = answers(&app, hack.id).await;
    assert_eq!(count(&rows, Response::Going), 7);
    assert_eq!(count(&rows, Response::Waiting), 0);
    let html = page(&aisha, &app, HACK_DAY).await;
    assert_eq!(text_of(&html, "rsvp-places-left"), "1");

    // Someone already going who answers again keeps their place (a double click).
    let before = answers(&app, hack.id).await;
    for _ in 0..2 {
        priya_browser
            .post(&app, &format!("{HACK_DAY}/rsvp"), &[("answer", "going")])
            .await;
    }
    assert_eq!(answers(&app, hack.id).await.len(), before.len());
}

#[tokio::test]
async fn fewer_places_than_people_going_needs_the_organisers_confirmation() {
    let app = demo_app(&[]).await;
    let hack = event_at(&app, HACK_DAY).await;
    let aisha = signed_in(&app, AISHA).await;
    let form = [
        ("capacity", "4"),
        ("offers_extra", "on"),
        ("extra_label", "Lunch"),
    ];
    let resp = aisha.post(&app, &format!("{HACK_DAY}/places"), &form).await;
    assert_eq!(resp.status(), 409);
    let html = unescape(&resp.text().await.unwrap());
    // The last two to answer would lose their places: Mei and Gareth.
    assert!(
        html.contains("Mei Chen") && html.contains("Gareth Lloyd"),
        "{html}"
    );
    assert!(!html.contains("Dan Kowalski"));
    assert_eq!(
        event_at(&app, HACK_DAY).await.capacity,
        Some(6),
        "nothing changed yet"
    );

    let mut confirmed = form.to_vec();
    confirmed.push(("confirm", "yes"));
    let resp = aisha
        .post(&app, &format!("{HACK_DAY}/places"), &confirmed)
        .await;
    assert_eq!(resp.status(), 303);
    let rows = answers(&app, hack.id).await;
    assert_eq!(count(&rows, Response::Going), 4);
    let line: Vec<i64> = rows
        .iter()
        .filter(|r| r.response == Response::Waiting)
        .filter_map(|r| r.user_id)
        .collect();
    let expected = [
        user_id(&app, MEI).await,
        user_id(&app, GARETH).await,
        user_id(&app, HELEN).await,
        user_id(&app, PRIYA).await,
    ];
    assert_eq!(
        line, expected,
        "those who lost their places are first in line"
    );
    let audit = page(&signed_in(&app, PRIYA).await, &app, "/admin/audit").await;
    assert!(audit.contains("Lowered the places"));

    // Not the organiser (nor an admin): refused.
    let dan = signed_in(&app, "dan.kowalski@mail.example").await;
    assert_eq!(
        dan.post(&app, &format!("{HACK_DAY}/places"), &form)
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn what_takes_no_answers_says_so_and_changes_nothing() {
    let app = demo_app(&[("auth.sign_in_attempts_per_minute", "1000")]).await;
    let gareth = signed_in(&app, GARETH).await;
    let going = [("answer", "going")];

    // A cancelled event, a postponed one, one somebody else submitted for approval.
    let resp = gareth
        .post(&app, "/events/air-quality-sensors-workshop/rsvp", &going)
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("cancelled"));
    let resp = gareth
        .post(&app, "/events/river-levels-data-walk/rsvp", &going)
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("postponed"));
    let gareth_id = user_id(&app, GARETH).await;
    let draft = event::Entity::find()
        .filter(event::Column::Status.eq(event::EventStatus::Submitted))
        .filter(event::Column::AuthorId.ne(gareth_id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        gareth
            .post(&app, &format!("/events/{}/rsvp", draft.slug), &going)
            .await
            .status(),
        404
    );

    // An event that has taken place.
    let resp = gareth
        .post(&app, "/events/open-data-day-northvale/rsvp", &going)
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("has taken place"));

    // A series needs a date, and one it meets on; a one-off event has no dates.
    let forum = event_at(&app, "/events/northvale-open-data-forum").await;
    let date = answers(&app, forum.id).await[0].occurrence.clone();
    assert_eq!(
        gareth
            .post(&app, "/events/northvale-open-data-forum/rsvp", &going)
            .await
            .status(),
        404
    );
    let next_day = (chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap()
        + Duration::days(1))
    .format("%Y-%m-%d")
    .to_string();
    assert_eq!(
        gareth
            .post(
                &app,
                &format!("/events/northvale-open-data-forum/{next_day}/rsvp"),
                &going
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        gareth
            .post(&app, &format!("{CAMP}/2027-01-01/rsvp"), &going)
            .await
            .status(),
        404
    );

    // Anonymous visitors sign in first.
    let resp = Browser::new()
        .post(&app, &format!("{CAMP}/rsvp"), &going)
        .await;
    assert_ne!(resp.status(), 303, "not taken");
    assert!(resp.status() == 401 || resp.status() == 303);

    // The forum's answers close 48 hours before: two days and a bit before, it is too late.
    let starts = answers(&app, forum.id).await;
    assert!(!starts.is_empty());
    let date_start = convene::rsvp::slots::from_key(&forum, &[], &date)
        .expect("the date")
        .starts_at;
    let now = app.state.clock.now();
    app.clock.advance(date_start - now - Duration::hours(47));
    // Weeks later: a new session.
    let gareth = signed_in(&app, GARETH).await;
    let resp = gareth
        .post(
            &app,
            &format!("/events/northvale-open-data-forum/{date}/rsvp"),
            &going,
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("deadline"));
    let mine = answers(&app, forum.id)
        .await
        .into_iter()
        .find(|r| r.user_id == Some(gareth_id))
        .unwrap();
    assert_eq!(
        mine.response,
        Response::Going,
        "the answer given before stays"
    );
}

#[tokio::test]
async fn guests_the_sign_in_sheet_attendance_and_a_formula_safe_csv() {
    let app = demo_app(&[]).await;
    let aisha = signed_in(&app, AISHA).await;
    let hack = event_at(&app, HACK_DAY).await;

    // A guest when it is full joins the waiting list.
    let resp = aisha
        .post(
            &app,
            &format!("{HACK_DAY}/attendees/guests"),
            &[
                ("guest_name", "=HYPERLINK(\"http://evil.example\",\"Sam\")"),
                ("guest_organisation", "Eastmere, \"Data\" Club"),
                ("guest_email", "sam@club.example"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let rows = answers(&app, hack.id).await;
    let guest = rows.iter().find(|r| r.user_id.is_none()).unwrap();
    assert_eq!(guest.response, Response::Waiting);
    assert_eq!(
        count(&rows, Response::Going),
        6,
        "never more than the places"
    );

    // A guest needs a name; the form comes back as typed.
    let resp = aisha
        .post(
            &app,
            &format!("{HACK_DAY}/attendees/guests"),
            &[("guest_name", " "), ("guest_organisation", "Kept Ltd")],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let html = unescape(&resp.text().await.unwrap());
    assert!(html.contains("Enter the guest") && html.contains("Kept Ltd"));

    // The CSV: every answer, quoted as RFC 4180 says, no formula runs.
    let resp = aisha
        .get(&format!("{}{HACK_DAY}/attendees.csv", app.url))
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("Name,Organisation,Guest email,Answer,Place on the waiting list,Lunch,Note,Checked in,Answered\r\n"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"Sam\"\")\""),
        "{csv}"
    );
    assert!(csv.contains("\"Eastmere, \"\"Data\"\" Club\""));
    assert!(csv.contains("Dan Kowalski,") && csv.contains("Vegan"));
    assert_eq!(
        csv.matches("\r\n").count(),
        rows.len() + 1,
        "a header and a line each"
    );

    // At the door: ticked on the sheet, shown as here, untick possible.
    let dan = rows
        .iter()
        .find(|r| r.note.as_deref() == Some("Vegan"))
        .unwrap();
    let resp = aisha
        .post(
            &app,
            &format!("{HACK_DAY}/attendees/{}/check-in", dan.id),
            &[("here", "yes")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).ends_with(&format!("/attendees/sheet#attendee-{}", dan.id)));
    let sheet = page(&aisha, &app, &format!("{HACK_DAY}/attendees/sheet")).await;
    assert!(sheet.contains("1 of 6 here."));
    assert!(sheet.contains("Here at "));
    let checked = rsvp::Entity::find_by_id(dan.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(checked.checked_in_at.is_some());
    aisha
        .post(
            &app,
            &format!("{HACK_DAY}/attendees/{}/check-in", dan.id),
            &[("here", "no")],
        )
        .await;
    assert!(
        page(&aisha, &app, &format!("{HACK_DAY}/attendees/sheet"))
            .await
            .contains("0 of 6 here.")
    );

    // Nobody else reaches the list, the sheet or the CSV, or ticks anyone.
    let member = signed_in(&app, GARETH).await;
    for path in ["/attendees", "/attendees/sheet", "/attendees.csv"] {
        assert_eq!(
            member
                .get(&format!("{}{HACK_DAY}{path}", app.url))
                .await
                .status(),
            403,
            "{path}"
        );
    }
    assert_eq!(
        member
            .post(
                &app,
                &format!("{HACK_DAY}/attendees/{}/check-in", dan.id),
                &[("here", "yes")]
            )
            .await
            .status(),
        403
    );
    // An answer of another event is not this event's to tick.
    let camp = event_at(&app, CAMP).await;
    let other = answers(&app, camp.id).await[0].id;
    assert_eq!(
        aisha
            .post(
                &app,
                &format!("{HACK_DAY}/attendees/{other}/check-in"),
                &[("here", "yes")]
            )
            .await
            .status(),
        404
    );

    // Removing a going answer moves the first in line up.
    aisha
        .post(
            &app,
            &format!("{HACK_DAY}/attendees/{}/remove", dan.id),
            &[],
        )
        .await;
    let rows = answers(&app, hack.id).await;
    assert_eq!(count(&rows, Response::Going), 6);
    let helen = user_id(&app, HELEN).await;
    assert_eq!(
        rows.iter()
            .find(|r| r.user_id == Some(helen))
            .unwrap()
            .response,
        Response::Going
    );
}

#[tokio::test]
async fn the_personal_feed_lists_what_i_go_to_and_its_old_address_dies_on_reset() {
    let app = demo_app(&[]).await;
    let helen = signed_in(&app, HELEN).await;
    let mine = page(&helen, &app, "/events/mine").await;
    let start = mine.find("/calendar/personal/").expect("the feed address");
    let end = start + mine[start..].find(".ics").unwrap() + 4;
    let path = mine[start..end].to_string();

    let anonymous = Browser::new();
    let resp = anonymous.get(&format!("{}{path}", app.url)).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let etag = resp.headers()["etag"].to_str().unwrap().to_string();
    let ics = resp.text().await.unwrap().replace("\r\n ", "");
    // Going to the camp, waiting for the hack day; the forum date she sent apologies for is
    // not there.
    assert!(ics.contains("SUMMARY:Open Data Camp Midshire"));
    assert!(ics.contains("SUMMARY:Waiting list: Bus Data Hack Day"));
    assert!(!ics.contains("Northvale Open Data Forum"));
    assert!(ics.contains("PARTSTAT=ACCEPTED"));
    assert!(ics.contains("PARTSTAT=TENTATIVE"));
    assert!(ics.contains("mailto:helen.mcallister@openstreets-trust.example"));

    // Unchanged: 304.
    let resp = anonymous
        .client
        .get(format!("{}{path}", app.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);

    // A date of a series: its own UID, with the date.
    let forum = event_at(&app, "/events/northvale-open-data-forum").await;
    let date = answers(&app, forum.id).await[0].occurrence.clone();
    helen
        .post(
            &app,
            &format!("/events/northvale-open-data-forum/{date}/rsvp"),
            &[("answer", "going")],
        )
        .await;
    let ics = anonymous
        .get(&format!("{}{path}", app.url))
        .await
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    let stamp = date.replace('-', "");
    let (local, domain) = forum.uid.split_once('@').unwrap();
    assert!(
        ics.contains(&format!("UID:{local}-{stamp}@{domain}")),
        "{ics}"
    );

    // A new address: the old one is a 404, not an empty calendar.
    let resp = helen.post(&app, "/calendar/personal/reset", &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        anonymous.get(&format!("{}{path}", app.url)).await.status(),
        404
    );
    let mine = page(&helen, &app, "/events/mine").await;
    let start = mine.find("/calendar/personal/").unwrap();
    let end = start + mine[start..].find(".ics").unwrap() + 4;
    let new_path = &mine[start..end];
    assert_ne!(new_path, path);
    assert_eq!(
        anonymous
            .get(&format!("{}{new_path}", app.url))
            .await
            .status(),
        200
    );
    assert_eq!(
        anonymous
            .get(&format!(
                "{}/calendar/personal/not-a-real-secret.ics",
                app.url
            ))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn notes_are_erased_after_the_event_and_members_can_erase_their_history() {
    let app = demo_app(&[]).await;
    let hack = event_at(&app, HACK_DAY).await;
    let camp = event_at(&app, CAMP).await;
    let before = answers(&app, hack.id).await;

    // A day after the hack day, before the camp: Tom erases his history. The hack day
    // forgets his name but keeps its numbers; the camp loses his answer.
    app.clock
        .advance(hack.ends_at - app.state.clock.now() + Duration::days(1));
    let tom = signed_in(&app, TOM).await;
    let resp = tom.post(&app, "/profile/rsvp-history", &[]).await;
    assert_eq!(resp.status(), 303);
    let tom_id = user_id(&app, TOM).await;
    let hack_rows = answers(&app, hack.id).await;
    assert_eq!(hack_rows.len(), before.len(), "the counts stay");
    assert_eq!(
        count(&hack_rows, Response::Going),
        count(&before, Response::Going)
    );
    assert!(hack_rows.iter().all(|r| r.user_id != Some(tom_id)));
    assert!(
        answers(&app, camp.id)
            .await
            .iter()
            .all(|r| r.user_id != Some(tom_id))
    );
    let html = page(&tom, &app, "/profile").await;
    assert!(
        html.contains("1 answer withdrawn, 1 past answer no longer name you"),
        "{html}"
    );
    let list = page(
        &signed_in(&app, AISHA).await,
        &app,
        &format!("{HACK_DAY}/attendees"),
    )
    .await;
    assert!(list.contains("Former member (history erased)"));

    // Until the event is 30 days over, notes stay; then they go, the answers stay.
    let keep = Duration::days(30);
    app.clock.advance(Duration::days(28));
    let erased = convene::rsvp::retention::erase_old_notes(app.db(), keep, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(erased, 0);
    assert!(
        answers(&app, hack.id)
            .await
            .iter()
            .any(|r| r.note.is_some())
    );
    app.clock.advance(Duration::days(2));
    let erased = convene::rsvp::retention::erase_old_notes(app.db(), keep, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(erased, 1, "Dan's note");
    let rows = answers(&app, hack.id).await;
    assert_eq!(rows.len(), before.len());
    assert!(rows.iter().all(|r| r.note.is_none()));
}

/// Fifty members press "Going" at the same moment for the last five places: exactly five
/// get them, forty-five wait in a line without gaps or duplicates, on SQLite and PostgreSQL.
#[tokio::test]
async fn fifty_members_racing_for_the_last_five_places() {
    let app = demo_app(&[("auth.sign_in_attempts_per_minute", "1000")]).await;
    let now = app.state.clock.now();
    let mut emails = Vec::new();
    for i in 0..50 {
        let email = format!("racer{i:02}@members.example");
        entity::user::ActiveModel {
            email: Set(email.clone()),
            email_verified: Set(true),
            display_name: Set(format!("Racer {i:02}")),
            organisation: Set(None),
            role: Set(entity::user::Role::Member),
            disabled: Set(false),
            listed_publicly: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            last_sign_in_at: Set(None),
            ..Default::default()
        }
        .insert(app.db())
        .await
        .unwrap();
        emails.push(email);
    }
    // The camp, with five places left.
    let camp = event_at(&app, CAMP).await;
    let going = count(&answers(&app, camp.id).await, Response::Going);
    let tom = signed_in(&app, TOM).await;
    let capacity = (going + 5).to_string();
    let resp = tom
        .post(
            &app,
            &format!("{CAMP}/places"),
            &[("capacity", capacity.as_str())],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let mut browsers = Vec::new();
    for email in &emails {
        let b = signed_in(&app, email).await;
        let token = b.csrf_token(&app).await;
        browsers.push((b, token));
    }
    let url = format!("{}{CAMP}/rsvp", app.url);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(browsers.len()));
    let mut tasks = Vec::new();
    for (b, token) in browsers {
        let url = url.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            b.client
                .post(url)
                .form(&[("answer", "going"), ("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 303, "every answer is taken");
    }
    let rows = answers(&app, camp.id).await;
    let racers = rows.iter().filter(|r| r.created_at >= now).count();
    assert_eq!(
        count(&rows, Response::Going),
        going + 5,
        "never more than the places"
    );
    assert_eq!(count(&rows, Response::Waiting), 45);
    assert_eq!(racers, 50, "one answer each, none lost");
    let mut who: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    who.sort_unstable();
    let unique = who.len();
    who.dedup();
    assert_eq!(who.len(), unique, "one answer each");
    // Those who got places answered before everyone still waiting.
    let last_place = rows
        .iter()
        .filter(|r| r.response == Response::Going)
        .map(|r| (r.queued_at, r.id))
        .max()
        .unwrap();
    let first_waiting = rows
        .iter()
        .filter(|r| r.response == Response::Waiting)
        .map(|r| (r.queued_at, r.id))
        .min()
        .unwrap();
    assert!(last_place < first_waiting);
    // And the page says so.
    let html = page(&tom, &app, CAMP).await;
    assert_eq!(text_of(&html, "rsvp-places-left"), "0");
    assert_eq!(text_of(&html, "rsvp-waiting"), "45");
}
