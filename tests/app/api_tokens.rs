//! Personal API tokens and what the API does with them: made on the profile page and shown
//! once, stored only as a hash, refused (with why) when malformed, unknown, revoked, expired
//! or their account is disabled; scopes (a read-only token cannot write); votes and answers
//! through the API under the same rules as the pages, votes at the same moment counted once
//! on both databases.

use convene::auth::tokens::{self, NewToken};
use convene::clock::Clock;
use entity::api_token::TokenScope;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::Value;

use crate::helpers::{TestApp, demo_app, signed_in, unescaped};

const GARETH: &str = "gareth.lloyd@riverside-city.example";
const MEI: &str = "mei.chen@eastmere-uni.example";

pub(crate) async fn user_id(app: &TestApp, email: &str) -> i64 {
    entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A token made through the service, as the page would.
pub(crate) async fn token(app: &TestApp, email: &str, scope: TokenScope, days: u32) -> String {
    let user = entity::user::Entity::find_by_id(user_id(app, email).await)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let (_, secret) = tokens::create(
        app.db(),
        &convene::actor::Actor::from(&user),
        NewToken {
            name: "Test script".into(),
            scope,
            days,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    secret
}

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", app.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, headers, value)
}

#[tokio::test]
async fn a_token_is_made_on_the_profile_shown_once_and_revoked() {
    let app = demo_app(&[]).await;
    let gareth = signed_in(&app, GARETH).await;
    let resp = gareth.get(&format!("{}/profile/tokens", app.url)).await;
    assert_eq!(resp.status(), 200);
    assert!(unescaped(&resp.text().await.unwrap()).contains("You have no tokens yet."));

    // Bad input comes back with the form kept.
    let resp = gareth
        .post(
            &app,
            "/profile/tokens",
            &[("name", " "), ("scope", "admin"), ("days", "9999")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Name the token after what will use it"));
    assert!(html.contains("Choose whether the token may only read"));
    assert!(html.contains("Choose how long the token lasts."));

    let resp = gareth
        .post(
            &app,
            "/profile/tokens",
            &[
                ("name", "Riverside dashboard"),
                ("scope", "write"),
                ("days", "30"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let html = unescaped(&resp.text().await.unwrap());
    let secret: String = html
        .split("cvn_")
        .nth(1)
        .map(|rest| {
            format!(
                "cvn_{}",
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect::<String>()
            )
        })
        .expect("the new token on the page");
    assert_eq!(secret.len(), 47, "{secret}");
    assert!(html.contains("this is the only time it is shown"));

    // Only its hash is stored; the list shows its first characters, never the token.
    let row = entity::api_token::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.token_hash, convene::secret::sha256_hex(&secret));
    assert_eq!(row.hint, secret[..10]);
    let list = unescaped(
        &gareth
            .get(&format!("{}/profile/tokens", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(list.contains("Riverside dashboard"));
    assert!(list.contains(&format!("{}…", &secret[..10])));
    assert!(!list.contains(&secret), "shown once only");

    // It works, as Gareth.
    let (status, _, me) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "Gareth Lloyd");
    assert_eq!(me["scope"], "write");
    assert_eq!(me["token_name"], "Riverside dashboard");

    // Another member cannot revoke it; Gareth can, and then it stops working.
    let mei = signed_in(&app, MEI).await;
    let resp = mei
        .post(&app, &format!("/profile/tokens/{}/revoke", row.id), &[])
        .await;
    assert_eq!(resp.status(), 404);
    let resp = gareth
        .post(&app, &format!("/profile/tokens/{}/revoke", row.id), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (status, headers, problem) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(problem["detail"], "This token was revoked.");
    assert!(
        headers["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    let audit: Vec<String> = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.starts_with("api_token."))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(audit, ["api_token.create", "api_token.revoke"]);
}

#[tokio::test]
async fn tokens_that_cannot_be_used_say_why() {
    let app = demo_app(&[]).await;
    let me = "/api/v1/me";
    let (status, headers, problem) = call(&app, reqwest::Method::GET, me, None, None).await;
    assert_eq!(status, 401);
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"Convene\"");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("This needs a personal API token")
    );
    assert_eq!(headers["content-type"], "application/problem+json");

    let (status, _, problem) = call(&app, reqwest::Method::GET, me, Some("hunter2"), None).await;
    assert_eq!(status, 401);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("not a Convene API token")
    );
    let unknown = format!("cvn_{}", "A".repeat(43));
    let (status, _, problem) = call(&app, reqwest::Method::GET, me, Some(&unknown), None).await;
    assert_eq!(status, 401);
    assert!(problem["detail"].as_str().unwrap().contains("not known"));

    // Expired: a week's token a week and a day later.
    let short = token(&app, GARETH, TokenScope::Read, 7).await;
    assert_eq!(
        call(&app, reqwest::Method::GET, me, Some(&short), None)
            .await
            .0,
        200
    );
    app.clock.advance(chrono::Duration::days(8));
    let (status, _, problem) = call(&app, reqwest::Method::GET, me, Some(&short), None).await;
    assert_eq!(status, 401);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("This token expired on ")
    );

    // A disabled account's tokens stop with it.
    let mei = token(&app, MEI, TokenScope::Write, 30).await;
    assert_eq!(
        call(&app, reqwest::Method::GET, me, Some(&mei), None)
            .await
            .0,
        200
    );
    let mut account = entity::user::Entity::find_by_id(user_id(&app, MEI).await)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    account.disabled = Set(true);
    account.update(app.db()).await.unwrap();
    let (status, _, problem) = call(&app, reqwest::Method::GET, me, Some(&mei), None).await;
    assert_eq!(status, 401);
    assert_eq!(
        problem["detail"],
        "The account this token belongs to is disabled."
    );

    // The token's last use is kept (at most hourly), never the token.
    let row = entity::api_token::Entity::find()
        .filter(entity::api_token::Column::UserId.eq(user_id(&app, GARETH).await))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(row.last_used_at.is_some());
}

#[tokio::test]
async fn votes_through_the_api_follow_the_rules_and_count_once() {
    let app = demo_app(&[]).await;
    let read = token(&app, MEI, TokenScope::Read, 30).await;
    let write = token(&app, MEI, TokenScope::Write, 30).await;
    // The newest request, Gareth's, has his vote alone.
    let (_, _, list) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/data-requests?sort=newest&limit=1",
        None,
        None,
    )
    .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let vote = format!("/api/v1/data-requests/{id}/vote");

    let (status, _, problem) = call(&app, reqwest::Method::PUT, &vote, None, None).await;
    assert_eq!(status, 401, "{problem}");
    let (status, _, problem) = call(&app, reqwest::Method::PUT, &vote, Some(&read), None).await;
    assert_eq!(status, 403);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("may only read")
    );

    // Five at once, with the same token: one vote.
    let mut calls = Vec::new();
    for _ in 0..5 {
        let app_url = app.url.clone();
        let write = write.clone();
        let vote = vote.clone();
        calls.push(tokio::spawn(async move {
            reqwest::Client::new()
                .put(format!("{app_url}{vote}"))
                .bearer_auth(write)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }));
    }
    let mut changed = 0;
    for c in calls {
        let result = c.await.unwrap();
        assert_eq!(result["voted"], true, "{result}");
        if result["changed"] == true {
            changed += 1;
        }
    }
    assert_eq!(changed, 1, "one of the five votes counted");
    let (_, _, one) = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/data-requests/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(one["votes"], 2);
    let rows = entity::dataset_request_vote::Entity::find()
        .filter(entity::dataset_request_vote::Column::RequestId.eq(id))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);

    // Withdrawing, twice: the second changes nothing.
    let (status, _, result) = call(&app, reqwest::Method::DELETE, &vote, Some(&write), None).await;
    assert_eq!(status, 200);
    assert_eq!(result["changed"], true);
    assert_eq!(result["votes"], 1);
    let (_, _, result) = call(&app, reqwest::Method::DELETE, &vote, Some(&write), None).await;
    assert_eq!(result["changed"], false);
    assert_eq!(result["votes"], 1);

    // A closed request takes no votes: 409, saying why.
    let (_, _, published) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/data-requests?status=published",
        None,
        None,
    )
    .await;
    let closed = published["items"][0]["id"].as_i64().unwrap();
    let (status, _, problem) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/data-requests/{closed}/vote"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("votes are final")
    );
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        "/api/v1/data-requests/999999/vote",
        Some(&write),
        None,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn answers_through_the_api_take_places_and_the_waiting_list() {
    let app = demo_app(&[]).await;
    let write = token(&app, MEI, TokenScope::Write, 30).await;
    let answer = "/api/v1/events/bus-data-hack-day/answer";

    // The hack day is full, with Helen and Priya waiting. Mei, going, can't come after all:
    // her place goes to Helen at once.
    let (status, _, cant) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "cant_come"})),
    )
    .await;
    assert_eq!(status, 200, "{cant}");
    assert_eq!(cant["standing"], "apologies");
    let (_, _, event) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/events/bus-data-hack-day",
        None,
        None,
    )
    .await;
    assert_eq!(event["title"], "Bus Data Hack Day");
    let going: Vec<String> =
        convene::rsvp::queries::attendees(app.db(), event["id"].as_i64().unwrap(), "")
            .await
            .unwrap()
            .into_iter()
            .filter(|(a, _)| a.response == entity::rsvp::Response::Going)
            .filter_map(|(_, u)| u.map(|u| u.email))
            .collect();
    assert_eq!(going.len(), 6, "the place was filled from the waiting list");
    assert!(going.contains(&"helen.mcallister@openstreets-trust.example".to_string()));
    // Going again puts her in line, after Priya.
    let (_, _, result) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "going", "extra": true, "note": "Vegetarian"})),
    )
    .await;
    assert_eq!(result["standing"], "waiting", "{result}");
    assert_eq!(result["position"], 2);
    // Answering again keeps her place.
    let (_, _, again) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(again["position"], 2);
    let (status, _, gone) = call(&app, reqwest::Method::DELETE, answer, Some(&write), None).await;
    assert_eq!(status, 200);
    assert_eq!(gone["standing"], "none");

    // A date of a series is answered at its own address; the series as a whole has none.
    let (_, _, surgery) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/events/open-data-surgery",
        None,
        None,
    )
    .await;
    let first = surgery["dates"][0]["url"].as_str().unwrap();
    let date = first.rsplit('/').next().unwrap();
    let (status, _, result) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/events/open-data-surgery/dates/{date}/answer"),
        Some(&write),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["standing"], "going");
    let rows = entity::rsvp::Entity::find()
        .filter(entity::rsvp::Column::Occurrence.eq(date))
        .filter(entity::rsvp::Column::UserId.eq(user_id(&app, MEI).await))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the answer is for that date");
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        "/api/v1/events/open-data-surgery/dates/2020-02-30/answer",
        Some(&write),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(status, 404, "a day the series does not meet");
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        "/api/v1/events/open-data-surgery/answer",
        Some(&write),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(status, 404, "a series is answered date by date");
    let (status, _, problem) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "going", "extras": true})),
    )
    .await;
    assert_eq!(status, 400, "a misspelt field is refused, not ignored");
    assert!(
        problem["detail"].as_str().unwrap().contains("extras"),
        "{problem}"
    );

    // Bad input is refused; drafts are not there.
    let (status, _, problem) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "going", "note": "x".repeat(501)})),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    let (status, _, problem) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "maybe"})),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    // A number where the document says text, or text where it says true or false, is
    // refused and named, not read as text; null is a field left out.
    for (body, says) in [
        (
            serde_json::json!({"answer": "going", "note": -1243}),
            "note: must be text",
        ),
        (
            serde_json::json!({"answer": "going", "extra": "yes"}),
            "extra: must be true or false",
        ),
    ] {
        let (status, _, problem) =
            call(&app, reqwest::Method::PUT, answer, Some(&write), Some(body)).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["detail"], says);
    }
    let (status, _, problem) = call(
        &app,
        reqwest::Method::PUT,
        answer,
        Some(&write),
        Some(serde_json::json!({"answer": "cant_come", "note": null, "extra": null})),
    )
    .await;
    assert_eq!(status, 200, "{problem}");
    let draft = entity::event::Entity::find()
        .filter(entity::event::Column::Title.eq("Street Works Data Surgery"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(draft.status, entity::event::EventStatus::Draft);
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/events/{}/answer", draft.slug),
        Some(&write),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(status, 404, "a draft is not there for the API either");
    // Not even for its author, whose page shows it to them.
    let gareth = token(&app, GARETH, TokenScope::Write, 30).await;
    let (status, _, _) = call(
        &app,
        reqwest::Method::PUT,
        &format!("/api/v1/events/{}/answer", draft.slug),
        Some(&gareth),
        Some(serde_json::json!({"answer": "going"})),
    )
    .await;
    assert_eq!(status, 404, "nor for its author");
}

#[tokio::test]
async fn the_command_line_makes_a_token_for_a_service_account() {
    let app = demo_app(&[]).await;
    let out = app.command(&[
        "token",
        GARETH,
        "--name",
        "Riverside dashboard",
        "--scope",
        "write",
        "--days",
        "30",
    ]);
    assert!(out.status.success(), "{}", crate::helpers::stderr(&out));
    let secret = crate::helpers::stdout(&out).trim().to_string();
    let (status, _, me) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/me",
        Some(&secret),
        None,
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["name"], "Gareth Lloyd");
    assert_eq!(me["token_name"], "Riverside dashboard");
    let entry = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("api_token.create"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.actor_label, "command line");

    for (args, says) in [
        (vec!["token", GARETH, "--scope", "admin"], "--scope: "),
        (vec!["token", GARETH, "--days", "400"], "--days: "),
        (vec!["token", GARETH, "--name", " "], "--name: "),
        (
            vec!["token", "nobody@nowhere.example"],
            "nobody@nowhere.example",
        ),
    ] {
        let out = app.command(&args);
        assert!(!out.status.success(), "{args:?} succeeded");
        let err = crate::helpers::stderr(&out);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(
            crate::helpers::stdout(&out).trim().is_empty(),
            "no token printed"
        );
    }
}
