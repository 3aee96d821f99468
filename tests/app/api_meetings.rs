//! Meetings in the JSON API: the list (latest first, attendance counts only from public
//! minutes, cursor pages that neither repeat nor skip), one meeting with its agenda, minutes
//! and actions, and the actions tracker; draft minutes and their actions never appear, to a
//! token holder either, and the HTML tracker hides them from visitors too.

use convene::actor::Actor;
use convene::clock::Clock;
use convene::meetings::forms::ActionInput;
use convene::meetings::workflow;
use entity::{meeting, user};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;

use crate::helpers::{TestApp, demo_app, signed_in, unescaped};

const SECRET_ACTION: &str = "to circulate the draft reorganisation plan";
const SECRET_NOTES: &str = "Draft notes: not agreed, not for visitors";

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let link = resp
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.text().await.unwrap();
    let value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{path} answered {status} with no JSON ({e}): {body}"));
    (status, link, value)
}

/// Draft minutes with an action for the demo's next meeting (the one still to come).
async fn draft_minutes(app: &TestApp) -> meeting::Model {
    let next = meeting::Entity::find()
        .order_by_desc(meeting::Column::StartsAt)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let priya = user::Entity::find()
        .filter(user::Column::Email.eq("priya.shah@northvale-council.example"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let actor = Actor::from(&priya);
    let now = app.clock.now();
    workflow::save_minutes(
        app.db(),
        &actor,
        next.id,
        Some(SECRET_NOTES.into()),
        Vec::new(),
        now,
    )
    .await
    .unwrap();
    workflow::raise_action(
        app.db(),
        &actor,
        next.id,
        ActionInput {
            item_id: None,
            owners: vec!["PS".into()],
            text: SECRET_ACTION.into(),
            due_on: None,
        },
        now,
    )
    .await
    .unwrap();
    next
}

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().unwrap()
}

#[tokio::test]
async fn meetings_are_listed_latest_first_a_page_at_a_time_with_public_counts_only() {
    let app = demo_app(&[]).await;
    let all = meeting::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(
        all.len(),
        4,
        "the demo's three past meetings and the next one"
    );

    let (status, _, first) = get(&app, "/api/v1/meetings", None).await;
    assert_eq!(status, 200);
    let starts: Vec<&str> = items(&first)
        .iter()
        .map(|m| m["starts_at"].as_str().unwrap())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted, "latest first");
    let next = &items(&first)[0];
    assert_eq!(next["minutes"], "not_published");
    assert_eq!(next["agenda_published"], true);
    assert!(
        next.get("attendance").is_none(),
        "no counts before the minutes: {next}"
    );
    for past in &items(&first)[1..] {
        assert!(matches!(
            past["minutes"].as_str(),
            Some("agreed" | "published")
        ));
        let counts = &past["attendance"];
        assert!(counts["attended"].as_u64().unwrap() > 0, "{past}");
        assert!(past["url"].as_str().unwrap().starts_with(&app.url));
    }

    // One a page: every meeting once, in the same order, by the Link header.
    let mut seen = Vec::new();
    let mut path = "/api/v1/meetings?limit=1".to_string();
    loop {
        let (status, link, page) = get(&app, &path, None).await;
        assert_eq!(status, 200, "{path}");
        seen.extend(
            items(&page)
                .iter()
                .map(|m| m["slug"].as_str().unwrap().to_string()),
        );
        let Some(link) = link else {
            assert!(page.get("next_cursor").is_none());
            break;
        };
        let url = link.trim_start_matches('<').split('>').next().unwrap();
        path = url.trim_start_matches(&app.url).to_string();
        assert!(path.contains(&format!("cursor={}", page["next_cursor"].as_str().unwrap())));
    }
    let listed: Vec<String> = items(&first)
        .iter()
        .map(|m| m["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, listed);

    let (status, _, problem) = get(&app, "/api/v1/meetings?cursor=yesterday", None).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().starts_with("cursor: "));
    let (status, _, problem) = get(&app, "/api/v1/meetings?limit=0", None).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().starts_with("limit: "));
}

