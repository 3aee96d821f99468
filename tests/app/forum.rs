//! The forum: members start threads and reply in Markdown that cannot carry script, quote
//! and edit (earlier versions for admins) and delete their own posts, follow threads and see
//! what is new since their last visit; admins pin, lock and hide, keep a category to
//! themselves and order the categories; floods and double clicks are held back; bad input is
//! explained with the form refilled.

use entity::{audit_log, forum_post, forum_thread};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, demo_app, read, signed_in, unescaped};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";

/// Follows a 303 to where it leads, and reads that page.
async fn follow(browser: &Browser, app: &TestApp, resp: reqwest::Response) -> (String, String) {
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let to = location(&resp);
    let path = to.split('#').next().unwrap().to_string();
    let (status, html) = read(browser, app, &path).await;
    assert_eq!(status, 200, "{to}");
    (to, html)
}

async fn thread_titled(app: &TestApp, title: &str) -> forum_thread::Model {
    forum_thread::Entity::find()
        .filter(forum_thread::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("a thread {title:?}"))
}

async fn posts_of(app: &TestApp, thread: i64) -> Vec<forum_post::Model> {
    forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread))
        .order_by_asc(forum_post::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

/// The table row of the thread titled `title` on a category page.
fn row<'a>(html: &'a str, title: &str) -> &'a str {
    let at = html
        .find(&format!(">{title}</a>"))
        .unwrap_or_else(|| panic!("no row for {title}"));
    let start = html[..at].rfind("<tr>").unwrap();
    let end = at + html[at..].find("</tr>").unwrap();
    &html[start..end]
}

/// Sam starts a thread in Transport and returns its address.
async fn start(app: &TestApp, sam: &Browser, title: &str, body: &str) -> String {
    let resp = sam
        .post(
            app,
            "/forum/transport/new",
            &[("title", title), ("body", body), ("action", "post")],
        )
        .await;
    let to = location(&resp);
    assert_eq!(resp.status(), 303);
    to
}

