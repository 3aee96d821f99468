//! The forum's own open data: `/data` lists every dataset and format, each link answers with
//! its media type; `/data/catalog.jsonld` describes the same in DCAT; `/events.csv` holds
//! every public event (no draft), quoted by RFC 4180 and safe in a spreadsheet; the licence
//! is configurable and shown.

use sea_orm::EntityTrait;
use serde_json::Value;

use crate::helpers::{demo_app, unescaped};

#[tokio::test]
async fn the_data_page_and_its_catalogue_list_every_dataset_in_every_format() {
    let app = demo_app(&[]).await;
    let resp = app.get("/data").await;
    assert_eq!(resp.status(), 200);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Open Government Licence v3.0"));
    assert!(html.contains("href=\"/data/catalog.jsonld\""));

    let resp = app.get("/data/catalog.jsonld").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/ld+json");
    let catalog: Value = resp.json().await.unwrap();
    assert_eq!(catalog["@type"], "dcat:Catalog");
    assert_eq!(catalog["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    let datasets = catalog["dcat:dataset"].as_array().unwrap();
    assert_eq!(datasets.len(), convene::catalogue::DATASETS.len());
    let mut formats = 0;
    for d in datasets {
        let id = d["dct:identifier"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} is on /data");
        assert_eq!(
            d["dct:license"]["@id"],
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
        );
        assert!(
            d["dct:accrualPeriodicity"]["@id"]
                .as_str()
                .unwrap()
                .starts_with("http://publications.europa.eu/resource/authority/frequency/")
        );
        assert_eq!(d["dct:publisher"]["@id"], catalog["dct:publisher"]["@id"]);
        for x in d["dcat:distribution"].as_array().unwrap() {
            formats += 1;
            let url = x["dcat:accessURL"]["@id"].as_str().unwrap();
            let path = url.strip_prefix(&app.url).expect("an address on the site");
            // The API's pages are reached through the service; files are downloaded.
            if path.starts_with("/api/v1/") {
                assert!(x.get("dcat:downloadURL").is_none(), "{path}");
                assert_eq!(x["dcat:accessService"]["@id"], format!("{}/api", app.url));
            } else {
                assert_eq!(x["dcat:downloadURL"]["@id"], url);
            }
            assert!(
                html.contains(&format!("href=\"{path}\"")),
                "{path} is on /data"
            );
            let resp = app.get(path).await;
            assert_eq!(resp.status(), 200, "{path}");
            let media = x["dcat:mediaType"]["@id"]
                .as_str()
                .unwrap()
                .rsplit("media-types/")
                .next()
                .unwrap()
                .to_string();
            let served = resp.headers()["content-type"].to_str().unwrap().to_string();
            assert!(served.starts_with(&media), "{path}: {served}, not {media}");
        }
    }
    let expected: usize = convene::catalogue::DATASETS
        .iter()
        .map(|d| d.distributions.len())
        .sum();
    assert_eq!(formats, expected);
    assert!(
        !html.contains("/forum/feed.atom"),
        "members' posts are not the forum's data"
    );
    let service = &catalog["dcat:service"][0];
    assert_eq!(
        service["dcat:endpointDescription"]["@id"],
        format!("{}/api/openapi.json", app.url)
    );
    assert!(!service["dcat:servesDataset"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_licence_is_a_setting() {
    let app = demo_app(&[
        ("data_licence", "Creative Commons Attribution 4.0"),
        (
            "data_licence_url",
            "https://creativecommons.org/licenses/by/4.0/",
        ),
    ])
    .await;
    let html = unescaped(&app.get("/data").await.text().await.unwrap());
    assert!(html.contains(
        "<a href=\"https://creativecommons.org/licenses/by/4.0/\" rel=\"license\">Creative Commons Attribution 4.0</a>"
    ));
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(
        doc["info"]["license"]["name"],
        "Creative Commons Attribution 4.0"
    );
    let catalog: Value = app.get("/data/catalog.jsonld").await.json().await.unwrap();
    assert_eq!(
        catalog["dct:license"]["@id"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
}

#[tokio::test]
async fn events_csv_holds_every_public_event_and_no_draft() {
    let app = demo_app(&[]).await;
    let resp = app.get("/events.csv").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    let body = resp.text().await.unwrap();
    assert!(body.contains("\r\n"), "CRLF line ends");
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..4], ["id", "title", "summary", "status"]);
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let titles: Vec<&str> = records.iter().map(|r| &r[1]).collect();
    for title in [
        "Northvale Open Data Forum",
        "Bus Data Hack Day",
        "Open Data Day Northvale",
        "Air Quality Sensors Workshop",
    ] {
        assert!(titles.contains(&title), "{title} in {titles:?}");
    }
    for draft in ["Census Data Briefing", "Street Works Data Surgery"] {
        assert!(!titles.contains(&draft), "{draft} is not public");
    }
    let public = entity::event::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.status.is_public())
        .count();
    assert_eq!(records.len(), public, "every public event, once");
    let workshop = records
        .iter()
        .find(|r| &r[1] == "Air Quality Sensors Workshop")
        .unwrap();
    assert_eq!(&workshop[3], "cancelled");
    let walk = records
        .iter()
        .find(|r| &r[1] == "River Levels Data Walk")
        .unwrap();
    assert_eq!(&walk[3], "postponed");
    let forum = records
        .iter()
        .find(|r| &r[1] == "Northvale Open Data Forum")
        .unwrap();
    assert!(forum[8].starts_with("FREQ=MONTHLY"), "{:?}", &forum[8]);
}

#[test]
fn csv_cells_are_quoted_and_formula_safe() {
    let e = entity::event::Model {
        id: 1,
        uid: "u@convene".into(),
        slug: "s".into(),
        status: entity::event::EventStatus::Published,
        title: "=HYPERLINK(\"http://evil.example\", \"Click\")".into(),
        summary: "Line one, \"quoted\"\nline two".into(),
        description: String::new(),
        time_zone: "Europe/London".into(),
        all_day: false,
        starts_at: chrono::DateTime::UNIX_EPOCH,
        ends_at: chrono::DateTime::UNIX_EPOCH,
        place_name: Some("@venue".into()),
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
        cancel_note: None,
        postponed_at: None,
        postpone_note: None,
        previous_starts_at: None,
        submitted_at: None,
        published_at: None,
        cancelled_at: None,
        created_at: chrono::DateTime::UNIX_EPOCH,
        updated_at: chrono::DateTime::UNIX_EPOCH,
    };
    let tags = [(1, vec!["+tag".to_string()])].into_iter().collect();
    let bytes =
        convene::events::export::csv_of(&[e], &tags, &Default::default(), "https://forum.example")
            .unwrap();
    let mut rows = csv::Reader::from_reader(bytes.as_slice());
    let row = rows.records().next().unwrap().unwrap();
    assert_eq!(&row[1], "'=HYPERLINK(\"http://evil.example\", \"Click\")");
    assert_eq!(&row[2], "Line one, \"quoted\"\nline two");
    assert_eq!(&row[12], "'@venue");
    assert_eq!(&row[15], "'+tag");
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.contains("\"Line one, \"\"quoted\"\"\nline two\""),
        "{text}"
    );
}

#[tokio::test]
async fn actions_and_attendance_as_csv() {
    let app = demo_app(&[]).await;
    let resp = app.get("/actions.csv").await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>()[..4],
        ["id", "action", "owners", "status"]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    // The actions of meetings whose minutes are public, none from draft minutes.
    let public: std::collections::HashSet<i64> = entity::meeting::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| {
            matches!(
                m.minutes_status,
                entity::meeting::MinutesStatus::Published | entity::meeting::MinutesStatus::Agreed
            )
        })
        .map(|m| m.id)
        .collect();
    let actions = entity::meeting_action::Entity::find()
        .all(app.db())
        .await
        .unwrap();
    let expected = actions
        .iter()
        .filter(|a| public.contains(&a.meeting_id))
        .count();
    assert!(expected > 0);
    assert_eq!(records.len(), expected, "the actions of public minutes");
    assert!(records.iter().any(|r| &r[3] == "done") && records.iter().any(|r| &r[3] == "open"));
    // Owners are named as the tracker names them: initials where a member has them.
    let tracker = unescaped(&app.get("/actions?status=all").await.text().await.unwrap());
    for r in &records {
        assert!(!r[2].is_empty(), "{r:?}");
        assert!(
            tracker.contains(&r[2]),
            "{:?} is not how the tracker names them",
            &r[2]
        );
    }
    assert!(
        !body.contains("Priya Shah"),
        "Priya has initials, and the minutes use them"
    );

    let resp = app.get("/meetings/attendance.csv").await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    let mut rows = csv::Reader::from_reader(body.as_bytes());
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    // The meetings whose minutes are public, with counts and never a name.
    let public = entity::meeting::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|m| {
            matches!(
                m.minutes_status,
                entity::meeting::MinutesStatus::Published | entity::meeting::MinutesStatus::Agreed
            )
        })
        .count();
    assert_eq!(records.len(), public);
    assert!(records.iter().any(|r| r[2].parse::<u32>().unwrap() > 0));
    let names: Vec<String> = entity::meeting_attendance::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.name)
        .collect();
    for name in names {
        assert!(!body.contains(&name), "{name} is in the attendance counts");
    }
}
