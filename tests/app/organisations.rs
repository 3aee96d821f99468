//! The register of organisations: every spelling of a name finds one entry, new names wait
//! for an admin to sort them, duplicates are merged with everything that named them, renames
//! reach every list, the register is open data with stable ids, existing text moves into the
//! register when the database is upgraded, and bad input is explained.

use entity::organisation;
use entity::{meeting_attendance, rsvp, user};
use migration::MigratorTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, demo_app, read, signed_in, unescaped};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
/// A member with no role.
const SAM: &str = "sam.whitfield@riverside-city.example";

async fn named(app: &TestApp, name: &str) -> organisation::Model {
    organisation::Entity::find()
        .filter(organisation::Column::Name.eq(name))
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{name} is in the register"))
}

async fn person(app: &TestApp, email: &str) -> user::Model {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn save_profile(app: &TestApp, browser: &Browser, name: &str, organisation: &str) -> u16 {
    browser
        .post(
            app,
            "/profile",
            &[
                ("display_name", name),
                ("organisation", organisation),
                ("initials", ""),
            ],
        )
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn every_spelling_finds_one_entry_and_new_names_wait_to_be_sorted() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();

    // The register by kind, with the demo people's organisations sorted.
    let (status, html) = read(&visitor, &app, "/organisations").await;
    assert_eq!(status, 200);
    for heading in ["Councils", "Transport bodies", "Charities", "Universities"] {
        assert!(html.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    assert!(html.contains("Midshire Transport Partnership"));
    assert!(
        !html.contains("Northvale Council<"),
        "a typed name nobody sorted is not published"
    );
    assert!(!html.contains("To sort"));

    // A member types their organisation the way people do: it is the register's entry.
    let sam = signed_in(&app, SAM).await;
    let (_, profile) = read(&sam, &app, "/profile").await;
    assert!(
        profile.contains("<option value=\"University of Eastmere\">"),
        "the register's names are offered while typing"
    );
    assert_eq!(
        save_profile(&app, &sam, "Sam Whitfield", "  northvale county-council. ").await,
        303
    );
    let northvale = named(&app, "Northvale County Council").await;
    let s = person(&app, SAM).await;
    assert_eq!(s.organisation.as_deref(), Some("Northvale County Council"));
    assert_eq!(s.organisation_id, Some(northvale.id));

    // A name nobody used before is added, unsorted: not public until an admin sorts it.
    assert_eq!(
        save_profile(&app, &sam, "Sam Whitfield", "Eastmere Data Co-op").await,
        303
    );
    let co_op = named(&app, "Eastmere Data Co-op").await;
    assert_eq!(co_op.kind, None);
    assert_eq!(person(&app, SAM).await.organisation_id, Some(co_op.id));
    let (status, _) = read(&visitor, &app, &format!("/organisations/{}", co_op.id)).await;
    assert_eq!(status, 404, "an unsorted name has no public page");
    let json: serde_json::Value = visitor
        .get(&format!("{}/organisations.json", app.url))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = json["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Open Streets Trust"));
    assert!(!names.contains(&"Eastmere Data Co-op"));

    // Admins see what there is to sort, and sort it.
    let priya = signed_in(&app, PRIYA).await;
    let (_, html) = read(&priya, &app, "/organisations").await;
    assert!(
        html.contains("To sort (2)"),
        "the co-op and the guests' Northvale Council"
    );
    assert!(html.contains("Eastmere Data Co-op"));
    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/edit", co_op.id),
            &[
                ("name", "Eastmere Data Co-operative"),
                ("kind", "community"),
                ("website", "https://datacoop.example/"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        person(&app, SAM).await.organisation.as_deref(),
        Some("Eastmere Data Co-operative"),
        "a rename reaches the profiles that name it"
    );
    let (status, html) = read(&visitor, &app, &format!("/organisations/{}", co_op.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Eastmere Data Co-operative</h1>"));
    assert!(html.contains("Community group"));
    assert!(html.contains("href=\"https://datacoop.example/\""));
    // The old spelling still finds it.
    assert_eq!(
        save_profile(&app, &sam, "Sam Whitfield", "eastmere data co op").await,
        303
    );
    assert_eq!(person(&app, SAM).await.organisation_id, Some(co_op.id));
    assert_eq!(
        person(&app, SAM).await.organisation.as_deref(),
        Some("Eastmere Data Co-operative")
    );

    // Back to its first name: that name is its own again, and the newer one leads to it.
    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/edit", co_op.id),
            &[
                ("name", "Eastmere Data Co-op"),
                ("kind", "community"),
                ("website", "https://datacoop.example/"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(named(&app, "Eastmere Data Co-op").await.id, co_op.id);
    assert_eq!(
        named(&app, "Eastmere Data Co-operative")
            .await
            .merged_into_id,
        Some(co_op.id)
    );

    // Plain members and visitors cannot change the register.
    for path in [
        "/organisations/new".to_string(),
        format!("/organisations/{}/edit", co_op.id),
        format!("/organisations/{}/merge", co_op.id),
    ] {
        let resp = sam.get(&format!("{}{path}", app.url)).await;
        assert_eq!(resp.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn a_duplicate_is_merged_with_everything_that_named_it_and_its_id_leads_on() {
    let app = demo_app(&[]).await;
    let priya = signed_in(&app, PRIYA).await;
    let visitor = Browser::new();
    // Guests typed "Northvale Council" at a meeting and on an event.
    let dup = named(&app, "Northvale Council").await;
    let main = named(&app, "Northvale County Council").await;
    let attendance = meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::OrganisationId.eq(dup.id))
        .all(app.db())
        .await
        .unwrap();
    let guests = rsvp::Entity::find()
        .filter(rsvp::Column::GuestOrganisationId.eq(dup.id))
        .all(app.db())
        .await
        .unwrap();
    assert!(!attendance.is_empty() && !guests.is_empty());

    let (status, html) = read(&priya, &app, &format!("/organisations/{}/merge", dup.id)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(
        "its 0 members, {} attendance {}",
        attendance.len(),
        if attendance.len() == 1 {
            "line"
        } else {
            "lines"
        }
    )));
    assert!(html.contains(&format!(
        "<option value=\"{}\" >Northvale County Council (council)</option>",
        main.id
    )));

    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/merge", dup.id),
            &[("into", &main.id.to_string())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("/organisations/{}", main.id));

    for a in &attendance {
        let a = meeting_attendance::Entity::find_by_id(a.id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(a.organisation_id, Some(main.id));
        assert_eq!(a.organisation.as_deref(), Some("Northvale County Council"));
    }
    for g in &guests {
        let g = rsvp::Entity::find_by_id(g.id)
            .one(app.db())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(g.guest_organisation_id, Some(main.id));
        assert_eq!(
            g.guest_organisation.as_deref(),
            Some("Northvale County Council")
        );
    }
    // The meeting's attendance list says so.
    let (_, meeting) = read(
        &priya,
        &app,
        &attendance_meeting(&app, &attendance[0]).await,
    )
    .await;
    assert!(meeting.contains("Cllr Jo Marsh"));
    assert!(!meeting.contains("Northvale Council<") && !meeting.contains("Northvale Council)"));

    // The duplicate's address and id lead to the entry it became.
    let resp = visitor
        .get(&format!("{}/organisations/{}", app.url, dup.id))
        .await;
    assert_eq!(resp.status(), 404, "it was never published");
    let resp = priya
        .get(&format!("{}/organisations/{}", app.url, dup.id))
        .await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), format!("/organisations/{}", main.id));
    // The old name still finds the entry.
    let sam = signed_in(&app, SAM).await;
    assert_eq!(
        save_profile(&app, &sam, "Sam Whitfield", "Northvale council").await,
        303
    );
    assert_eq!(person(&app, SAM).await.organisation_id, Some(main.id));

    // Merging a published duplicate keeps its id in the open data, pointing on.
    let resp = priya
        .post(
            &app,
            "/organisations/new",
            &[
                ("name", "Midshire Transport Partnership Ltd"),
                ("kind", "transport"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let ltd = named(&app, "Midshire Transport Partnership Ltd").await;
    let mtp = named(&app, "Midshire Transport Partnership").await;
    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/merge", ltd.id),
            &[("into", &mtp.id.to_string())],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = visitor
        .get(&format!("{}/organisations/{}", app.url, ltd.id))
        .await;
    assert_eq!(resp.status(), 301);
    let json: serde_json::Value = visitor
        .get(&format!("{}/organisations.json", app.url))
        .await
        .json()
        .await
        .unwrap();
    let entry = json["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == ltd.id)
        .expect("a published id stays published");
    assert_eq!(entry["merged_into"], mtp.id);
    assert_eq!(entry["kind"], "transport");
    let resp = visitor.get(&format!("{}/organisations.csv", app.url)).await;
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let csv = resp.text().await.unwrap();
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next(),
        Some("id,name,kind,website,merged_into,url,updated_at")
    );
    let mtp_line = csv
        .split("\r\n")
        .find(|l| l.starts_with(&format!("{},", mtp.id)))
        .unwrap();
    assert!(mtp_line.starts_with(&format!(
        "{},Midshire Transport Partnership,transport,https://www.midshire-transport.example/,,{}/organisations/{},",
        mtp.id, app.url, mtp.id
    )));
    assert!(csv.contains(&format!(
        "{},Midshire Transport Partnership Ltd,transport,,{},",
        ltd.id, mtp.id
    )));

    // An organisation can own an action; a rename reaches the tracker.
    let libraries = named(&app, "Midshire Libraries").await;
    let owned = entity::action_owner::Entity::find()
        .filter(entity::action_owner::Column::OrganisationId.eq(libraries.id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(owned.len(), 1, "the demo's mapping day action");
    let (_, html) = read(&priya, &app, &format!("/organisations/{}", libraries.id)).await;
    assert!(html.contains("1 agreed at meetings with it as an owner"));
    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/edit", libraries.id),
            &[
                ("name", "Midshire Library Service"),
                ("kind", "council"),
                ("website", "https://libraries.midshire.example/"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, tracker) = read(&visitor, &app, "/actions").await;
    assert!(tracker.contains("Midshire Library Service"));
    assert!(!tracker.contains("Midshire Libraries"));
    // Raising an action: a register name is the organisation, any other name a person.
    let meeting = attendance_meeting(&app, &attendance[0]).await;
    let resp = priya
        .post(
            &app,
            &format!("{meeting}/actions"),
            &[
                ("owners", "midshire transport partnership, Ruth Adeyemi"),
                ("text", "to publish the bus stop accessibility survey"),
                ("item", ""),
                ("due", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let owners = entity::action_owner::Entity::find()
        .order_by_desc(entity::action_owner::Column::Id)
        .all(app.db())
        .await
        .unwrap();
    let (ruth, mtp_owner) = (&owners[0], &owners[1]);
    assert_eq!(mtp_owner.organisation_id, Some(mtp.id));
    assert_eq!(
        mtp_owner.name.as_deref(),
        Some("Midshire Transport Partnership")
    );
    assert_eq!(ruth.organisation_id, None);
    assert_eq!(ruth.name.as_deref(), Some("Ruth Adeyemi"));

    // Each change is in the audit log with its words.
    let (_, log) = read(&priya, &app, "/admin/audit").await;
    assert!(log.contains("Merged a duplicate organisation"));
    assert!(log.contains("Northvale Council (#"));
    assert!(log.contains("Added an organisation to the register"));
}

async fn attendance_meeting(app: &TestApp, a: &meeting_attendance::Model) -> String {
    let m = entity::meeting::Entity::find_by_id(a.meeting_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    format!("/meetings/{}", m.slug)
}

#[tokio::test]
async fn bad_input_is_explained_beside_each_field_and_nothing_is_lost() {
    let app = demo_app(&[]).await;
    let priya = signed_in(&app, PRIYA).await;
    let resp = priya
        .post(
            &app,
            "/organisations/new",
            &[
                ("name", ""),
                ("kind", "castle"),
                ("website", "ftp://x.example"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("There is a problem"));
    assert!(html.contains("<a href=\"#name\">Enter the organisation's name.</a>"));
    assert!(
        html.contains("<a href=\"#kind-council\">Choose what kind of organisation this is.</a>")
    );
    assert!(html.contains("Enter a web address starting with https://"));
    assert!(
        html.contains("value=\"ftp://x.example\""),
        "the form is refilled"
    );

    // A name already in the register, however it is spelt.
    let resp = priya
        .post(
            &app,
            "/organisations/new",
            &[
                ("name", "UNIVERSITY OF  EASTMERE"),
                ("kind", "university"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("“University of Eastmere” is already in the register."));
    assert!(html.contains("value=\"UNIVERSITY OF  EASTMERE\""));
    assert!(html.contains("id=\"kind-university\" name=\"kind\" value=\"university\" checked"));

    // Renaming onto another entry's name is refused the same way.
    let trust = named(&app, "Open Streets Trust").await;
    let resp = priya
        .post(
            &app,
            &format!("/organisations/{}/edit", trust.id),
            &[
                ("name", "Riverside City Council"),
                ("kind", "charity"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(named(&app, "Open Streets Trust").await.id, trust.id);

    // A merge needs another entry.
    for into in ["", &trust.id.to_string(), "999999"] {
        let resp = priya
            .post(
                &app,
                &format!("/organisations/{}/merge", trust.id),
                &[("into", into)],
            )
            .await;
        assert_eq!(resp.status(), 422, "merge into {into:?}");
        let html = unescaped(&resp.text().await.unwrap());
        assert!(html.contains("There is a problem"), "{into:?}");
    }
    assert_eq!(named(&app, "Open Streets Trust").await.merged_into_id, None);
}

#[tokio::test]
async fn people_typing_one_new_name_at_once_make_one_entry() {
    let app = demo_app(&[]).await;
    let now = chrono::Utc::now();
    let spellings = [
        "Midshire Bus Users",
        "midshire bus users",
        "Midshire  Bus Users.",
    ];
    let mut tasks = Vec::new();
    for i in 0..12 {
        let db = app.db().clone();
        let typed = spellings[i % 3];
        tasks.push(tokio::spawn(async move {
            let txn = convene::db::begin_write(&db).await.unwrap();
            let named = convene::organisations::service::link(&txn, typed, now)
                .await
                .unwrap()
                .unwrap();
            txn.commit().await.unwrap();
            named
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one entry for every spelling: {ids:?}");
    let found = organisation::Entity::find()
        .filter(organisation::Column::NameKey.eq("midshire bus users"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn upgrading_moves_existing_names_into_the_register() {
    let app = demo_app(&[]).await;
    // Back to before the register, with organisations as the free text people typed
    // (the migrations after it first).
    let from_it = migration::Migrator::migrations()
        .iter()
        .skip_while(|m| m.name() != "m20261129_000015_organisations")
        .count();
    migration::Migrator::down(app.db(), Some(from_it as u32))
        .await
        .unwrap();
    let db = app.db();
    let backend = db.get_database_backend();
    for sql in [
        "UPDATE \"user\" SET organisation = 'EASTMERE BUS USERS ' WHERE email = 'sam.whitfield@riverside-city.example'",
        "UPDATE \"user\" SET organisation = 'Eastmere Bus Users' WHERE email = 'gareth.lloyd@riverside-city.example'",
        "UPDATE meeting_attendance SET organisation = 'eastmere  bus users' WHERE name = 'Cllr Jo Marsh'",
        "UPDATE rsvp SET guest_organisation = 'eastmere bus users.' WHERE guest_name = 'Cllr Jo Marsh'",
    ] {
        db.execute_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .unwrap();
    }
    convene::db::migrate(db).await.unwrap();

    let found = organisation::Entity::find()
        .filter(organisation::Column::NameKey.eq("eastmere bus users"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one entry for four spellings");
    let users_group = &found[0];
    assert_eq!(
        users_group.name, "Eastmere Bus Users",
        "as many rows write each spelling: mixed case wins"
    );
    assert_eq!(users_group.kind, None, "for an admin to sort");
    for email in [SAM, "gareth.lloyd@riverside-city.example"] {
        let p = person(&app, email).await;
        assert_eq!(p.organisation_id, Some(users_group.id), "{email}");
        assert_eq!(p.organisation.as_deref(), Some("Eastmere Bus Users"));
    }
    let jo = meeting_attendance::Entity::find()
        .filter(meeting_attendance::Column::Name.eq("Cllr Jo Marsh"))
        .all(db)
        .await
        .unwrap();
    assert!(!jo.is_empty());
    assert!(jo.iter().all(|a| a.organisation_id == Some(users_group.id)
        && a.organisation.as_deref() == Some("Eastmere Bus Users")));
    let guest = rsvp::Entity::find()
        .filter(rsvp::Column::GuestName.eq("Cllr Jo Marsh"))
        .all(db)
        .await
        .unwrap();
    assert!(!guest.is_empty());
    assert!(
        guest
            .iter()
            .all(|g| g.guest_organisation_id == Some(users_group.id))
    );
    // Every name that was written has its entry, and every entry is named somewhere.
    let all = organisation::Entity::find()
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await
        .unwrap();
    assert!(all.iter().any(|o| o.name == "University of Eastmere"));
    assert!(all.iter().all(|o| o.kind.is_none()));
    let unlinked = user::Entity::find()
        .filter(user::Column::Organisation.is_not_null())
        .filter(user::Column::OrganisationId.is_null())
        .all(db)
        .await
        .unwrap();
    assert!(unlinked.is_empty());
}
