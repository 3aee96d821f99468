//! New members' first posts held for approval (`forum_hold_first_posts`): their author sees
//! them, marked as waiting, nobody else does (not in threads, lists, feeds, searches or
//! page discussions), admins find them counted beside "Admin" and approve them (the
//! followers then hear of them) or turn them down with a reason; both in the audit log.
//! Admins' posts and approved members' posts never wait.

use entity::{audit_log, forum_post, forum_thread, outbox};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::forum_common::newest_post;
use crate::helpers::{demo_app, read, signed_in};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
/// Sam has one post in the demo forum: with two to be approved, he is new.
const SAM: &str = "sam.whitfield@riverside-city.example";

#[tokio::test]
async fn a_new_members_first_post_waits_until_an_admin_approves_it() {
    let app = demo_app(&[("forum_hold_first_posts", "2")]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;
    let visitor = Browser::new();

    // Gareth has two posts in the demo: his go straight up.
    let resp = gareth
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", "Bus stop inventory"),
                ("body", "Where is the latest NaPTAN extract for Riverside?"),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = forum_thread::Entity::find()
        .filter(forum_thread::Column::Title.eq("Bus stop inventory"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(!thread.held);
    let address = location(&resp);

    // Sam, new, replies: he is told it waits, and sees it marked on the thread.
    let resp = sam
        .post(
            &app,
            &format!("/forum/threads/{}/reply", thread.id),
            &[
                ("body", "Zanzibar quarterly extracts are on the portal."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let held = newest_post(&app).await;
    assert!(held.held);
    let (_, html) = read(&sam, &app, &address).await;
    assert!(
        html.contains("your first posts wait for an admin's approval"),
        "the flash"
    );
    assert!(html.contains("Zanzibar quarterly extracts"));
    assert!(html.contains("Waiting for an admin's approval"));

    // Nobody else sees it, anywhere, and nobody is mailed yet.
    for who in [&visitor, &gareth] {
        let (status, html) = read(who, &app, &address).await;
        assert_eq!(status, 200, "the thread itself is there");
        assert!(!html.contains("Zanzibar"), "the post");
        assert!(!html.contains("Hidden by an admin"), "nor its place");
    }
    let (_, html) = read(&visitor, &app, "/search?q=zanzibar").await;
    assert!(html.contains("No forum thread or post matches"));
    let thread_now = forum_thread::Entity::find_by_id(thread.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread_now.post_count, 1, "it counts for nothing yet");
    let mails = outbox::Entity::find()
        .filter(outbox::Column::DedupeKey.starts_with(format!("forum-post:{}:", held.id)))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(mails, 0);

    // The admins see it counted, and approve it from their page.
    let (_, html) = read(&priya, &app, "/admin").await;
    assert!(html.contains("Forum posts waiting for approval"));
    let (status, html) = read(&priya, &app, "/admin/forum/reports").await;
    assert_eq!(status, 200);
    assert!(html.contains("New members' posts waiting for approval"));
    assert!(html.contains("Zanzibar quarterly extracts"));
    let resp = gareth
        .post(
            &app,
            &format!("/forum/posts/{}/hide", held.id),
            &[("decision", "show")],
        )
        .await;
    assert_eq!(resp.status(), 403, "members do not approve");
    let resp = priya
        .post(
            &app,
            &format!("/forum/posts/{}/hide", held.id),
            &[("decision", "show")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&gareth, &app, &address).await;
    assert!(
        html.contains("Zanzibar quarterly extracts"),
        "everyone reads it now"
    );
    assert!(!html.contains("Waiting for an admin's approval"));
    let thread_now = forum_thread::Entity::find_by_id(thread.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(thread_now.post_count, 2);
    let told: Vec<String> = outbox::Entity::find()
        .filter(outbox::Column::DedupeKey.starts_with(format!("forum-post:{}:", held.id)))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.to_address)
        .collect();
    assert_eq!(told, [GARETH], "the follower hears once it is approved");
    assert_eq!(
        audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("forum.post.approve"))
            .count(app.db())
            .await
            .unwrap(),
        1
    );

    // Approved once, Sam's next post goes straight up.
    let resp = sam
        .post(
            &app,
            &format!("/forum/threads/{}/reply", thread.id),
            &[("body", "And the monthly ones too."), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert!(!newest_post(&app).await.held);
}

#[tokio::test]
async fn a_new_members_thread_waits_and_a_turned_down_post_stays_hidden() {
    let app = demo_app(&[("forum_hold_first_posts", "3")]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;

    let resp = sam
        .post(
            &app,
            "/forum/general/new",
            &[
                ("title", "Cheap watches"),
                ("body", "Buy now at the link."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let address = location(&resp);
    let thread = forum_thread::Entity::find()
        .filter(forum_thread::Column::Title.eq("Cheap watches"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(thread.held && thread.hidden_at.is_some());
    let (status, html) = read(&sam, &app, &address).await;
    assert_eq!(status, 200, "its author sees the thread");
    assert!(html.contains("This thread waits for an admin's approval"));
    assert!(html.contains("Replies open once an admin has approved the thread"));
    let (status, _) = read(&gareth, &app, &address).await;
    assert_eq!(status, 404, "nobody else does");
    let (_, html) = read(&gareth, &app, "/forum/general").await;
    assert!(!html.contains("Cheap watches"));
    let feed = gareth
        .get(&format!("{}/forum/feed.atom", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(!feed.contains("Cheap watches"));

    // A discussion post from a page waits too.
    let resp = sam
        .post(
            &app,
            "/events/bus-data-hack-day/discussion",
            &[("body", "Is there parking?"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, "/events/bus-data-hack-day").await;
    assert!(html.contains("your first posts wait for an admin's approval"));
    let (_, html) = read(&gareth, &app, "/events/bus-data-hack-day").await;
    assert!(!html.contains("Is there parking?"));

    // Turned down with a reason: hidden for good, no longer waiting.
    let opening = forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread.id))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = priya
        .post(
            &app,
            &format!("/forum/posts/{}/hide", opening.id),
            &[("decision", "hide"), ("note", "Advertising")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = forum_thread::Entity::find_by_id(thread.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(!thread.held && thread.hidden_at.is_some());
    assert_eq!(thread.hidden_reason.as_deref(), Some("Advertising"));
    let (status, _) = read(&sam, &app, &address).await;
    assert_eq!(
        status, 404,
        "a turned-down thread is gone for its author too"
    );
    let (_, html) = read(&priya, &app, "/admin/forum/reports").await;
    assert!(!html.contains("Buy now at the link"), "no longer waiting");
    assert!(
        html.contains("Is there parking?"),
        "the other one still waits"
    );
    assert_eq!(
        audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("forum.post.reject"))
            .count(app.db())
            .await
            .unwrap(),
        1
    );

    // Admins never wait.
    let resp = priya
        .post(
            &app,
            "/forum/announcements/new",
            &[
                ("title", "Next meeting"),
                ("body", "Save the date."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert!(!newest_post(&app).await.held);
}
