//! Searching the site (`/search`): one box finds events and forum threads and posts, on both
//! databases. Threads whose title holds every word come first, the words found are marked in
//! titles and snippets, and nothing hidden or deleted is ever found. Whatever members write,
//! titles, posts and snippets stay inert: no script, handler or dangerous link reaches a page.

use entity::forum_post;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::forum_common::{reply, start};
use crate::helpers::{TestApp, demo_app, signed_in};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";

async fn search(browser: &Browser, app: &TestApp, q: &str) -> String {
    let url = reqwest::Url::parse_with_params(&format!("{}/search", app.url), &[("q", q)]).unwrap();
    let resp = browser.get(url.as_str()).await;
    assert_eq!(resp.status(), 200, "{q}");
    let html = resp.text().await.unwrap();
    html[html.find("<main").unwrap()..html.find("</main>").unwrap()].to_string()
}

/// The forum results' titles, in order, as the page shows them (marks removed).
fn forum_titles(main: &str) -> Vec<String> {
    let forum = &main[main.find(r#"id="forum-results""#).unwrap_or(main.len())..];
    forum
        .split(r#"<h3 class="search-result-title">"#)
        .skip(1)
        .map(|r| {
            let title = &r[..r.find("</h3>").unwrap()];
            let text = title.replace("<mark>", "").replace("</mark>", "");
            let inner = &text[text.find('>').unwrap() + 1..text.rfind("</a>").unwrap()];
            inner.to_string()
        })
        .collect()
}

#[tokio::test]
async fn one_box_finds_events_threads_and_posts_title_matches_first() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;

    // The thread with the words in its title comes first, even when another thread's post
    // says them more often.
    let chat = start(
        &app,
        &gareth,
        "general",
        "Notes from the car park survey",
        "We counted cars by hand.",
    )
    .await;
    reply(
        &app,
        &sam,
        chat,
        "Parking occupancy sensors would help: parking occupancy, every hour, parking \
         occupancy by street.",
    )
    .await;
    start(
        &app,
        &sam,
        "transport",
        "Parking occupancy open data",
        "Who holds the figures for the council's car parks?",
    )
    .await;
    let main = search(&visitor, &app, "parking occupancy").await;
    assert_eq!(
        forum_titles(&main),
        [
            "Parking occupancy open data",
            // The demo's discussion of the car park request: both words in its title
            // ("parking" is "park" with an ending).
            "Real-time car park occupancy",
            "Notes from the car park survey"
        ]
    );
    assert!(
        main.contains("<mark>Parking</mark> <mark>occupancy</mark> open data"),
        "the words are marked in the title: {main}"
    );
    assert!(
        main.contains("<mark>Parking</mark> <mark>occupancy</mark> sensors would help"),
        "and in the snippet of the matching post: {main}"
    );
    assert!(main.contains("1 matching post"));
    assert!(
        main.contains(r#"<a href="/forum/posts/"#),
        "results lead to the post"
    );
    assert!(main.contains("3 forum threads"));

    // English endings and case do not matter; pieces of words are not words.
    let main = search(&visitor, &app, "SENSOR").await;
    assert_eq!(forum_titles(&main), ["Notes from the car park survey"]);
    assert!(main.contains("<mark>sensors</mark>"), "{main}");
    let main = search(&visitor, &app, "ensor").await;
    assert!(forum_titles(&main).is_empty());
    assert!(main.contains("No forum thread or post matches"));

    // The same box finds events (the demo's hack day) and forum posts about them.
    let main = search(&visitor, &app, "bus").await;
    assert!(main.contains("Bus Data Hack Day"), "an event: {main}");
    assert!(
        forum_titles(&main)
            .iter()
            .any(|t| t.starts_with("Real-time bus positions")),
        "a thread: {main}"
    );

    // A blank search is the empty form; punctuation alone is explained.
    let main = search(&visitor, &app, "").await;
    assert!(main.contains("<h1>Search</h1>") && !main.contains("search-summary"));
    let main = search(&visitor, &app, "\"*-:").await;
    assert!(main.contains("punctuation on its own matches nothing"));

    // The events page's search offers the forum too; the forum page has the box.
    let resp = visitor.get(&format!("{}/events?q=bus", app.url)).await;
    let html = crate::helpers::unescape(&resp.text().await.unwrap());
    assert!(
        html.contains(r#"href="/search?q=bus">Search the forum and minutes for these words too"#)
    );
    let resp = visitor.get(&format!("{}/forum", app.url)).await;
    assert!(resp.text().await.unwrap().contains(r#"action="/search""#));
}

#[tokio::test]
async fn hidden_deleted_and_replaced_words_are_never_found() {
    let app = demo_app(&[]).await;
    let visitor = Browser::new();
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let priya = signed_in(&app, PRIYA).await;

    let thread = start(
        &app,
        &sam,
        "transport",
        "Quokka crossing counts",
        "Opening words about wombats.",
    )
    .await;
    let spam = reply(&app, &gareth, thread, "Cheap flamingo watches, click here").await;
    let deleted = reply(&app, &sam, thread, "A thought about pangolins.").await;
    for word in ["quokka", "wombats", "flamingo", "pangolins"] {
        let main = search(&visitor, &app, word).await;
        assert_eq!(forum_titles(&main), ["Quokka crossing counts"], "{word}");
    }

    // A hidden post, a deleted post and an edit's earlier text are not found.
    let resp = priya
        .post(
            &app,
            &format!("/forum/posts/{spam}/hide"),
            &[("decision", "hide"), ("note", "Advertising")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = sam
        .post(&app, &format!("/forum/posts/{deleted}/delete"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let opening = forum_post::Entity::find()
        .filter(forum_post::Column::ThreadId.eq(thread))
        .order_by_asc(forum_post::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = sam
        .post(
            &app,
            &format!("/forum/posts/{}/edit", opening.id),
            &[
                ("body", "Opening words about echidnas."),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    for word in ["flamingo", "pangolins", "wombats"] {
        let main = search(&visitor, &app, word).await;
        assert!(forum_titles(&main).is_empty(), "{word}: {main}");
        // Not for admins either: the search page lists what everyone may read.
        let main = search(&priya, &app, word).await;
        assert!(forum_titles(&main).is_empty(), "{word}, for an admin");
    }
    let main = search(&visitor, &app, "echidna").await;
    assert_eq!(forum_titles(&main), ["Quokka crossing counts"]);

    // A hidden thread is found by nothing it holds.
    let resp = priya
        .post(
            &app,
            &format!("/forum/threads/{thread}/moderate"),
            &[("decision", "hide"), ("note", "Off topic")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    for word in ["quokka", "echidnas"] {
        let main = search(&visitor, &app, word).await;
        assert!(forum_titles(&main).is_empty(), "{word}");
    }
}

/// What members might write to get script into a page: raw HTML, event handlers, dangerous
/// links, SVG and MathML, broken and nested tags, encodings and Markdown's own forms.
const XSS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<body onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">link</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">link</a>",
    "<a href=\"&#106;avascript:alert(1)\">link</a>",
    "<a href=\"java\tscript:alert(1)\">link</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.org/a.png)",
    "[x](https://example.org \"title\\\" onmouseover=\\\"alert(1)\")",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<style>body{display:none}</style>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"https://evil.example\"><input name=p></form>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<https://example.org/\"onmouseover=\"alert(1)>",
    "{{constructor.constructor('alert(1)')()}}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
];

/// Every tag in `html` (what lies between a `<` and the next `>`): escaped text has neither.
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
        .collect()
}

/// The names of a tag's attributes: the words outside quoted values, after the tag's name.
fn attribute_names(tag: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut quote = None;
    let mut word = String::new();
    for c in tag.chars().chain([' ']) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() || c == '=' || c == '/' => {
                if !word.is_empty() {
                    names.push(std::mem::take(&mut word));
                }
            }
            (None, c) => word.push(c),
        }
    }
    // The first word is the tag's name; unquoted values are read as names too, which only
    // makes the check stricter.
    names.into_iter().skip(1).collect()
}

fn assert_inert(html: &str, whose: &str) {
    for tag in tags(html) {
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(
            ![
                "script", "img", "svg", "iframe", "object", "embed", "style", "link", "meta",
                "base", "math", "video", "audio", "marquee", "body", "source", "details",
            ]
            .contains(&name.as_str()),
            "{whose}: <{tag}>"
        );
        let lower = tag.to_ascii_lowercase();
        for bad in ["javascript:", "vbscript:", "data:", "srcdoc=", "style="] {
            assert!(!lower.contains(bad), "{whose}: <{tag}>");
        }
        // No event handler attribute (text inside a quoted value is only text).
        assert!(
            !attribute_names(&lower).iter().any(|a| a.starts_with("on")),
            "{whose}: <{tag}>"
        );
    }
}

#[tokio::test]
async fn an_xss_corpus_renders_inert_in_posts_titles_and_snippets() {
    assert!(XSS.len() >= 40);
    let app = demo_app(&[("forum_posts_per_hour", "1000")]).await;
    let visitor = Browser::new();
    let sam = signed_in(&app, SAM).await;
    // Each payload as a thread's title (cut to the title's limit) and in its post, found by
    // a word every post shares.
    let mut threads = Vec::new();
    for (i, payload) in XSS.iter().enumerate() {
        // Titles refuse control characters (with a message): tabs and line breaks go there.
        let title: String = format!("Xsscanary {i} {payload}")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(150)
            .collect();
        let body = format!("xsscanary number {i}: {payload}\n\nand after it, xsscanary again.");
        threads.push(start(&app, &sam, "general", &title, &body).await);
    }

    let mut pages = vec![
        "/forum/general".to_string(),
        "/forum/general?page=2".to_string(),
        "/".to_string(),
    ];
    for id in &threads {
        pages.push(format!("/forum/threads/{id}"));
    }
    for path in pages {
        let resp = visitor.get(&format!("{}{path}", app.url)).await;
        let resp = if resp.status() == 301 || resp.status() == 308 {
            visitor
                .get(&format!("{}{}", app.url, location(&resp)))
                .await
        } else {
            resp
        };
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.unwrap();
        let mut main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
        if path == "/" {
            // The home page's own icons are SVG: its forum section is what members wrote.
            main = &main[main.find(r#"id="forum-heading""#).unwrap()..];
            main = &main[..main.find("</section>").unwrap()];
        }
        assert!(main.contains("Xsscanary"), "{path} shows the posts");
        assert_inert(main, &path);
    }

    // Search results: titles and snippets hold every payload, marked and inert, on every page.
    let mut seen = 0;
    for page in 1..=3 {
        let url = format!("{}/search?q=xsscanary&page={page}", app.url);
        let html = visitor.get(&url).await.text().await.unwrap();
        let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
        assert_inert(main, &url);
        seen += main.matches(r#"<h3 class="search-result-title">"#).count();
        for tag in tags(main) {
            let name = tag.split_whitespace().next().unwrap_or_default();
            assert!(
                [
                    "a", "/a", "h1", "/h1", "h2", "/h2", "h3", "/h3", "p", "/p", "mark", "/mark",
                    "li", "/li", "ol", "/ol", "ul", "/ul", "div", "/div", "section", "/section",
                    "form", "/form", "label", "/label", "input", "button", "/button", "nav",
                    "/nav", "span", "/span", "time", "/time", "main",
                ]
                .contains(&name),
                "only the page's own tags in results: <{tag}>"
            );
        }
    }
    assert_eq!(seen, XSS.len(), "every payload's thread is found");
}
