//! Every route of the app, asked by four personas: an anonymous visitor, the author of a
//! published event (with a change of theirs waiting for review), another member and an
//! admin. The status each gets is pinned in `tests/golden/permissions.txt`, so any change to
//! who may do what shows in review, and a new route fails this test until it is added there
//! (run with `UPDATE_GOLDEN=1` to write the table, then read the diff).
//!
//! Forms are posted with nothing but the CSRF token, so nearly every request either fails
//! validation or is refused, which is what the table records; the few forms that take no
//! fields (signing out, a new personal calendar address, erasing one's RSVP history, the
//! places form with every field left empty) do what they say, harmlessly for the fixture.

use std::collections::BTreeMap;

use crate::helpers::{TestApp, demo_app, edit_event, signed_in};
use crate::oidc::Browser;

const AUTHOR: &str = "aisha.rahman@midshire-transport.example";
const MEMBER: &str = "gareth.lloyd@riverside-city.example";
const ADMIN: &str = "priya.shah@northvale-council.example";
const PERSONAS: [&str; 4] = ["anonymous", "author", "member", "admin"];

/// The path with each parameter (`:name`, `:name<regex>`, `*name`) replaced by its sample.
fn fill(path: &str, samples: &BTreeMap<&str, String>) -> String {
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ':' && c != '*' {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        while let Some(&n) = chars
            .peek()
            .filter(|n| n.is_ascii_alphanumeric() || **n == '_')
        {
            name.push(n);
            chars.next();
        }
        if chars.peek() == Some(&'<') {
            for r in chars.by_ref() {
                if r == '>' {
                    break;
                }
            }
        }
        out.push_str(samples.get(name.as_str()).unwrap_or_else(|| {
            panic!("no sample value for the path parameter {name:?} in {path}: add one")
        }));
    }
    out
}

async fn status(app: &TestApp, browser: &Browser, method: &str, path: &str) -> u16 {
    let url = format!("{}{path}", app.url);
    let resp = match method {
        "GET" => browser.get(&url).await,
        "HEAD" => browser.client.head(&url).send().await.unwrap(),
        "POST" => {
            let token = browser.csrf_token(app).await;
            browser
                .client
                .post(&url)
                .form(&[("csrf_token", token.as_str())])
                .send()
                .await
                .unwrap()
        }
        // The API's writes: the personas have cookies, never a token.
        "PUT" => browser.client.put(&url).send().await.unwrap(),
        "DELETE" => browser.client.delete(&url).send().await.unwrap(),
        other => panic!("no persona knows how to send {other}"),
    };
    resp.status().as_u16()
}

