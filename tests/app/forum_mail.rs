//! Who the forum mails, as the outbox holds it: members a post mentions by their handle
//! (shown beside their name), and the followers of a thread (who started it, posted in it,
//! or pressed "Follow"), never the author, never twice for one post, and nobody who turned
//! the forum's mail off.

use entity::{forum_thread, outbox};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::forum_common::{newest_post, reply};
use crate::helpers::{TestApp, demo_app, signed_in};
use crate::oidc::location;

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const SAM: &str = "sam.whitfield@riverside-city.example";

/// The forum messages about the post `post_id`, as (kind, address), sorted.
async fn mail_about(app: &TestApp, post_id: i64) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = outbox::Entity::find()
        .filter(outbox::Column::Kind.is_in(["forum-mention", "forum-reply"]))
        .filter(outbox::Column::DedupeKey.starts_with(format!("forum-post:{post_id}:")))
        .order_by_asc(outbox::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.kind, m.to_address))
        .collect();
    found.sort();
    found
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(k, a)| (k.to_string(), a.to_string()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn followers_and_mentioned_members_hear_of_each_post_once() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;
    let tom = signed_in(&app, TOM).await;

    // Sam starts a thread mentioning Gareth: Gareth hears; an address is not a mention.
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", "Ferry timetable data"),
                (
                    "body",
                    "Does anyone hold it? @gareth-lloyd might know (or mail tom@eastmere-uni.example).",
                ),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let address = location(&resp);
    let thread = forum_thread::Entity::find()
        .filter(forum_thread::Column::Title.eq("Ferry timetable data"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let first = newest_post(&app).await.id;
    assert_eq!(
        mail_about(&app, first).await,
        pairs(&[("forum-mention", GARETH)])
    );

    // Handles are shown beside names; the author follows what they started.
    let html = crate::helpers::unescape(
        &sam.get(&format!("{}{address}", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(
        html.contains("@sam-whitfield"),
        "the handle beside the name"
    );
    assert!(html.contains("Stop following"));

    // Gareth replies mentioning Priya and somebody unknown: Sam (following) and Priya hear.
    let second = reply(
        &app,
        &gareth,
        thread.id,
        "Ask @priya-shah, or @nobody-by-that-name.",
    )
    .await;
    assert_eq!(
        mail_about(&app, second).await,
        pairs(&[("forum-mention", PRIYA), ("forum-reply", SAM)])
    );

    // Tom follows without posting; Priya's reply mentions Gareth, who also follows (he
    // posted): one message each, the mention for Gareth.
    let (_, html) = {
        let resp = tom.get(&format!("{}{address}", app.url)).await;
        (resp.status(), resp.text().await.unwrap())
    };
    assert!(html.contains(r#"value="follow""#), "a Follow button");
    let resp = tom
        .post(
            &app,
            &format!("/forum/threads/{}/follow", thread.id),
            &[("decision", "follow")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let third = reply(&app, &priya, thread.id, "Sent the file to @gareth-lloyd.").await;
    assert_eq!(
        mail_about(&app, third).await,
        pairs(&[
            ("forum-mention", GARETH),
            ("forum-reply", SAM),
            ("forum-reply", TOM)
        ])
    );

    // What a message says.
    let m = outbox::Entity::find()
        .filter(outbox::Column::DedupeKey.starts_with(format!("forum-post:{third}:")))
        .filter(outbox::Column::ToAddress.eq(TOM))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = priya
        .get(&format!("{}/admin/outbox/{}", app.url, m.id))
        .await;
    let text = crate::helpers::unescape(&resp.text().await.unwrap()).replace("&quot;", "\"");
    assert!(
        text.contains("New in \"Ferry timetable data\" from Priya Shah"),
        "the subject: {text}"
    );
    assert!(text.contains("Sent the file to @gareth-lloyd."));
    assert!(text.contains(&format!("/forum/posts/{third}")));

    // Sam stops following: the next post reaches the others only.
    let resp = sam
        .post(
            &app,
            &format!("/forum/threads/{}/follow", thread.id),
            &[("decision", "unfollow")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let fourth = reply(&app, &tom, thread.id, "Thanks all.").await;
    assert_eq!(
        mail_about(&app, fourth).await,
        pairs(&[("forum-reply", GARETH), ("forum-reply", PRIYA)])
    );

    // A post naming more than ten members mentions nobody.
    let many: Vec<String> = (0..11).map(|i| format!("@member-{i}")).collect();
    let body = format!("{} and @sam-whitfield", many.join(" "));
    let fifth = reply(&app, &gareth, thread.id, &body).await;
    assert!(
        !mail_about(&app, fifth)
            .await
            .iter()
            .any(|(kind, _)| kind == "forum-mention")
    );

    // Bad choices are explained.
    let resp = tom
        .post(
            &app,
            &format!("/forum/threads/{}/follow", thread.id),
            &[("decision", "maybe")],
        )
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn a_member_who_turned_the_forum_off_is_not_mailed() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let page = gareth
        .get(&format!("{}/profile/mail", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("When a post mentions you by your handle"));
    // Every topic but the forum's stays on.
    let resp = gareth
        .post(
            &app,
            "/profile/mail",
            &[
                ("decisions", "on"),
                ("changes", "on"),
                ("places", "on"),
                ("reminders", "on"),
                ("meetings", "on"),
                ("actions", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", "Cycle counter data"),
                ("body", "@gareth-lloyd do you know where these are?"),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let post = newest_post(&app).await.id;
    assert!(mail_about(&app, post).await.is_empty());
}