#[tokio::test]
async fn a_meeting_has_its_agenda_minutes_and_actions_once_public() {
    let app = demo_app(&[]).await;
    let (_, _, list) = get(&app, "/api/v1/meetings", None).await;
    let agreed = items(&list)
        .iter()
        .find(|m| m["minutes"] == "agreed")
        .expect("an agreed meeting");
    let slug = agreed["slug"].as_str().unwrap();
    let (status, _, m) = get(&app, &format!("/api/v1/meetings/{slug}"), None).await;
    assert_eq!(status, 200);
    let agenda = m["agenda"].as_array().unwrap();
    assert!(agenda.len() >= 4, "{m}");
    let positions: Vec<i64> = agenda
        .iter()
        .map(|i| i["position"].as_i64().unwrap())
        .collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted);
    assert!(
        agenda.iter().any(|i| i["minutes"]
            .as_str()
            .is_some_and(|t| t.contains("notes of the last meeting were agreed"))),
        "the minutes under their items"
    );
    let actions = m["actions"].as_array().unwrap();
    assert!(!actions.is_empty());
    for a in actions {
        assert_eq!(a["meeting_slug"], slug);
        assert!(!a["owners"].as_str().unwrap().is_empty(), "{a}");
        assert!(matches!(
            a["status"].as_str(),
            Some("open" | "in_progress" | "done" | "dropped")
        ));
    }

    // The next meeting: its published agenda, and nothing of the draft minutes, whoever asks.
    let next = draft_minutes(&app).await;
    let token_out = app.command(&["token", "gareth.lloyd@riverside-city.example"]);
    assert!(token_out.status.success());
    let token = String::from_utf8(token_out.stdout)
        .unwrap()
        .split_whitespace()
        .find(|w| w.starts_with("cvn_"))
        .unwrap()
        .to_string();
    for token in [None, Some(token.as_str())] {
        let (status, _, m) = get(&app, &format!("/api/v1/meetings/{}", next.slug), token).await;
        assert_eq!(status, 200);
        assert_eq!(m["minutes"], "not_published");
        assert!(!m["agenda"].as_array().unwrap().is_empty());
        assert!(m.get("minutes_notes").is_none());
        assert!(m["actions"].as_array().unwrap().is_empty());
        assert!(!m.to_string().contains(SECRET_ACTION));
        assert!(
            m["agenda"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i.get("minutes").is_none())
        );
    }

    let (status, _, problem) = get(&app, "/api/v1/meetings/no-such-meeting", None).await;
    assert_eq!(status, 404);
    assert_eq!(problem["detail"], "No meeting has this slug.");
}

#[tokio::test]
async fn the_actions_tracker_holds_public_minutes_actions_only() {
    let app = demo_app(&[]).await;
    draft_minutes(&app).await;

    let mut every = Vec::new();
    let mut path = "/api/v1/actions?status=all&limit=2".to_string();
    loop {
        let (status, link, page) = get(&app, &path, None).await;
        assert_eq!(status, 200, "{path}: {page}");
        every.extend(items(&page).iter().cloned());
        let Some(link) = link else { break };
        let url = link.trim_start_matches('<').split('>').next().unwrap();
        path = url.trim_start_matches(&app.url).to_string();
    }
    let ids: Vec<i64> = every.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no action twice across pages");
    assert!(every.len() >= 5, "the demo's actions: {}", every.len());
    // Pages of two hold every action of one long page, in the same order: actions recorded
    // at the same instant (the demo's, raised together) are neither skipped nor repeated.
    let (_, _, whole) = get(&app, "/api/v1/actions?status=all&limit=100", None).await;
    let whole_ids: Vec<i64> = items(&whole)
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, whole_ids);
    assert!(every.iter().all(|a| a["text"] != SECRET_ACTION));
    let recorded: Vec<&str> = every
        .iter()
        .map(|a| a["recorded_at"].as_str().unwrap())
        .collect();
    let mut sorted = recorded.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(recorded, sorted, "latest first");

    let (_, _, open) = get(&app, "/api/v1/actions", None).await;
    let (_, _, closed) = get(&app, "/api/v1/actions?status=closed", None).await;
    assert!(
        items(&open)
            .iter()
            .all(|a| matches!(a["status"].as_str(), Some("open" | "in_progress")))
    );
    assert!(
        items(&closed)
            .iter()
            .all(|a| matches!(a["status"].as_str(), Some("done" | "dropped")))
    );
    assert!(!items(&closed).is_empty());
    assert_eq!(
        items(&open).len() + items(&closed).len(),
        every.len(),
        "open and closed make all"
    );
    let (status, _, problem) = get(&app, "/api/v1/actions?status=finished", None).await;
    assert_eq!(status, 400);
    assert!(problem["detail"].as_str().unwrap().starts_with("status: "));

    // The tracker page: a visitor does not see the draft minutes' action; a member does.
    let visitor = unescaped(&app.get("/actions?status=all").await.text().await.unwrap());
    assert!(!visitor.contains(SECRET_ACTION));
    let member = signed_in(&app, "gareth.lloyd@riverside-city.example").await;
    let (status, page) = crate::helpers::read(&member, &app, "/actions?status=all").await;
    assert_eq!(status, 200);
    assert!(page.contains(SECRET_ACTION));
}
