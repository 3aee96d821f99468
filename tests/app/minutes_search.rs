//! Searching published minutes from the site's search box (`/search`), on both databases:
//! words in an item's minutes, the general notes and amendments find the meeting, and lead
//! to the item on its page; draft minutes are never found; titles rank first; the section
//! shows five meetings and `in=minutes` pages through them all; what the minutes say stays
//! inert in snippets.

use chrono::{TimeZone, Utc};
use entity::{agenda_item, meeting};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::{TestApp, demo_app, signed_in, unescape};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";

async fn search_page(browser: &Browser, app: &TestApp, params: &[(&str, &str)]) -> String {
    let url = reqwest::Url::parse_with_params(&format!("{}/search", app.url), params).unwrap();
    let resp = browser.get(url.as_str()).await;
    assert_eq!(resp.status(), 200, "{params:?}");
    let html = resp.text().await.unwrap();
    html[html.find("<main").unwrap()..html.find("</main>").unwrap()].to_string()
}

async fn search(browser: &Browser, app: &TestApp, q: &str) -> String {
    search_page(browser, app, &[("q", q)]).await
}

/// The minutes section of a results page.
fn minutes_section(main: &str) -> &str {
    let start = main
        .find(r#"id="minutes-results""#)
        .expect("a minutes section");
    let rest = &main[start..];
    &rest[..rest.find("</section>").unwrap()]
}

/// Each minutes result: (link, title without marks).
fn minutes_results(main: &str) -> Vec<(String, String)> {
    minutes_section(main)
        .split(r#"<h3 class="search-result-title"><a href=""#)
        .skip(1)
        .map(|r| {
            let href = unescape(&r[..r.find('"').unwrap()]);
            let title = &r[r.find('>').unwrap() + 1..r.find("</a>").unwrap()];
            (href, title.replace("<mark>", "").replace("</mark>", ""))
        })
        .collect()
}

/// A meeting with one item, through the forms; returns its address and the item's id.
async fn meeting_with_item(
    app: &TestApp,
    admin: &Browser,
    title: &str,
    date: &str,
    items: &[&str],
) -> (String, Vec<i64>) {
    let resp = admin
        .post(
            app,
            "/meetings/new",
            &[
                ("title", title),
                ("date", date),
                ("start", "10:00"),
                ("end", "12:00"),
                ("place", "County Hall"),
                ("chair", ""),
                ("secretary", ""),
                ("event", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303, "meeting {title} added");
    let href = location(&resp);
    let mut ids = Vec::new();
    for item in items {
        let resp = admin
            .post(
                app,
                &format!("{href}/agenda"),
                &[
                    ("title", *item),
                    ("start_time", ""),
                    ("presenters", ""),
                    ("duration", ""),
                    ("note", ""),
                    ("position", ""),
                ],
            )
            .await;
        assert_eq!(resp.status(), 303, "item {item} added");
        ids.push(
            agenda_item::Entity::find()
                .filter(agenda_item::Column::Title.eq(*item))
                .one(app.db())
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    (href, ids)
}

async fn write_minutes(app: &TestApp, admin: &Browser, href: &str, fields: &[(String, &str)]) {
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let resp = admin.post(app, &format!("{href}/minutes"), &form).await;
    assert_eq!(resp.status(), 303, "minutes saved");
}

async fn publish(app: &TestApp, admin: &Browser, href: &str) {
    let resp = admin
        .post(app, &format!("{href}/minutes/publish"), &[])
        .await;
    assert_eq!(resp.status(), 303, "minutes published");
}

#[tokio::test]
async fn published_minutes_are_found_and_lead_to_the_item_drafts_never() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let visitor = Browser::new();
    let (href, items) = meeting_with_item(
        &app,
        &admin,
        "Forum meeting",
        "2031-03-12",
        &["Welcome", "Wombat crossing sensors"],
    )
    .await;
    write_minutes(
        &app,
        &admin,
        &href,
        &[
            (format!("item-{}", items[0]), "Apologies were noted."),
            (
                format!("item-{}", items[1]),
                "The council will publish the sensor counts from the numbat bridge every night.",
            ),
            ("notes".into(), "The bilby survey is next spring."),
        ],
    )
    .await;

    // A draft is for members: nobody finds it, not even its writers.
    for who in [&visitor, &admin] {
        let main = search(who, &app, "numbat").await;
        assert!(minutes_results(&main).is_empty(), "draft found: {main}");
        assert!(minutes_section(&main).contains("No published minutes match."));
    }

    publish(&app, &admin, &href).await;
    let main = search(&visitor, &app, "numbat bridge").await;
    let results = minutes_results(&main);
    assert_eq!(
        results,
        [(format!("{href}#item-2"), "Forum meeting".to_string())],
        "the meeting, at the item whose minutes match"
    );
    let section = minutes_section(&main);
    assert!(
        section.contains("Item 2: Wombat crossing sensors"),
        "{section}"
    );
    assert!(
        section.contains("from the <mark>numbat</mark> <mark>bridge</mark> every night"),
        "the words marked in the snippet: {section}"
    );
    assert!(section.contains("12 March 2031"), "the meeting's date");
    assert!(section.contains("minutes published, to be agreed"));
    assert!(
        main.contains("1 meeting\u{2019}s minutes"),
        "the count: {main}"
    );
    // The link leads to the item, numbered as the page numbers it.
    let resp = visitor.get(&format!("{}{href}", app.url)).await;
    let page = resp.text().await.unwrap();
    let anchor = &page[page.find(r#"id="item-2""#).expect("the item's anchor")..];
    assert!(anchor[..anchor.find("</h3>").unwrap()].contains("Wombat crossing sensors"));

    // English endings: "sensors" in the title, "sensor" in the minutes; the title's match
    // is marked.
    let main = search(&visitor, &app, "sensor").await;
    assert_eq!(minutes_results(&main).len(), 1);
    assert!(minutes_section(&main).contains("<mark>sensors</mark>"));

    // The general notes lead to the minutes as a whole.
    let main = search(&visitor, &app, "bilby").await;
    assert_eq!(
        minutes_results(&main),
        [(format!("{href}#minutes"), "Forum meeting".to_string())]
    );
    assert!(minutes_section(&main).contains("The <mark>bilby</mark> survey"));

    // Agreed minutes are found, and so are their amendments.
    let (second, _) = meeting_with_item(&app, &admin, "Forum meeting", "2031-05-14", &[]).await;
    let resp = admin
        .post(&app, &format!("{second}/minutes/agree-previous"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = admin
        .post(
            &app,
            &format!("{href}/minutes/amendments"),
            &[
                ("item", &items[1].to_string()),
                ("text", "For 'numbat bridge' read 'quokka viaduct'."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let main = search(&visitor, &app, "quokka viaduct").await;
    assert_eq!(minutes_results(&main).len(), 1, "{main}");
    let section = minutes_section(&main);
    assert!(section.contains("minutes agreed"));
    assert!(
        section.contains("<mark>quokka</mark> <mark>viaduct</mark>"),
        "{section}"
    );

    // Minutes taken back to a draft would be hidden again: a meeting whose minutes are
    // withdrawn straight in the database is skipped by the next search.
    let m = meeting::Entity::find()
        .filter(meeting::Column::Slug.eq(href.trim_start_matches("/meetings/")))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let mut draft: meeting::ActiveModel = m.into();
    draft.minutes_status = Set(meeting::MinutesStatus::Draft);
    draft.update(app.db()).await.unwrap();
    let main = search(&visitor, &app, "wombat").await;
    assert!(minutes_results(&main).is_empty(), "{main}");
}

#[tokio::test]
async fn titles_rank_first_and_in_minutes_pages_through_them_all() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let visitor = Browser::new();
    // Twenty-two published minutes whose notes mention the words, written straight into the database.
    let start = Utc.with_ymd_and_hms(2032, 1, 14, 10, 0, 0).unwrap();
    for n in 0..22i64 {
        let at = start + chrono::Duration::days(7 * n);
        let m = meeting::ActiveModel {
            slug: Set(format!("pangolin-meeting-{n}")),
            title: Set(format!("Pangolin working group {n}")),
            starts_at: Set(at),
            place: Set("County Hall".into()),
            occurrence: Set(String::new()),
            minutes_status: Set(meeting::MinutesStatus::Published),
            minutes_notes: Set(Some("We looked at the pangolin tracking numbers.".into())),
            minutes_published_at: Set(Some(at)),
            archived: Set(false),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(app.db())
        .await
        .unwrap();
        assert!(m.id > 0);
    }
    // One meeting mentions the words in passing; another has an item about them.
    let (passing, passing_items) = meeting_with_item(
        &app,
        &admin,
        "Forum meeting",
        "2031-03-12",
        &["Round the table"],
    )
    .await;
    write_minutes(
        &app,
        &admin,
        &passing,
        &[(
            format!("item-{}", passing_items[0]),
            "Several members asked about pangolin tracking, pangolin tracking, pangolin tracking again.",
        )],
    )
    .await;
    publish(&app, &admin, &passing).await;
    let (about, about_items) = meeting_with_item(
        &app,
        &admin,
        "Forum meeting",
        "2031-05-14",
        &["Welcome", "Pangolin tracking data"],
    )
    .await;
    write_minutes(
        &app,
        &admin,
        &about,
        &[(format!("item-{}", about_items[1]), "Agreed to share it.")],
    )
    .await;
    publish(&app, &admin, &about).await;
    let main = search(&visitor, &app, "pangolin tracking").await;
    let shown = minutes_results(&main);
    assert_eq!(shown.len(), 5, "five beside the others");
    assert_eq!(
        shown[0].0,
        format!("{about}#item-2"),
        "the meeting with an item titled with every word comes first"
    );
    let section = minutes_section(&main);
    assert!(
        section.contains("All 24 meetings whose minutes match"),
        "{section}"
    );
    let all = unescape(&section[section.rfind("<a href=\"").unwrap() + 9..]);
    let all = &all[..all.find('"').unwrap()];
    assert!(all.contains("in=minutes"), "{all}");

    let first = search_page(
        &visitor,
        &app,
        &[("q", "pangolin tracking"), ("in", "minutes")],
    )
    .await;
    assert!(!first.contains(r#"id="forum-results""#), "minutes alone");
    assert!(!first.contains(r#"id="events-results""#), "minutes alone");
    assert_eq!(minutes_results(&first).len(), 20);
    assert!(first.contains("rel=\"next\""));
    let second = search_page(
        &visitor,
        &app,
        &[("q", "pangolin tracking"), ("in", "minutes"), ("page", "2")],
    )
    .await;
    let rest = minutes_results(&second);
    assert_eq!(rest.len(), 4, "24 in all");
    assert!(second.contains("rel=\"prev\""));
    assert!(!second.contains("rel=\"next\""));
    let mut every: Vec<String> = minutes_results(&first)
        .into_iter()
        .chain(rest)
        .map(|(h, _)| h)
        .collect();
    every.sort();
    every.dedup();
    assert_eq!(every.len(), 24, "each meeting once");
    assert!(every.contains(&format!("{passing}#item-1")), "{every:?}");
}

#[tokio::test]
async fn what_minutes_say_stays_inert_in_results() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let visitor = Browser::new();
    let payloads = [
        "<script>alert(1)</script> tapir",
        "<img src=x onerror=alert(1)> tapir",
        "[tapir](javascript:alert(1))",
        "<svg onload=alert(1)>tapir</svg>",
        "\"><iframe src=javascript:alert(1)> tapir",
    ];
    let titles: Vec<String> = (0..payloads.len())
        .map(|n| format!("Tapir {n} <b onmouseover=alert(1)>"))
        .collect();
    let title_refs: Vec<&str> = titles.iter().map(String::as_str).collect();
    let (href, items) =
        meeting_with_item(&app, &admin, "Forum meeting", "2031-03-12", &title_refs).await;
    let fields: Vec<(String, &str)> = items
        .iter()
        .zip(payloads)
        .map(|(id, p)| (format!("item-{id}"), p))
        .collect();
    write_minutes(&app, &admin, &href, &fields).await;
    publish(&app, &admin, &href).await;
    let main = search(&visitor, &app, "tapir").await;
    let section = minutes_section(&main);
    assert_eq!(minutes_results(&main).len(), 1);
    for bad in [
        "<script",
        "<img",
        "<svg",
        "<iframe",
        "<b ",
        "onmouseover=",
        "javascript:",
    ] {
        assert!(!section.contains(bad), "{bad} in {section}");
    }
    // Only the page's own tags and the marks.
    for tag in section.split('<').skip(1) {
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert!(
            ["h2", "span", "ol", "li", "h3", "a", "mark", "p"].contains(&name.as_str()),
            "<{tag}"
        );
    }
}
