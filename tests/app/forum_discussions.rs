//! Discussions of pages: every public event, each date of a series and every meeting has a
//! "Discussion" section, whose first post starts a forum thread that links back to the page.
//! Drafts are not discussed, the forum's locking and hiding apply, bad posts are explained
//! with the text kept, and two first posts at once make one thread (on both databases).

use entity::event::EventStatus;
use entity::{event, forum_category, forum_thread, meeting};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, demo_app, read, signed_in};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";

/// The page's discussion section.
fn discussion(html: &str) -> &str {
    let at = html
        .find(r#"<section class="section discussion""#)
        .expect("a discussion section");
    &html[at..at + html[at..].find("</section>").unwrap()]
}

/// A published one-off event of the demo that nobody has discussed yet.
async fn quiet_event(app: &TestApp) -> event::Model {
    event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Published))
        .filter(event::Column::Rrule.is_null())
        .filter(event::Column::Title.ne("Bus Data Hack Day"))
        .order_by_asc(event::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .expect("a published event")
}

async fn thread_about(app: &TestApp, subject: &str) -> Option<forum_thread::Model> {
    forum_thread::Entity::find()
        .filter(forum_thread::Column::Subject.eq(subject))
        .one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_post_on_an_event_page_starts_a_thread_that_links_back() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;

    // The demo's hack day is being discussed: visitors read it and are asked to sign in.
    let (status, html) = read(&visitor, &app, "/events/bus-data-hack-day").await;
    assert_eq!(status, 200);
    let part = discussion(&html);
    assert!(
        part.contains("step-free access to the Digital Hub"),
        "{part}"
    );
    assert!(part.contains("the latest 3 are shown") && part.contains("Read the whole discussion"));
    assert!(part.contains("Sign in</a> to join the discussion"));
    assert!(!part.contains("<textarea"));

    let e = quiet_event(&app).await;
    let page = format!("/events/{}", e.slug);
    let (_, html) = read(&sam, &app, &page).await;
    let part = discussion(&html);
    assert!(part.contains("Nobody has written about"), "{part}");
    assert!(part.contains(&format!(r#"action="{page}/discussion""#)));
    assert!(part.contains("Start the discussion"));
    assert!(
        thread_about(&app, &format!("event:{}", e.id))
            .await
            .is_none()
    );

    // An empty post is explained; a preview shows the post and starts nothing; both keep
    // the text on a page of their own.
    let action = format!("{page}/discussion");
    let resp = sam
        .post(&app, &action, &[("body", "  "), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 422);
    let html = crate::helpers::unescape(&resp.text().await.unwrap());
    assert!(html.contains("<title>Error: Discuss"), "an error title");
    assert!(html.contains("There is a problem"));
    let resp = sam
        .post(
            &app,
            &action,
            &[("body", "Will there be **slides**?"), ("action", "preview")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("<strong>slides</strong>"));
    assert!(
        html.contains("Will there be **slides**?</textarea>"),
        "the text kept"
    );
    assert!(
        thread_about(&app, &format!("event:{}", e.id))
            .await
            .is_none()
    );

    // The first post starts the thread, in the category the forum makes for events.
    let resp = sam
        .post(
            &app,
            &action,
            &[("body", "Will there be **slides**?"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("{page}#discussion"));
    let thread = thread_about(&app, &format!("event:{}", e.id))
        .await
        .expect("a thread about the event");
    assert_eq!(thread.title, e.title);
    let category = forum_category::Entity::find_by_id(thread.category_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(category.holds.as_deref(), Some("events"));
    assert_eq!(category.name, "Event discussions");

    // Replies from the page add to it.
    let resp = gareth
        .post(
            &app,
            &action,
            &[("body", "Yes, they go up afterwards."), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = thread_about(&app, &format!("event:{}", e.id))
        .await
        .unwrap();
    assert_eq!(thread.post_count, 2);
    assert_eq!(
        forum_thread::Entity::find()
            .filter(forum_thread::Column::CategoryId.eq(category.id))
            .count(app.db())
            .await
            .unwrap(),
        2,
        "this and the hack day's: one category for every event discussion"
    );
    let (_, html) = read(&visitor, &app, &page).await;
    let part = discussion(&html);
    assert!(part.contains("<strong>slides</strong>") && part.contains("they go up afterwards"));
    assert!(part.contains("2 posts in the forum"));

    // The thread links back to its page.
    let resp = visitor
        .get(&format!("{}/forum/threads/{}", app.url, thread.id))
        .await;
    assert_eq!(
        resp.status(),
        301,
        "the thread's lasting address leads to it"
    );
    let (status, html) = read(&visitor, &app, &location(&resp)).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(r#"About <a href="{page}">{}</a>"#, e.title)),
        "the link back"
    );

    // Sign-in first for the compose page.
    let resp = visitor
        .client
        .get(format!("{}{action}", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let (status, html) = read(&sam, &app, &action).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("About <a href=\"{page}\">")));
}

#[tokio::test]
async fn dates_of_a_series_and_meetings_have_their_own_discussions() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;

    // One date of a series: its own thread, not the series'.
    let series = event::Entity::find()
        .filter(event::Column::Slug.eq("northvale-open-data-forum"))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo's forum meetings");
    assert!(series.rrule.is_some());
    let (_, html) = read(&sam, &app, &format!("/events/{}", series.slug)).await;
    let prefix = format!(r#"href="/events/{}/2"#, series.slug);
    let at = html.find(&prefix).expect("a link to one date") + prefix.len() - 1;
    let date = &html[at..at + 10];
    let date_page = format!("/events/{}/{date}", series.slug);
    let (status, html) = read(&sam, &app, &date_page).await;
    assert_eq!(status, 200);
    assert!(discussion(&html).contains(&format!(r#"action="{date_page}/discussion""#)));
    let resp = sam
        .post(
            &app,
            &format!("{date_page}/discussion"),
            &[("body", "Is this one online too?"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = thread_about(&app, &format!("event:{}:{date}", series.id))
        .await
        .expect("the date's thread");
    assert!(
        thread.title.starts_with(&format!("{}, ", series.title)),
        "{}",
        thread.title
    );
    assert!(
        thread_about(&app, &format!("event:{}", series.id))
            .await
            .is_none()
    );
    let (_, html) = read(&sam, &app, &format!("/events/{}", series.slug)).await;
    assert!(
        !discussion(&html).contains("online too"),
        "the series' own is apart"
    );
    // A day the series does not meet has no page to discuss.
    let resp = sam
        .post(
            &app,
            &format!("/events/{}/1999-01-01/discussion", series.slug),
            &[("body", "Hello"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 404);

    // The demo's latest meeting is discussed; members add to it from its page.
    let m = meeting::Entity::find()
        .filter(meeting::Column::StartsAt.lt(chrono::Utc::now()))
        .order_by_desc(meeting::Column::StartsAt)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let page = format!("/meetings/{}", m.slug);
    let (status, html) = read(&sam, &app, &page).await;
    assert_eq!(status, 200);
    let part = discussion(&html);
    assert!(part.contains("gritting routes"), "{part}");
    assert!(part.contains("<strong>matters arising</strong>"));
    let resp = sam
        .post(
            &app,
            &format!("{page}/discussion"),
            &[("body", "I can help chase Highways."), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let thread = thread_about(&app, &format!("meeting:{}", m.id))
        .await
        .unwrap();
    assert_eq!(thread.post_count, 3);
    let category = forum_category::Entity::find_by_id(thread.category_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(category.holds.as_deref(), Some("meetings"));
}

#[tokio::test]
async fn drafts_are_not_discussed_and_locked_or_hidden_discussions_take_no_posts() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let priya = signed_in(&app, PRIYA).await;

    // An event waiting for review: not even its author or an admin discusses it yet.
    let draft = event::Entity::find()
        .filter(event::Column::Status.is_in([
            EventStatus::Draft,
            EventStatus::Submitted,
            EventStatus::ChangesRequested,
        ]))
        .one(app.db())
        .await
        .unwrap()
        .expect("a demo event not yet public");
    for who in [&sam, &priya] {
        let resp = who
            .post(
                &app,
                &format!("/events/{}/discussion", draft.slug),
                &[("body", "Early thoughts"), ("action", "post")],
            )
            .await;
        assert_eq!(resp.status(), 404);
    }
    let (_, html) = read(&priya, &app, &format!("/events/{}", draft.slug)).await;
    assert!(
        !html.contains(r#"id="discussion""#),
        "no section on a draft"
    );

    // The hack day's discussion, locked by an admin.
    let hack_day = event::Entity::find()
        .filter(event::Column::Title.eq("Bus Data Hack Day"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let thread = thread_about(&app, &format!("event:{}", hack_day.id))
        .await
        .unwrap();
    let moderate = format!("/forum/threads/{}/moderate", thread.id);
    let resp = priya.post(&app, &moderate, &[("decision", "lock")]).await;
    assert_eq!(resp.status(), 303);
    let action = "/events/bus-data-hack-day/discussion";
    let resp = sam
        .post(
            &app,
            action,
            &[("body", "One more thing"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("This thread is locked"));
    let (_, html) = read(&sam, &app, "/events/bus-data-hack-day").await;
    let part = discussion(&html);
    assert!(part.contains("The discussion is locked"));
    assert!(!part.contains("<textarea"), "no box to post in");

    // Hidden: the page says so and shows none of it; posting finds nothing.
    let resp = priya
        .post(
            &app,
            &moderate,
            &[("decision", "hide"), ("note", "Off topic")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, "/events/bus-data-hack-day").await;
    let part = discussion(&html);
    assert!(part.contains("The admins have hidden this discussion"));
    assert!(!part.contains("step-free"));
    let resp = sam
        .post(&app, action, &[("body", "Anyone?"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn two_first_posts_at_once_make_one_thread() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let e = quiet_event(&app).await;
    let action = format!("/events/{}/discussion", e.slug);
    let (a, b) = tokio::join!(
        sam.post(&app, &action, &[("body", "First!"), ("action", "post")]),
        gareth.post(
            &app,
            &action,
            &[("body", "Also first!"), ("action", "post")]
        ),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    let threads = forum_thread::Entity::find()
        .filter(forum_thread::Column::Subject.eq(format!("event:{}", e.id)))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(threads.len(), 1);
    assert_eq!(threads[0].post_count, 2, "both posts are in it");
}
