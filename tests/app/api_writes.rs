//! Writes through the API with a member's token, under the pages' rules: starting forum
//! threads and replying (where the member may, not in a locked thread, read on the site at
//! the address given), and drafting events through the event form's checks (a draft is the
//! member's on the site and never in the API; submitted ones wait for the admins). A read
//! token cannot; a body the document does not describe is a 400 naming the field, one that
//! breaks the form's rules a 422 naming it.

use entity::api_token::TokenScope;
use entity::{event, forum_thread};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::json;

use crate::api_tokens::{call, token};
use crate::helpers::{demo_app, read, signed_in};

const GARETH: &str = "gareth.lloyd@riverside-city.example";
const PRIYA: &str = "priya.shah@northvale-council.example";

#[tokio::test]
async fn members_start_threads_and_reply_with_a_token() {
    let app = demo_app(&[]).await;
    let write = token(&app, GARETH, TokenScope::Write, 30).await;
    let read_only = token(&app, GARETH, TokenScope::Read, 30).await;
    let post = reqwest::Method::POST;
    let thread = json!({
        "category": "transport",
        "title": "Bus stop accessibility survey",
        "body": "Has anyone **mapped** step-free stops in Riverside?"
    });

    let (status, _, problem) = call(
        &app,
        post.clone(),
        "/api/v1/forum/threads",
        Some(&read_only),
        Some(thread.clone()),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    let (status, _, started) = call(
        &app,
        post.clone(),
        "/api/v1/forum/threads",
        Some(&write),
        Some(thread),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["held"], false);
    let url = started["url"].as_str().unwrap();
    let at = url.trim_start_matches(&app.url);
    let reader = signed_in(&app, PRIYA).await;
    let (status, page) = read(&reader, &app, at.split('#').next().unwrap()).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bus stop accessibility survey"));
    assert!(page.contains("<strong>mapped</strong>"));
    let (_, _, threads) = call(
        &app,
        reqwest::Method::GET,
        "/api/v1/forum/threads?category=transport",
        None,
        None,
    )
    .await;
    assert_eq!(
        threads["items"][0]["title"],
        "Bus stop accessibility survey"
    );

    let id = started["thread_id"].as_i64().unwrap();
    let replies = format!("/api/v1/forum/threads/{id}/posts");
    let (status, _, replied) = call(
        &app,
        post.clone(),
        &replies,
        Some(&write),
        Some(json!({"body": "I will bring the county's list to the next meeting."})),
    )
    .await;
    assert_eq!(status, 201, "{replied}");
    assert!(
        replied["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("#post-{}", replied["post_id"]))
    );
    let (_, page) = read(&reader, &app, at.split('#').next().unwrap()).await;
    assert!(page.contains("the county&#x27;s list") || page.contains("the county's list"));

    // Bad input, and the rules.
    for (body, status_wanted, says) in [
        (json!({"body": "  "}), 422, "body: Write your post."),
        (json!({"body": 42}), 400, "body: must be text"),
        (json!({"body": "Hi", "signature": "G"}), 400, "signature"),
    ] {
        let (status, _, problem) =
            call(&app, post.clone(), &replies, Some(&write), Some(body)).await;
        assert_eq!(status, status_wanted, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{problem}"
        );
    }
    let (status, _, problem) = call(
        &app,
        post.clone(),
        "/api/v1/forum/threads",
        Some(&write),
        Some(json!({"category": "announcements", "title": "Hello", "body": "From a member"})),
    )
    .await;
    assert_eq!(
        status, 403,
        "only admins start threads in announcements: {problem}"
    );
    let (status, _, _) = call(
        &app,
        post.clone(),
        "/api/v1/forum/threads",
        Some(&write),
        Some(json!({"category": "no-such-place", "title": "Hello", "body": "Hi"})),
    )
    .await;
    assert_eq!(status, 404);
    let mut locked = forum_thread::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    locked.locked = Set(true);
    locked.update(app.db()).await.unwrap();
    let (status, _, problem) = call(
        &app,
        post,
        &replies,
        Some(&write),
        Some(json!({"body": "One more thing"})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        problem["detail"],
        "This thread is locked: it takes no more replies."
    );
}

#[tokio::test]
async fn members_draft_events_with_a_token_through_the_forms_checks() {
    let app = demo_app(&[]).await;
    let write = token(&app, GARETH, TokenScope::Write, 30).await;
    let next_year = chrono::Utc::now().date_naive() + chrono::Duration::days(200);
    let day = next_year.format("%Y-%m-%d").to_string();
    let draft = json!({
        "title": "Open Street Works Clinic",
        "summary": "Bring your street works data questions.",
        "start_date": day,
        "start_time": "10:00",
        "end_time": "12:00",
        "place_name": "Riverside Library",
        "tags": ["streetworks", "Roads"],
    });
    let post = reqwest::Method::POST;
    let (status, _, made) = call(
        &app,
        post.clone(),
        "/api/v1/events",
        Some(&write),
        Some(draft.clone()),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["status"], "draft");
    let slug = made["slug"].as_str().unwrap();
    let stored = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, event::EventStatus::Draft);
    assert_eq!(stored.place_name.as_deref(), Some("Riverside Library"));
    // A draft is not in the API, for its author either; on the site it is theirs.
    let (status, _, _) = call(
        &app,
        reqwest::Method::GET,
        &format!("/api/v1/events/{slug}"),
        Some(&write),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let gareth = signed_in(&app, GARETH).await;
    let (status, mine) = read(&gareth, &app, "/events/mine").await;
    assert_eq!(status, 200);
    assert!(mine.contains("Open Street Works Clinic"));

    // Sent to the admins: in the moderation queue.
    let mut submitted = draft.clone();
    submitted["title"] = json!("Street Works Clinic, second session");
    submitted["submit"] = json!(true);
    let (status, _, made) = call(
        &app,
        post.clone(),
        "/api/v1/events",
        Some(&write),
        Some(submitted),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["status"], "submitted");
    let priya = signed_in(&app, PRIYA).await;
    let (_, queue) = read(&priya, &app, "/admin/moderation").await;
    assert!(queue.contains("Street Works Clinic, second session"));

    // The form's checks, named.
    let mut backwards = draft.clone();
    backwards["end_time"] = json!("09:00");
    let mut past = draft.clone();
    past["start_date"] = json!("2020-03-04");
    let mut typed = draft.clone();
    typed["title"] = json!(7);
    let mut tag_numbers = draft.clone();
    tag_numbers["tags"] = json!(["roads", 12]);
    // A body the document does not describe is a 400; one that breaks the form's rules, 422.
    for (body, wanted, says) in [
        (backwards, 422, "end_time: The end must be after the start."),
        (past, 422, "past: "),
        (typed, 400, "title: must be text"),
        (tag_numbers, 400, "tags: must be a list of texts"),
        (
            json!({"title": "", "summary": "x", "start_date": day, "start_time": "10:00", "end_time": "11:00"}),
            422,
            "title: ",
        ),
    ] {
        let (status, _, problem) = call(
            &app,
            post.clone(),
            "/api/v1/events",
            Some(&write),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, wanted, "{body}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(says),
            "{body}: {problem}"
        );
    }
    let read_only = token(&app, GARETH, TokenScope::Read, 30).await;
    let (status, _, _) = call(&app, post, "/api/v1/events", Some(&read_only), Some(draft)).await;
    assert_eq!(status, 403);
}
