//! The JSON API (`/api/v1`): each operation's shape and filters on the demo forum, cursor
//! pages that neither repeat nor skip, what is never shown (drafts), problems for bad input,
//! ETags and 304, CORS, the OpenAPI document (pinned in `tests/golden/openapi.json`; run with
//! `UPDATE_GOLDEN=1` after an intended change and read the diff) and its page.

use std::collections::HashSet;

use convene::clock::Clock;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::{TestApp, demo_app, signed_in};

async fn json(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.text().await.unwrap();
    let value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{path} answered {status} with no JSON ({e}): {body}"));
    (status, headers, value)
}

async fn ok(app: &TestApp, path: &str) -> Value {
    let (status, _, body) = json(app, path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

/// A 400 problem document whose detail starts with the parameter's name.
async fn refused(app: &TestApp, path: &str, parameter: &str) -> String {
    let (status, headers, body) = json(app, path).await;
    assert_eq!(status, 400, "{path}: {body}");
    assert_eq!(
        headers["content-type"], "application/problem+json",
        "{path}"
    );
    assert_eq!(body["status"], 400);
    assert_eq!(body["title"], "Bad Request");
    let detail = body["detail"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with(&format!("{parameter}: ")),
        "{path}: the detail should name {parameter}: {detail}"
    );
    detail
}

#[tokio::test]
async fn events_list_public_dates_with_series_expanded_and_filters() {
    let app = demo_app(&[]).await;
    let all = ok(&app, "/api/v1/events?limit=100").await;
    let items = all["items"].as_array().unwrap();
    let names = titles(&all);
    // What is coming, oldest first; a series once per date; cancelled and postponed marked.
    let surgery: Vec<&Value> = items
        .iter()
        .filter(|i| i["slug"] == "open-data-surgery")
        .collect();
    assert!(
        surgery.len() >= 11,
        "a monthly series gives a date a month for a year: {}",
        surgery.len()
    );
    for date in &surgery {
        let planned = date["planned_start"].as_str().unwrap();
        assert!(
            date["url"]
                .as_str()
                .unwrap()
                .contains("/events/open-data-surgery/"),
            "{date}"
        );
        assert!(!planned.is_empty());
    }
    let starts: Vec<&str> = items
        .iter()
        .map(|i| i["starts_at"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by_key(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap());
    assert_eq!(starts, sorted, "oldest first");
    let workshop = items
        .iter()
        .find(|i| i["title"] == "Air Quality Sensors Workshop")
        .unwrap();
    assert_eq!(workshop["status"], "cancelled");
    let walk = items
        .iter()
        .find(|i| i["title"] == "River Levels Data Walk")
        .unwrap();
    assert_eq!(walk["status"], "postponed");
    assert!(walk.get("planned_start").is_none(), "a one-off: {walk}");
    assert_eq!(
        walk["calendar_url"],
        format!("{}/events/river-levels-data-walk.ics", app.url)
    );
    // Drafts and submissions waiting for review are never listed; what is over is not either.
    for hidden in [
        "Census Data Briefing",
        "Street Works Data Surgery",
        "Open Data Day Northvale",
    ] {
        assert!(!names.iter().any(|n| n == hidden), "{hidden} in {names:?}");
    }

    // By tag.
    let tagged = ok(&app, "/api/v1/events?tag=hack-day").await;
    assert_eq!(titles(&tagged), ["Bus Data Hack Day"]);
    assert_eq!(
        tagged["items"][0]["tags"],
        serde_json::json!(["hack-day", "transport"])
    );
    // By words, English endings and accents ignored.
    let found = ok(&app, "/api/v1/events?text=unconferences").await;
    assert_eq!(titles(&found), ["Open Data Camp Midshire"]);
    assert_eq!(
        titles(&ok(&app, "/api/v1/events?text=nothing%20like%20this").await),
        Vec::<String>::new()
    );
    // A window in the past holds what happened then, the past event included.
    let now = app.clock.now();
    let from =
        (now - chrono::Duration::days(400)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let to = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let past = ok(
        &app,
        &format!("/api/v1/events?from={from}&to={to}&limit=100"),
    )
    .await;
    assert!(titles(&past).contains(&"Open Data Day Northvale".to_string()));
    for item in past["items"].as_array().unwrap() {
        let start =
            chrono::DateTime::parse_from_rfc3339(item["starts_at"].as_str().unwrap()).unwrap();
        assert!(start < now, "{item}");
    }
    // A window that ends before it starts is empty, not an error.
    let empty = ok(&app, &format!("/api/v1/events?from={to}&to={from}")).await;
    assert_eq!(empty["items"], serde_json::json!([]));
}

/// Moves the first coming date of the demo's monthly surgery 45 days and two hours later (past
/// the next dates) and gives the hack day a start with a fraction of a second: what pages
/// must get right.
async fn awkward_dates(app: &TestApp) -> String {
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
    let admin = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq("priya.shah@northvale-council.example"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let surgery = entity::event::Entity::find()
        .filter(entity::event::Column::Slug.eq("open-data-surgery"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let first = ok(app, "/api/v1/events/open-data-surgery").await["dates"][0].clone();
    let planned: chrono::DateTime<chrono::Utc> =
        first["planned_start"].as_str().unwrap().parse().unwrap();
    let moved_to = planned + chrono::Duration::days(45) + chrono::Duration::hours(2);
    convene::events::occurrences::change_occurrence(
        app.db(),
        &convene::actor::Actor::from(&admin),
        surgery.id,
        planned,
        convene::events::occurrences::OccurrenceChange::MoveTo {
            starts_at: moved_to,
            ends_at: moved_to + chrono::Duration::hours(2),
        },
        None,
        app.clock.now(),
    )
    .await
    .unwrap();
    let hack = entity::event::Entity::find()
        .filter(entity::event::Column::Slug.eq("bus-data-hack-day"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let half = chrono::Duration::milliseconds(500);
    let (starts, ends) = (hack.starts_at + half, hack.ends_at + half);
    let mut active = hack.into_active_model();
    active.starts_at = Set(starts);
    active.ends_at = Set(ends);
    active.update(app.db()).await.unwrap();
    moved_to.to_rfc3339()
}

#[tokio::test]
async fn event_pages_follow_the_link_header_without_repeats_or_gaps() {
    let app = demo_app(&[]).await;
    let moved_to = awkward_dates(&app).await;
    let whole = ok(&app, "/api/v1/events?limit=100").await;
    let moved: Vec<&Value> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["moved"] == true)
        .collect();
    assert_eq!(moved.len(), 1, "the moved date, once: {moved:?}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(moved[0]["starts_at"].as_str().unwrap()).unwrap(),
        chrono::DateTime::parse_from_rfc3339(&moved_to).unwrap(),
        "at its new time"
    );
    let expected: Vec<(i64, String)> = whole["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["event_id"].as_i64().unwrap(),
                i["starts_at"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(expected.len() > 12, "enough dates to page through");
    let mut ordered = expected.clone();
    ordered.sort_by_key(|(id, at)| (chrono::DateTime::parse_from_rfc3339(at).unwrap(), *id));
    assert_eq!(expected, ordered, "by start, then event");

    let mut seen = Vec::new();
    let mut next = Some(format!("{}/api/v1/events?limit=3", app.url));
    let client = reqwest::Client::new();
    let mut pages = 0;
    while let Some(url) = next.take() {
        let resp = client.get(&url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let link = resp
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_string());
        let page: Value = resp.json().await.unwrap();
        assert!(page["items"].as_array().unwrap().len() <= 3);
        for i in page["items"].as_array().unwrap() {
            seen.push((
                i["event_id"].as_i64().unwrap(),
                i["starts_at"].as_str().unwrap().to_string(),
            ));
        }
        if let Some(link) = link {
            let target = link
                .strip_prefix('<')
                .and_then(|l| l.split_once(">; rel=\"next\""))
                .map(|(url, _)| url.to_string())
                .unwrap_or_else(|| panic!("not a next link: {link}"));
            assert!(
                target.contains("limit=3") && target.contains("from=") && target.contains("to="),
                "the link keeps the filters and the first page's window: {target}"
            );
            assert_eq!(
                page["next_cursor"].as_str(),
                target.split("cursor=").nth(1),
                "the body gives the same cursor"
            );
            next = Some(target);
        } else {
            assert!(page.get("next_cursor").is_none());
        }
        pages += 1;
        assert!(pages < 100, "the pages never end");
    }
    assert_eq!(seen, expected, "every date once, in order");
}

#[tokio::test]
async fn one_event_with_its_dates_and_drafts_not_found() {
    let app = demo_app(&[]).await;
    let forum = ok(&app, "/api/v1/events/northvale-open-data-forum").await;
    assert_eq!(forum["title"], "Northvale Open Data Forum");
    assert!(
        forum["repeat_rule"]
            .as_str()
            .unwrap()
            .contains("FREQ=MONTHLY")
    );
    assert!(forum["description"].as_str().unwrap().len() > 20);
    let dates = forum["dates"].as_array().unwrap();
    assert!(
        (5..=7).contains(&dates.len()),
        "every second month for a year: {}",
        dates.len()
    );
    assert!(dates.iter().all(|d| d["event_id"] == forum["id"]));

    // Drafts and submissions are not found.
    let drafts: Vec<String> = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT slug FROM event WHERE status NOT IN ('published', 'cancelled')",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    assert!(drafts.len() >= 2, "the demo has drafts: {drafts:?}");
    for slug in drafts {
        let (status, _, body) = json(&app, &format!("/api/v1/events/{slug}")).await;
        assert_eq!(status, 404, "{slug}: {body}");
        assert_eq!(body["detail"], "No public event has this slug.");
    }
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_the_parameter() {
    let app = demo_app(&[]).await;
    let detail = refused(&app, "/api/v1/events?tags=transport", "tags").await;
    assert!(
        detail.contains("it takes cursor, from, limit, tag, text, to"),
        "{detail}"
    );
    let detail = refused(&app, "/api/v1/events?from=tomorrow", "from").await;
    assert!(detail.contains("RFC 3339"), "{detail}");
    refused(&app, "/api/v1/events?to=2026-13-01T00:00:00Z", "to").await;
    let detail = refused(&app, "/api/v1/events?limit=0", "limit").await;
    assert_eq!(detail, "limit: must be a whole number from 1 to 100");
    refused(&app, "/api/v1/events?limit=101", "limit").await;
    refused(&app, "/api/v1/events?limit=ten", "limit").await;
    refused(&app, "/api/v1/events?cursor=abc", "cursor").await;
    refused(&app, "/api/v1/data-requests?status=closed", "status").await;
    let detail = refused(&app, "/api/v1/data-requests?sort=oldest", "sort").await;
    assert_eq!(detail, "sort: must be one of votes, newest");
    let detail = refused(&app, "/api/v1/data-requests/first", "id").await;
    assert_eq!(detail, "id: must be a whole number of at least 1");
    refused(&app, "/api/v1/events/hack?x=1", "x").await;

    let (status, _, body) = json(&app, "/api/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["status"], 404);
    let resp = reqwest::Client::new()
        .delete(format!("{}/api/v1/events", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, HEAD, POST");
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn reads_carry_an_etag_and_answer_304_and_any_origin_may_read() {
    let app = demo_app(&[]).await;
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/data-requests", app.url);
    let first = client
        .get(&url)
        .header("origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(
        first.headers()["access-control-allow-origin"],
        "https://dashboard.example"
    );
    let exposed = first.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        exposed.contains("link") && exposed.contains("etag"),
        "{exposed}"
    );
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    let again = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // A vote changes the list, and so its ETag (the newest request is Gareth's, with his
    // vote alone).
    let member = signed_in(&app, "tom.okafor@eastmere-uni.example").await;
    let list = ok(&app, "/api/v1/data-requests?sort=newest&limit=1").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let votes = list["items"][0]["votes"].as_i64().unwrap();
    let resp = member
        .post(
            &app,
            &format!("/data-requests/{id}/vote"),
            &[("decision", "vote")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let after = ok(&app, &format!("/api/v1/data-requests/{id}")).await;
    assert_eq!(after["votes"].as_i64().unwrap(), votes + 1);
    let changed = client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "a vote makes the old ETag stale");

    // A HEAD has the GET's ETag, and its 304.
    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let current = client.get(&url).send().await.unwrap();
    let current_etag = current.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(head.headers()["etag"].to_str().unwrap(), current_etag);
    assert!(head.bytes().await.unwrap().is_empty());
    let head = client
        .head(&url)
        .header("if-none-match", &current_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 304);

    // Errors reach a script on another origin as problems, with their headers.
    let problem = client
        .get(format!("{}/api/v1/events?limit=0", app.url))
        .header("origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert_eq!(problem.status(), 400);
    assert_eq!(
        problem.headers()["content-type"],
        "application/problem+json"
    );
    assert_eq!(
        problem.headers()["access-control-allow-origin"],
        "https://dashboard.example"
    );
    let body: Value = problem.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "limit: must be a whole number from 1 to 100"
    );
    let unauthorised = client
        .get(format!("{}/api/v1/me", app.url))
        .header("origin", "https://dashboard.example")
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);
    assert_eq!(
        unauthorised.headers()["www-authenticate"],
        "Bearer realm=\"Convene\""
    );
    assert_eq!(
        unauthorised.headers()["content-type"],
        "application/problem+json"
    );

    // The preflight of a cross-origin read.
    let preflight = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/events", app.url),
        )
        .header("origin", "https://dashboard.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 200);
    assert!(
        preflight.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("GET")
    );
}

#[tokio::test]
async fn dataset_requests_with_votes_statuses_pages_and_history() {
    let app = demo_app(&[]).await;
    let open = ok(&app, "/api/v1/data-requests").await;
    let items = open["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let votes: Vec<i64> = items.iter().map(|i| i["votes"].as_i64().unwrap()).collect();
    let mut sorted = votes.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(votes, sorted, "most votes first");
    assert!(
        items
            .iter()
            .all(|i| i["status"] == "requested" || i["status"] == "discussing"),
        "open ones by default"
    );

    let all = ok(&app, "/api/v1/data-requests?status=all&limit=100").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 6, "the demo's six");
    let published = ok(&app, "/api/v1/data-requests?status=published").await;
    let published = published["items"].as_array().unwrap();
    assert_eq!(published.len(), 1);
    assert!(
        published[0]["outcome_link"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let declined = ok(&app, "/api/v1/data-requests?status=declined").await;
    assert!(declined["items"][0]["outcome_note"].as_str().unwrap().len() > 10);

    // Pages of two, newest first, each request once.
    let mut ids = Vec::new();
    let mut path = "/api/v1/data-requests?status=all&sort=newest&limit=2".to_string();
    loop {
        let page = ok(&app, &path).await;
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path =
                    format!("/api/v1/data-requests?status=all&sort=newest&limit=2&cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), 6);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 6);
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first);

    // One request, with its history oldest first.
    let id = published[0]["id"].as_i64().unwrap();
    let one = ok(&app, &format!("/api/v1/data-requests/{id}")).await;
    assert_eq!(one["url"], format!("{}/data-requests/{id}", app.url));
    let history = one["history"].as_array().unwrap();
    assert_eq!(history[0]["status"], "requested");
    assert_eq!(history.last().unwrap()["status"], "published");
    assert!(one.get("author_id").is_none() && one.get("voters").is_none());
    let (status, _, body) = json(&app, "/api/v1/data-requests/999999").await;
    assert_eq!(status, 404);
    assert_eq!(body["detail"], "No dataset request has this number.");
}

#[tokio::test]
async fn the_openapi_document_is_pinned_and_its_page_lists_every_operation() {
    if crate::helpers::second_database_pass(module_path!()) {
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let resp = app.get("/api/openapi.json").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/json");
    let doc: Value = resp.json().await.unwrap();
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/openapi.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    } else {
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            text == expected,
            "the OpenAPI document changed; if that is intended, run with UPDATE_GOLDEN=1 and \
             read the diff of tests/golden/openapi.json\n--- now ---\n{text}"
        );
    }

    let page = app.get("/api").await;
    assert_eq!(page.status(), 200);
    let html = crate::helpers::unescaped(&page.text().await.unwrap());
    for (_, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "{id} has no section"
            );
            assert!(html.contains(&method.to_ascii_uppercase()));
        }
    }
    assert!(html.contains("href=\"/api/openapi.json\""));
    assert!(
        !html.contains("<script src=\"http"),
        "no script from another site"
    );
}