#[tokio::test]
async fn members_start_threads_and_reply_and_everyone_reads_them() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;

    // The demo's categories, in order, with their counts.
    let (status, html) = read(&visitor, &app, "/forum").await;
    assert_eq!(status, 200);
    let order: Vec<usize> = ["Announcements", "Data requests", "Transport", "General"]
        .iter()
        .map(|c| {
            html.find(&format!(">{c}</a>"))
                .unwrap_or_else(|| panic!("{c}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "in the admins' order"
    );
    // Two threads, and the demo's discussion of a dataset request (three posts).
    assert!(html.contains("3 threads, 8 posts"), "Data requests' counts");
    assert!(
        html.contains(r#"href="/forum""#),
        "the Forum is in the navigation"
    );

    // Visitors read but are asked to sign in to write.
    let (_, html) = read(&visitor, &app, "/forum/transport").await;
    assert!(html.contains("to start a thread or reply"));
    let resp = visitor
        .client
        .get(format!("{}/forum/transport/new", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "visitors are sent to sign in");
    assert!(location(&resp).starts_with("/auth/signin?return_to="));

    // A preview shows the post as it will read and starts nothing.
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", "Tram stop accessibility data"),
                (
                    "body",
                    "Does anyone hold **step-free** access data for tram stops?",
                ),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("<strong>step-free</strong>"), "the preview");
    assert!(
        html.contains(r#"value="Tram stop accessibility data""#),
        "the form refilled"
    );
    assert_eq!(
        forum_thread::Entity::find()
            .filter(forum_thread::Column::Title.eq("Tram stop accessibility data"))
            .count(app.db())
            .await
            .unwrap(),
        0,
        "a preview starts no thread"
    );

    let address = start(
        &app,
        &sam,
        "Tram stop accessibility data",
        "Does anyone hold **step-free** access data for tram stops?",
    )
    .await;
    assert!(
        address.starts_with("/forum/transport/")
            && address.ends_with("-tram-stop-accessibility-data"),
        "{address}"
    );
    let (_, html) = read(&visitor, &app, &address).await;
    assert!(html.contains("<h1>Tram stop accessibility data</h1>"));
    // The home page's latest activity has it first.
    let (_, home) = read(&visitor, &app, "/").await;
    let latest = &home[home
        .find("Latest in the forum")
        .expect("the forum on the home page")..];
    assert!(
        latest.find("Tram stop accessibility data").unwrap()
            < latest.find("Slides from the autumn meeting").unwrap(),
        "the newest thread first"
    );
    assert!(html.contains("<strong>step-free</strong>"));
    assert!(html.contains("Sam Whitfield"));
    // The thread's number alone leads to its full address.
    let thread = thread_titled(&app, "Tram stop accessibility data").await;
    let resp = visitor
        .client
        .get(format!("{}/forum/transport/{}", app.url, thread.id))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), address);

    // Gareth replies; the reply's address is its place in the thread.
    let resp = gareth
        .post(
            &app,
            &format!("/forum/threads/{}/reply", thread.id),
            &[
                (
                    "body",
                    "Riverside has it for its own stops: I will share the file.",
                ),
                ("action", "post"),
            ],
        )
        .await;
    let (to, html) = follow(&gareth, &app, resp).await;
    let reply = posts_of(&app, thread.id).await.pop().unwrap();
    assert!(to.ends_with(&format!("#post-{}", reply.id)), "{to}");
    assert!(html.contains("I will share the file."));
    assert!(html.contains("Your reply has been posted."));
    // A visitor, whose pages come from memory until a change, sees it at once.
    let (_, html) = read(&visitor, &app, &address).await;
    assert!(
        html.contains("I will share the file."),
        "a stale page for visitors"
    );

    // The category lists it first, with its reply, and Sam sees that it is new to him.
    let (_, html) = read(&sam, &app, "/forum/transport").await;
    assert!(
        row(&html, "Tram stop accessibility data").contains(">New</span>"),
        "a reply Sam has not read"
    );
    assert!(html.find("Tram stop").unwrap() < html.find("Cycle counter data").unwrap());
    let (_, html) = read(&sam, &app, &address).await;
    assert!(html.contains(r#"id="new""#), "the first new post is marked");
    let (_, html) = read(&sam, &app, "/forum/transport").await;
    assert!(
        !row(&html, "Tram stop accessibility data").contains(">New</span>"),
        "read now"
    );
    // A double click sends the same reply twice at once: it is posted once.
    let body = "Thanks Gareth, that would be great.";
    let path = format!("/forum/threads/{}/reply", thread.id);
    let form = [("body", body), ("action", "post")];
    let (a, b) = tokio::join!(sam.post(&app, &path, &form), sam.post(&app, &path, &form));
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    let posts = posts_of(&app, thread.id).await;
    assert_eq!(posts.iter().filter(|p| p.body == body).count(), 1);
    let thread = thread_titled(&app, "Tram stop accessibility data").await;
    assert_eq!(thread.post_count, 3);

    // A double click on "Start thread" starts one thread.
    let form = [
        ("title", "Ferry data"),
        ("body", "Who has the ferry timetables?"),
        ("action", "post"),
    ];
    let (a, b) = tokio::join!(
        sam.post(&app, "/forum/transport/new", &form),
        sam.post(&app, "/forum/transport/new", &form)
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (303, 303));
    assert_eq!(location(&a), location(&b));
    assert_eq!(
        forum_thread::Entity::find()
            .filter(forum_thread::Column::Title.eq("Ferry data"))
            .count(app.db())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn markdown_in_posts_never_runs_script() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let body = "Hello <script>alert(1)</script> <img src=x onerror=alert(2)> \
                [click](javascript:alert(3)) [data](data:text/html,<b>x</b>) \
                <iframe src=\"https://evil.example\"></iframe> <svg onload=alert(4)> \
                <a href=\"https://x.example\" onclick=\"alert(5)\">x</a> \
                ![pixel](https://tracker.example/p.png) [ok](https://data.example)";
    let address = start(&app, &sam, "<b>Bold</b> title", body).await;
    let resp = sam.get(&format!("{}{address}", app.url)).await;
    let html = resp.text().await.unwrap();
    let main = &html[html.find("<main").unwrap()..];
    // Every element of the page: what is between a `<` and the next `>` (escaped text has
    // neither).
    let tags: Vec<&str> = main
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap())
        .collect();
    for tag in &tags {
        let name = tag.split_whitespace().next().unwrap_or_default();
        assert!(
            !["script", "img", "iframe", "svg", "b"].contains(&name),
            "<{tag}>"
        );
        for bad in ["onerror", "onload", "onclick", "javascript:", "data:"] {
            assert!(!tag.contains(bad), "<{tag}>");
        }
    }
    assert!(
        main.contains("&lt;b&gt;Bold&lt;&#x2F;b&gt; title")
            || main.contains("&lt;b&gt;Bold&lt;/b&gt; title"),
        "the title as typed"
    );
    assert!(main.contains("&lt;script&gt;"), "raw HTML shown as text");
    assert!(main.contains(
        r#"<a href="https://data.example" rel="nofollow ugc noopener noreferrer">ok</a>"#
    ));
}

#[tokio::test]
async fn authors_quote_edit_and_delete_and_admins_see_earlier_versions() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;
    let address = start(
        &app,
        &sam,
        "Bus lane cameras",
        "How many bus lane cameras are there?",
    )
    .await;
    let thread = thread_titled(&app, "Bus lane cameras").await;
    let first = posts_of(&app, thread.id).await.remove(0);

    // Quoting fills the reply box with the post, as a Markdown quote.
    let (_, html) = read(&gareth, &app, &format!("{address}?quote={}", first.id)).await;
    assert!(
        html.contains(
            "&gt; **Sam Whitfield** wrote:\n&gt;\n&gt; How many bus lane cameras are there?\n"
        ),
        "{html}"
    );

    // Only the author may edit.
    let edit = format!("/forum/posts/{}/edit", first.id);
    let resp = gareth
        .post(&app, &edit, &[("body", "Taken over"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 403);
    let (status, _) = read(&gareth, &app, &edit).await;
    assert_eq!(status, 403);

    let resp = sam
        .post(
            &app,
            &edit,
            &[
                ("body", "How many bus lane cameras are there, and where?"),
                ("action", "post"),
            ],
        )
        .await;
    let (_, html) = follow(&sam, &app, resp).await;
    assert!(html.contains("and where?"));
    assert!(html.contains("· edited <time"));
    assert!(
        !html.contains("Earlier versions"),
        "members do not see earlier versions"
    );
    let (_, html) = read(&priya, &app, &address).await;
    assert!(html.contains("Earlier versions"));
    assert!(
        html.contains("How many bus lane cameras are there?</p>"),
        "the text before the edit"
    );

    // Gareth replies, then Sam deletes his opening post: its place stays.
    gareth
        .post(
            &app,
            &format!("/forum/threads/{}/reply", thread.id),
            &[("body", "Twelve, I think."), ("action", "post")],
        )
        .await;
    let delete = format!("/forum/posts/{}/delete", first.id);
    let (status, html) = read(&sam, &app, &delete).await;
    assert_eq!(status, 200);
    assert!(html.contains("Delete your post?"));
    let resp = gareth.post(&app, &delete, &[]).await;
    assert_eq!(resp.status(), 403, "only its author deletes a post");
    let resp = sam.post(&app, &delete, &[]).await;
    let (_, html) = follow(&sam, &app, resp).await;
    assert!(html.contains("Deleted by its author."));
    assert!(
        !html.contains("bus lane cameras are there"),
        "its words are gone"
    );
    assert!(html.contains("Twelve, I think."), "the reply stays");
    let (_, html) = read(&priya, &app, &address).await;
    assert!(
        !html.contains("bus lane cameras are there"),
        "for admins too, with its versions"
    );
    let thread = thread_titled(&app, "Bus lane cameras").await;
    assert_eq!(thread.post_count, 1);
    // A deleted post cannot be edited again.
    let resp = sam
        .post(&app, &edit, &[("body", "Back"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 410);
}

#[tokio::test]
async fn admins_pin_lock_and_hide_with_reasons_in_the_audit_log() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;
    let address = start(
        &app,
        &sam,
        "Parking data",
        "Where is the car park occupancy feed?",
    )
    .await;
    let thread = thread_titled(&app, "Parking data").await;
    let moderate = format!("/forum/threads/{}/moderate", thread.id);

    // Members cannot moderate.
    let resp = sam.post(&app, &moderate, &[("decision", "lock")]).await;
    assert_eq!(resp.status(), 403);

    // Pinned: first in its category even when older.
    start(&app, &sam, "Newer thread", "Something else").await;
    let resp = priya.post(&app, &moderate, &[("decision", "pin")]).await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, "/forum/transport").await;
    assert!(html.find("Parking data").unwrap() < html.find("Newer thread").unwrap());

    // Locked: members' replies are refused, an admin may still write.
    assert_eq!(
        priya
            .post(&app, &moderate, &[("decision", "lock")])
            .await
            .status(),
        303
    );
    let reply = format!("/forum/threads/{}/reply", thread.id);
    let resp = gareth
        .post(&app, &reply, &[("body", "Me too"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("locked"));
    let (_, html) = read(&gareth, &app, &address).await;
    assert!(html.contains("This thread is locked"));
    let resp = priya
        .post(
            &app,
            &reply,
            &[
                ("body", "Answered in the data requests thread."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        priya
            .post(&app, &moderate, &[("decision", "unlock")])
            .await
            .status(),
        303
    );

    // Hiding a post needs a reason; members then see its place, admins its words and reason.
    let resp = gareth
        .post(
            &app,
            &reply,
            &[
                ("body", "Buy cheap watches at spam.example"),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let spam = posts_of(&app, thread.id).await.pop().unwrap();
    let hide = format!("/forum/posts/{}/hide", spam.id);
    let resp = priya
        .post(&app, &hide, &[("decision", "hide"), ("note", "")])
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("Say why it is hidden"));
    let resp = priya
        .post(
            &app,
            &hide,
            &[("decision", "hide"), ("note", "Advertising")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, &address).await;
    assert!(html.contains("Hidden by an admin."));
    assert!(!html.contains("cheap watches"));
    assert!(!html.contains("Advertising"));
    let (_, html) = read(&priya, &app, &address).await;
    assert!(html.contains("cheap watches"));
    assert!(html.contains("Hidden from members by an admin: Advertising"));
    // A member cannot quote it either, and it no longer counts.
    let (_, html) = read(&sam, &app, &format!("{address}?quote={}", spam.id)).await;
    assert!(!html.contains("cheap watches"));
    assert_eq!(thread_titled(&app, "Parking data").await.post_count, 2);
    // Its author can no longer change it.
    let resp = gareth
        .post(
            &app,
            &format!("/forum/posts/{}/edit", spam.id),
            &[("body", "x"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 409);

    // Hiding the thread: gone for members (and from the listing), there for admins.
    let resp = priya
        .post(
            &app,
            &moderate,
            &[
                ("decision", "hide"),
                ("note", "Duplicate of an older thread"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (status, _) = read(&sam, &app, &address).await;
    assert_eq!(status, 404);
    let (_, html) = read(&sam, &app, "/forum/transport").await;
    assert!(!html.contains("Parking data"));
    let resp = sam
        .post(&app, &reply, &[("body", "Hello?"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 404);
    let (status, html) = read(&priya, &app, &address).await;
    assert_eq!(status, 200);
    assert!(html.contains("Hidden by an admin: Duplicate of an older thread"));
    for path in [
        format!("/forum/threads/{}", thread.id),
        format!("/forum/posts/{}", spam.id),
    ] {
        assert_eq!(read(&sam, &app, &path).await.0, 404, "{path} for a member");
    }
    let (_, home) = read(&Browser::new(), &app, "/").await;
    assert!(
        !home.contains("Parking data"),
        "a hidden thread on the home page"
    );
    // An admin cannot reply to a hidden thread without showing it first.
    let resp = priya
        .post(&app, &reply, &[("body", "Hello"), ("action", "post")])
        .await;
    assert_eq!(resp.status(), 409);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("show it to members again")
    );
    // Shown again, with the post: it counts again.
    assert_eq!(
        priya
            .post(&app, &moderate, &[("decision", "show")])
            .await
            .status(),
        303
    );
    assert_eq!(
        priya
            .post(&app, &hide, &[("decision", "show")])
            .await
            .status(),
        303
    );
    let (status, html) = read(&sam, &app, &address).await;
    assert_eq!(status, 200);
    assert!(html.contains("cheap watches"));
    assert_eq!(thread_titled(&app, "Parking data").await.post_count, 3);

    let actions: Vec<String> = audit_log::Entity::find()
        .filter(audit_log::Column::Action.starts_with("forum."))
        .order_by_asc(audit_log::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            e.target_type != "forum_category"
                && e.detail
                    .as_deref()
                    .is_some_and(|d| d.contains("Parking data"))
        })
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "forum.thread.pin",
            "forum.thread.lock",
            "forum.thread.unlock",
            "forum.post.hide",
            "forum.thread.hide",
            "forum.thread.show",
            "forum.post.show"
        ]
    );
    let (_, html) = read(&priya, &app, "/admin/audit").await;
    assert!(
        html.contains("Hid a forum thread"),
        "the audit log names it in words"
    );
}

#[tokio::test]
async fn admins_keep_a_category_to_themselves_and_order_the_categories() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let priya = signed_in(&app, PRIYA).await;

    let (status, _) = read(&sam, &app, "/forum/announcements/new").await;
    assert_eq!(status, 403);
    let resp = sam
        .post(
            &app,
            "/forum/announcements/new",
            &[("title", "Hi"), ("body", "Hello"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let (_, html) = read(&sam, &app, "/forum/announcements").await;
    assert!(html.contains("Only admins start threads here"));
    // Members still reply to announcements.
    let welcome = thread_titled(&app, "Welcome to the forum's new home").await;
    let resp = sam
        .post(
            &app,
            &format!("/forum/threads/{}/reply", welcome.id),
            &[("body", "Thank you!"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // Categories are the admins' to add.
    let (status, _) = read(&sam, &app, "/admin/forum").await;
    assert_eq!(status, 403);
    let resp = priya
        .post(
            &app,
            "/admin/forum",
            &[("name", "Feed"), ("slug", ""), ("description", "")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("one of the forum's own addresses"));
    assert!(html.contains(r#"value="Feed""#), "the form refilled");
    let resp = priya
        .post(
            &app,
            "/admin/forum",
            &[
                ("name", "Buses"),
                ("slug", "transport"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(
        unescaped(&resp.text().await.unwrap())
            .contains("Transport already has the address /forum/transport")
    );
    let resp = priya
        .post(
            &app,
            "/admin/forum",
            &[
                ("name", "Health data"),
                ("slug", ""),
                ("description", "NHS and public health datasets"),
                ("admins_only", "on"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, "/forum").await;
    assert!(html.contains(
        r#"<a href="/forum/health-data">Health data</a> <span class="badge">Admins post</span>"#
    ));
    // Moved up: it comes before the category that was above it.
    let id = entity::forum_category::Entity::find()
        .filter(entity::forum_category::Column::Slug.eq("health-data"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let resp = priya
        .post(
            &app,
            &format!("/admin/forum/{id}/move"),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&sam, &app, "/forum").await;
    // The demo's last category holds the discussions of meetings.
    assert!(html.find(">Health data<").unwrap() < html.find(">Meeting discussions<").unwrap());
    let announcements = entity::forum_category::Entity::find()
        .filter(entity::forum_category::Column::Slug.eq("announcements"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let resp = priya
        .post(
            &app,
            &format!("/admin/forum/{announcements}/move"),
            &[("direction", "up")],
        )
        .await;
    let (_, html) = follow(&priya, &app, resp).await;
    assert!(html.contains("Announcements is already first."));
}

#[tokio::test]
async fn bad_posts_are_explained_with_the_form_refilled() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;

    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", "Ferry timetables"),
                ("body", "  "),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = unescaped(&resp.text().await.unwrap());
    assert!(html.contains("<title>Error: "));
    assert!(html.contains(r##"<a href="#body">Write your post.</a>"##));
    assert!(html.contains(r#"value="Ferry timetables""#));

    let long = "x".repeat(20_001);
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[
                ("title", &"T".repeat(151)),
                ("body", &long),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Use 150 characters or fewer."));
    assert!(html.contains("Use 20000 characters or fewer"));
    assert!(html.contains(&long), "the long text is kept to shorten");

    let welcome = thread_titled(&app, "Cycle counter data: hourly or daily?").await;
    let resp = sam
        .post(
            &app,
            &format!("/forum/threads/{}/reply", welcome.id),
            &[("body", "a\u{202E}b"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("right-to-left"));

    let (status, _) = read(&sam, &app, "/forum/no-such-category").await;
    assert_eq!(status, 404);
    let (status, _) = read(&sam, &app, "/forum/transport/999999-nothing").await;
    assert_eq!(status, 404);
    let (status, _) = read(&sam, &app, "/forum/transport?page=0").await;
    assert_eq!(status, 400);
    let (status, _) = read(&sam, &app, "/forum/transport?page=40").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_member_posting_too_fast_is_paused_with_a_clear_message() {
    let app = demo_app(&[("forum_posts_per_hour", "2")]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    start(&app, &sam, "One", "First").await;
    start(&app, &sam, "Two", "Second").await;
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[("title", "Three"), ("body", "Third"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 429);
    assert!(resp.headers().contains_key("retry-after"));
    let html = resp.text().await.unwrap();
    assert!(html.contains("You can post again in"), "{html}");
    // A preview is not a post, and others are not held back.
    let resp = sam
        .post(
            &app,
            "/forum/transport/new",
            &[("title", "Three"), ("body", "Third"), ("action", "preview")],
        )
        .await;
    assert_eq!(resp.status(), 200);
    start(&app, &gareth, "Gareth's", "Fine").await;
}

#[tokio::test]
async fn a_long_thread_is_paged_and_a_post_link_finds_its_page() {
    let app = demo_app(&[("forum_posts_per_hour", "1000")]).await;
    let sam = signed_in(&app, SAM).await;
    let address = start(&app, &sam, "Long thread", "Post 1").await;
    let thread = thread_titled(&app, "Long thread").await;
    let actor = convene::actor::Actor {
        id: thread.author_id.unwrap(),
        role: entity::user::Role::Member,
    };
    for n in 2..=60 {
        convene::forum::service::reply(
            app.db(),
            &actor,
            thread.id,
            &format!("Post {n}"),
            0,
            chrono::Utc::now() - chrono::Duration::hours(61 - n),
        )
        .await
        .unwrap();
    }
    let (_, html) = read(&sam, &app, &address).await;
    assert!(html.contains("Post 50</p>") && !html.contains("Post 51</p>"));
    assert!(html.contains(&format!(r#"href="{address}?page=2" rel="next""#)));
    let (_, html) = read(&sam, &app, &format!("{address}?page=2")).await;
    assert!(
        html.contains("Post 51</p>")
            && html.contains("Post 60</p>")
            && !html.contains("Post 50</p>")
    );
    assert!(html.contains("(page 2 of 2)"));
    let post_55 = posts_of(&app, thread.id).await[54].id;
    let resp = sam.get(&format!("{}/forum/posts/{post_55}", app.url)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), format!("{address}?page=2#post-{post_55}"));
}

/// A feed read back by `feed-rs`, an independent parser.
async fn parsed_feed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let resp = Browser::new().get(&format!("{}{path}", app.url)).await;
    assert_eq!(resp.status(), 200, "{path}");
    assert_eq!(
        resp.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let body = resp.bytes().await.unwrap();
    feed_rs::parser::parse(&body[..]).unwrap_or_else(|e| {
        panic!(
            "{path} does not parse: {e}\n{}",
            String::from_utf8_lossy(&body)
        )
    })
}

#[tokio::test]
async fn atom_feeds_of_new_threads_parse_and_leave_out_what_is_hidden() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let priya = signed_in(&app, PRIYA).await;
    start(
        &app,
        &sam,
        "Fares & <zones> data",
        "Fare zones as **GeoJSON**, please. <script>x</script>",
    )
    .await;
    start(&app, &sam, "Spam thread", "Buy now").await;
    let spam = thread_titled(&app, "Spam thread").await;
    let resp = priya
        .post(
            &app,
            &format!("/forum/threads/{}/moderate", spam.id),
            &[("decision", "hide"), ("note", "Spam")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let feed = parsed_feed(&app, "/forum/feed.atom").await;
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.title.unwrap().content, "Open Data Forum: forum");
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles[0], "Fares & <zones> data",
        "newest first, text as typed"
    );
    assert!(titles.contains(&"Welcome to the forum's new home".to_string()));
    assert!(
        !titles.contains(&"Spam thread".to_string()),
        "a hidden thread is left out"
    );
    assert_eq!(
        titles.len(),
        10,
        "the demo's six threads, its three page discussions and the new one"
    );
    let newest = &feed.entries[0];
    assert_eq!(newest.authors[0].name, "Sam Whitfield");
    assert!(
        newest.links[0]
            .href
            .starts_with(&format!("{}/forum/transport/", app.url))
    );
    let html = newest.content.as_ref().unwrap().body.clone().unwrap();
    assert!(html.contains("<strong>GeoJSON</strong>"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(newest.published.is_some());
    // The entry's id is the thread's permanent address, which leads to it.
    let resp = Browser::new().get(&newest.id).await;
    assert_eq!(resp.status(), 301);
    assert_eq!(
        format!("{}{}", app.url, location(&resp)),
        newest.links[0].href
    );

    // A thread whose opening post was hidden keeps its entry, without the words.
    start(&app, &sam, "Opening hidden", "Rude words").await;
    let opening = posts_of(&app, thread_titled(&app, "Opening hidden").await.id)
        .await
        .remove(0);
    let resp = priya
        .post(
            &app,
            &format!("/forum/posts/{}/hide", opening.id),
            &[("decision", "hide"), ("note", "Rude")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let feed = parsed_feed(&app, "/forum/feed.atom").await;
    let entry = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content == "Opening hidden")
        .unwrap();
    assert!(entry.content.is_none(), "the hidden words are in the feed");

    let feed = parsed_feed(&app, "/forum/data-requests/feed.atom").await;
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        [
            "Real-time bus positions for the Riverside routes?",
            "Real-time car park occupancy",
            "Planning applications as open data"
        ]
    );
    assert_eq!(
        Browser::new()
            .get(&format!("{}/forum/nowhere/feed.atom", app.url))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn members_report_posts_and_admins_hide_or_dismiss_them() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;
    let address = start(
        &app,
        &sam,
        "Road works data",
        "Where are the road works published?",
    )
    .await;
    let thread = thread_titled(&app, "Road works data").await;
    for body in [
        "Cheap flights at spam.example",
        "Try the street works register.",
    ] {
        let resp = gareth
            .post(
                &app,
                &format!("/forum/threads/{}/reply", thread.id),
                &[("body", body), ("action", "post")],
            )
            .await;
        assert_eq!(resp.status(), 303);
    }
    let posts = posts_of(&app, thread.id).await;
    let (spam, useful) = (posts[1].id, posts[2].id);
    let (_, before) = read(&priya, &app, "/admin").await;
    let waiting_before = waiting(&before);

    // Sam reports the advert: a reason is needed, and his report is counted once.
    let (_, html) = read(&sam, &app, &address).await;
    assert!(html.contains(&format!(r#"href="/forum/posts/{spam}/report""#)));
    assert!(
        !html.contains(&format!(r#"href="/forum/posts/{}/report""#, posts[0].id)),
        "his own post"
    );
    let report = format!("/forum/posts/{spam}/report");
    let resp = sam.post(&app, &report, &[("note", " ")]).await;
    assert_eq!(resp.status(), 422);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Say what is wrong with the post")
    );
    for _ in 0..2 {
        let resp = sam.post(&app, &report, &[("note", "Advertising")]).await;
        let (_, html) = follow(&sam, &app, resp).await;
        assert!(html.contains("the admins have your report"));
    }
    let resp = sam
        .post(
            &app,
            &format!("/forum/posts/{}/report", posts[0].id),
            &[("note", "Mine")],
        )
        .await;
    assert_eq!(resp.status(), 409, "one's own post is edited, not reported");
    let resp = gareth
        .post(
            &app,
            &format!("/forum/posts/{useful}/report"),
            &[("note", "Off topic?")],
        )
        .await;
    assert_eq!(resp.status(), 409, "Gareth cannot report his own post");
    let resp = sam
        .post(
            &app,
            &format!("/forum/posts/{useful}/report"),
            &[("note", "Wrong link")],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // The admins see two posts waiting beside "Admin", and the reasons.
    let (_, html) = read(&priya, &app, "/admin").await;
    assert_eq!(waiting(&html), waiting_before + 2);
    assert!(
        html.contains(r#"<a href="/admin/forum/reports">Reported forum posts</a>: 3"#),
        "the demo's reported post and these two: {html}"
    );
    assert_eq!(read(&sam, &app, "/admin/forum/reports").await.0, 403);
    let (status, html) = read(&priya, &app, "/admin/forum/reports").await;
    assert_eq!(status, 200);
    assert!(html.contains("Cheap flights at spam.example"));
    assert_eq!(
        html.matches("Advertising").count(),
        1,
        "reported twice, counted once"
    );
    assert!(html.contains("Wrong link"));
    assert!(
        !html.contains("Off topic?"),
        "Gareth's report on his own post was refused"
    );

    // Hiding the advert settles its report; dismissing settles the other.
    let resp = priya
        .post(
            &app,
            &format!("/forum/posts/{spam}/hide"),
            &[("decision", "hide"), ("note", "Advertising")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = priya
        .post(&app, &format!("/admin/forum/reports/{useful}/dismiss"), &[])
        .await;
    let (_, html) = follow(&priya, &app, resp).await;
    assert!(html.contains("The reports are dismissed"));
    assert!(
        !html.contains("Cheap flights") && !html.contains("Wrong link"),
        "both settled"
    );
    assert!(
        html.contains("Selling tickets is not what the forum is for."),
        "the demo's report waits"
    );
    let resp = priya
        .post(&app, &format!("/admin/forum/reports/{useful}/dismiss"), &[])
        .await;
    assert_eq!(resp.status(), 409, "dismissed already");
    let (_, html) = read(&priya, &app, "/admin").await;
    assert_eq!(waiting(&html), waiting_before);
    let outcomes: Vec<Option<String>> = entity::forum_report::Entity::find()
        .order_by_asc(entity::forum_report::Column::Id)
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.post_id == spam || r.post_id == useful)
        .map(|r| r.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [Some("hidden".to_string()), Some("dismissed".to_string())]
    );
}

/// The count beside "Admin" in the navigation (0 when none is shown).
fn waiting(html: &str) -> u64 {
    let at = html.find(r#"href="/admin""#).expect("an Admin item");
    let item = &html[at..at + html[at..].find("</a>").unwrap()];
    item.split("nav-count\">")
        .nth(1)
        .map(|n| n.split('<').next().unwrap().trim().parse().unwrap())
        .unwrap_or(0)
}