#[tokio::test]
async fn every_route_answers_each_persona_as_the_table_says() {
    let app = demo_app(&[("auth.sign_in_attempts_per_minute", "1000")]).await;
    let author = signed_in(&app, AUTHOR).await;
    let member = signed_in(&app, MEMBER).await;
    let admin = signed_in(&app, ADMIN).await;
    let anonymous = Browser::new();

    // The fixture: the author's published event, with a change of theirs waiting.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let event = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Bus Data Hack Day"))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's Bus Data Hack Day");
    let owner = entity::user::Entity::find_by_id(event.author_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(owner.email, AUTHOR, "the fixture event is the author's");
    let date = event
        .starts_at
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m-%d")
        .to_string();
    let resp = edit_event(
        &app,
        &author,
        &event.slug,
        &[
            ("title", "Bus Data Hack Day"),
            (
                "summary",
                "Build tools and maps with live bus data, now with trams.",
            ),
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
    assert_eq!(resp.status(), 303, "the author proposes a change");
    let revision = entity::event_revision::Entity::find()
        .filter(entity::event_revision::Column::EventId.eq(event.id))
        .one(app.db())
        .await
        .unwrap()
        .expect("a change waiting for review");
    let admin_id = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(ADMIN))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;

    let mut samples: BTreeMap<&str, String> = BTreeMap::new();
    samples.insert("slug", event.slug.clone());
    samples.insert("file", format!("{}.ics", event.slug));
    samples.insert("tag", "transport".into());
    // The fixture is a one-off event: it has no dates of a series, so these are 404s.
    samples.insert("date", "2026-01-14".into());
    samples.insert("path", "css/convene.css".into());
    samples.insert("provider", "council".into());
    samples.insert("id", String::new());
    // The member's own unsubscribe link: it works for whoever holds it, signed in or not.
    let member_id = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(MEMBER))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let token = convene::notify::preferences::ensure_token(app.db(), member_id, None)
        .await
        .unwrap()
        .unwrap();
    samples.insert("token", token);
    samples.insert("topic", "places".into());

    // Meetings: the demo's next meeting, with the author as its secretary (an officer) and
    // the admin as its chair; the member holds no office. One attendance entry, one action.
    let next_meeting = entity::meeting::Entity::find()
        .filter(entity::meeting::Column::EventId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's next meeting");
    {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let author_id = owner.id;
        let mut active = next_meeting.clone().into_active_model();
        active.secretary_id = Set(Some(author_id));
        active.chair_id = Set(Some(admin_id));
        active.update(app.db()).await.unwrap();
    }
    let officer = convene::actor::Actor::from(&owner);
    let entry = convene::meetings::workflow::add_attendee(
        app.db(),
        &officer,
        next_meeting.id,
        convene::meetings::forms::AttendeeInput {
            person: "Ruth Adeyemi".into(),
            organisation: None,
            attended: true,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(entry, "Ruth Adeyemi");
    let entry_id = entity::meeting_attendance::Entity::find()
        .filter(entity::meeting_attendance::Column::MeetingId.eq(next_meeting.id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let items = convene::meetings::queries::items(app.db(), next_meeting.id)
        .await
        .unwrap();
    let item_id = items.last().expect("an agenda item").id;
    // The files of an item are asked for on another item: the last one is removed on the way.
    let first_item_id = items.first().expect("an agenda item").id;
    let action_id = entity::meeting_action::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .expect("a demo action")
        .id;
    samples.insert("item", item_id.to_string());
    samples.insert("entry", entry_id.to_string());
    // A published entry of the register.
    let organisation_id = entity::organisation::Entity::find()
        .filter(entity::organisation::Column::Name.eq("Open Streets Trust"))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo register")
        .id;

    // A demo file: the next meeting's terms of reference (its current version), public with
    // its meeting.
    let file = entity::stored_file::Entity::find()
        .filter(entity::stored_file::Column::MeetingId.eq(next_meeting.id))
        .filter(entity::stored_file::Column::ReplacedBy.is_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's terms of reference");
    samples.insert("name", file.filename.clone());
    // Deleting takes another file, so that the downloads still find theirs.
    let other_file = entity::stored_file::Entity::find()
        .filter(entity::stored_file::Column::EventId.is_not_null())
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's data for the hack day");

    // The forum: a demo thread with a reply by the author; deleting takes a post of theirs
    // made for the purpose, so that the other routes still find the reply.
    let forum_thread = entity::forum_thread::Entity::find()
        .filter(
            entity::forum_thread::Column::Title
                .eq("Real-time bus positions for the Riverside routes?"),
        )
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's bus positions thread");
    let forum_post = entity::forum_post::Entity::find()
        .filter(entity::forum_post::Column::ThreadId.eq(forum_thread.id))
        .filter(entity::forum_post::Column::AuthorId.eq(owner.id))
        .one(app.db())
        .await
        .unwrap()
        .expect("the author's reply in the demo thread");
    let doomed_post = convene::forum::service::reply(
        app.db(),
        &officer,
        forum_thread.id,
        "A post the table deletes.",
        0,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    samples.insert("category", "data-requests".into());
    samples.insert(
        "thread",
        format!("{}-{}", forum_thread.id, forum_thread.slug),
    );
    let forum_category_id = forum_thread.category_id;

    // A dataset request of the author's, in discussion: open for votes, no longer theirs
    // to change.
    let data_request_id = entity::dataset_request::Entity::find()
        .filter(entity::dataset_request::Column::AuthorId.eq(owner.id))
        .one(app.db())
        .await
        .unwrap()
        .expect("the author's demo request")
        .id;

    let table = convene::routes(&app.state).table().to_vec();
    let mut lines = Vec::new();
    for spec in &table {
        let mut samples = samples.clone();
        // Which record an `:id` names depends on the route.
        let id = if spec.path.contains("/revisions/") {
            revision.id
        } else if spec.path.contains("/users/") {
            admin_id
        } else if spec.path.starts_with("/actions/") {
            action_id
        } else if spec.path.starts_with("/organisations/") {
            organisation_id
        } else if spec.path.starts_with("/data-requests/")
            || spec.path.starts_with("/api/v1/data-requests/")
        {
            data_request_id
        } else if spec.path.starts_with("/files/") && spec.path.ends_with("/delete") {
            other_file.id
        } else if spec.path.starts_with("/files/") || spec.path.starts_with("/api/v1/files/") {
            file.id
        } else if spec.path.starts_with("/forum/posts/") && spec.path.ends_with("/delete") {
            doomed_post.id
        } else if spec.path.starts_with("/forum/posts/") {
            forum_post.id
        } else if spec.path.starts_with("/forum/threads/")
            || spec.path.starts_with("/api/v1/forum/threads/")
        {
            forum_thread.id
        } else if spec.path.starts_with("/admin/forum/reports/") {
            forum_post.id
        } else if spec.path.starts_with("/admin/forum/") {
            forum_category_id
        } else if spec.path.contains("/identities/") {
            // Development sign-ins have no linked identity: nobody's, so a 404 for all.
            0
        } else {
            event.id
        };
        samples.insert("id", id.to_string());
        if spec.path.starts_with("/meetings/") || spec.path.starts_with("/api/v1/meetings/") {
            samples.insert("slug", next_meeting.slug.clone());
        }
        if spec.path.contains("/agenda/") && spec.path.ends_with("/files") {
            samples.insert("item", first_item_id.to_string());
        }
        // The sample file for tag feeds is a tag's.
        if spec.path.starts_with("/calendar/tags/") {
            samples.insert("file", "transport.ics".into());
        }
        let path = fill(&spec.path, &samples);
        let mut statuses = Vec::new();
        for (persona, browser) in PERSONAS.iter().zip([&anonymous, &author, &member, &admin]) {
            statuses.push(status(&app, browser, spec.method, &path).await);
            // Signing out ends the persona's session: sign them in again.
            if spec.path.starts_with("/auth/signout") && *persona != "anonymous" {
                let email = match *persona {
                    "author" => AUTHOR,
                    "member" => MEMBER,
                    _ => ADMIN,
                };
                browser.dev_sign_in(&app, email).await;
            }
        }
        lines.push(format!(
            "{:<5} {:<44} {}",
            spec.method,
            spec.path,
            statuses
                .iter()
                .map(|s| format!("{s:<10}"))
                .collect::<String>()
                .trim_end()
        ));
    }
    lines.sort();
    let text = format!(
        "# Route x persona: the status each persona gets (see tests/app/permissions.rs).\n\
         # 303 on a GET means \"sign in first\"; forms are posted empty, so almost nothing changes.\n\
         # The development sign-in is on (it adds /auth/dev).\n\
         {:<5} {:<44} {}\n{}\n",
        "",
        "",
        PERSONAS
            .iter()
            .map(|p| format!("{p:<10}"))
            .collect::<String>()
            .trim_end(),
        lines.join("\n")
    );
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/permissions.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).unwrap();
    }
    let pinned = std::fs::read_to_string(&golden).unwrap_or_default();
    if pinned != text {
        panic!(
            "who may do what changed, or a route is new: compare with tests/golden/permissions.txt \
             and, if the change is intended, run with UPDATE_GOLDEN=1\n--- now ---\n{text}"
        );
    }
}
