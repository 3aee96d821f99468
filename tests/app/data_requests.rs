//! Dataset requests: asking (bad input explained, the form refilled), voting once each and
//! withdrawing, votes at the same moment counted exactly (double clicks and many members, on
//! both databases), admins recording where a request stands with a visible history, who may
//! change what, the lists' order and filters, and the CSV download's quoting and formula
//! safety.

use chrono::Datelike;
use entity::{audit_log, dataset_request, dataset_request_vote};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{TestApp, demo_app, read, signed_in};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
const TOM: &str = "tom.okafor@eastmere-uni.example";
const GARETH: &str = "gareth.lloyd@riverside-city.example";
const AISHA: &str = "aisha.rahman@midshire-transport.example";
const HELEN: &str = "helen.mcallister@openstreets-trust.example";
const MEI: &str = "mei.chen@eastmere-uni.example";
const SAM: &str = "sam.whitfield@riverside-city.example";
const DAN: &str = "dan.kowalski@mail.example";

fn request_form<'a>(title: &'a str, links: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("holder", "Northvale County Council"),
        (
            "description",
            "Every **gritting** route, and when it was last treated.",
        ),
        ("reason", "Cyclists and care workers plan icy mornings."),
        ("links", links),
    ]
}

/// Asks for a dataset through the form; returns the request.
async fn ask(app: &TestApp, who: &Browser, title: &str) -> dataset_request::Model {
    let resp = who
        .post(app, "/data-requests/new", &request_form(title, ""))
        .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    dataset_request::Entity::find()
        .filter(dataset_request::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .expect("the request")
}

async fn reload(app: &TestApp, id: i64) -> dataset_request::Model {
    dataset_request::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn vote_rows(app: &TestApp, id: i64) -> u64 {
    dataset_request_vote::Entity::find()
        .filter(dataset_request_vote::Column::RequestId.eq(id))
        .count(app.db())
        .await
        .unwrap()
}

/// Follows a 303 and reads where it leads (the flash with it).
async fn followed(app: &TestApp, who: &Browser, resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let to = location(&resp);
    let (status, html) = read(who, app, to.split('#').next().unwrap()).await;
    assert_eq!(status, 200, "{to}");
    html
}

#[tokio::test]
async fn members_ask_vote_once_and_withdraw() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let visitor = Browser::new();

    // Visitors read the list but are sent to sign in to ask.
    let (status, html) = read(&visitor, &app, "/data-requests").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Step-free access at bus stops")
            || html.contains("Real-time car park occupancy")
    );
    assert!(html.contains("to ask for a dataset or to vote"));
    let resp = visitor.get(&format!("{}/data-requests/new", app.url)).await;
    assert_ne!(resp.status(), 200, "the form is for members");

    // Bad input: each problem beside its field, the form refilled, nothing saved.
    let resp = sam
        .post(
            &app,
            "/data-requests/new",
            &[
                ("title", ""),
                ("holder", "Northvale County Council"),
                ("description", "   "),
                ("reason", "Because."),
                ("links", "https://ok.example/a\njavascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = crate::helpers::unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Say which dataset you are asking for."));
    assert!(html.contains("Describe the data"));
    assert!(html.contains("is not a web address"));
    assert!(
        html.contains("value=\"Northvale County Council\""),
        "refilled"
    );
    assert!(html.contains("https://ok.example/a\njavascript:alert(1)</textarea>"));
    assert_eq!(
        dataset_request::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        6,
        "only the demo's"
    );

    // A request starts with its author's vote.
    let resp = sam
        .post(
            &app,
            "/data-requests/new",
            &request_form(
                "Winter gritting routes",
                "https://www.northvale.example/gritting",
            ),
        )
        .await;
    let html = followed(&app, &sam, resp).await;
    assert!(html.contains("Your request is made, with your vote."));
    assert!(html.contains("<strong>1</strong> vote"));
    assert!(
        html.contains("<strong>gritting</strong>"),
        "Markdown rendered"
    );
    assert!(
        html.contains("requested by Sam Whitfield"),
        "the history's first line"
    );
    assert!(html.contains("Withdraw my vote"));
    let request = reload(&app, ask_id(&app, "Winter gritting routes").await).await;
    assert_eq!(request.votes, 1);

    // Another member votes; voting again counts once; withdrawing takes it back.
    let path = format!("/data-requests/{}/vote", request.id);
    let html = followed(
        &app,
        &gareth,
        gareth.post(&app, &path, &[("decision", "vote")]).await,
    )
    .await;
    assert!(html.contains("Your vote is counted."));
    assert!(html.contains("<strong>2</strong> votes"));
    let html = followed(
        &app,
        &gareth,
        gareth.post(&app, &path, &[("decision", "vote")]).await,
    )
    .await;
    assert!(html.contains("You had already voted for this request: it counts once."));
    assert_eq!(reload(&app, request.id).await.votes, 2);
    assert_eq!(vote_rows(&app, request.id).await, 2);
    // From the list, back to the request's place in it.
    let resp = gareth
        .post(&app, &path, &[("decision", "withdraw"), ("back", "list")])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/data-requests#request-{}", request.id)
    );
    assert_eq!(reload(&app, request.id).await.votes, 1);
    let resp = gareth.post(&app, &path, &[("decision", "maybe")]).await;
    assert_eq!(resp.status(), 400);

    // Visitors cannot vote.
    let resp = visitor.post(&app, &path, &[("decision", "vote")]).await;
    assert_eq!(resp.status(), 401);
    assert_eq!(reload(&app, request.id).await.votes, 1);

    // The list: newest first shows it first; by votes it comes after the demo's favourites.
    let (_, html) = read(&visitor, &app, "/data-requests?sort=newest").await;
    let first = html.find("<h3><a href=\"/data-requests/").unwrap();
    assert!(html[first..].starts_with(&format!("<h3><a href=\"/data-requests/{}\"", request.id)));
    let (_, html) = read(&visitor, &app, "/data-requests").await;
    let at = |title: &str| html.find(title).unwrap_or_else(|| panic!("{title} listed"));
    assert!(
        at("Real-time car park occupancy") < at("Winter gritting routes"),
        "5 votes before 1"
    );
    // Closed requests are under their own filters, not among the open ones.
    assert!(!html.contains("Planning application decision times"));
    let (_, html) = read(&visitor, &app, "/data-requests?show=declined").await;
    assert!(html.contains("Planning application decision times"));
    assert!(!html.contains("Winter gritting routes"));
    // An unknown choice falls back to the default list.
    let (status, html) = read(&visitor, &app, "/data-requests?show=nonsense&sort=loudest").await;
    assert_eq!(status, 200);
    assert!(html.contains("Open requests"));

    let entries = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("data_request.create"))
        .filter(audit_log::Column::TargetId.eq(request.id.to_string()))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(entries, 1);
}

async fn ask_id(app: &TestApp, title: &str) -> i64 {
    dataset_request::Entity::find()
        .filter(dataset_request::Column::Title.eq(title))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn admins_record_where_a_request_stands_and_everyone_reads_the_history() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let sam = signed_in(&app, SAM).await;
    let gareth = signed_in(&app, GARETH).await;
    let visitor = Browser::new();
    let request = ask(&app, &sam, "Winter gritting routes").await;
    let status_path = format!("/data-requests/{}/status", request.id);
    let edit_path = format!("/data-requests/{}/edit", request.id);

    // Only admins record a status; others' edits are refused.
    let resp = sam
        .post(
            &app,
            &status_path,
            &[("status", "published"), ("link", "https://x.example")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let resp = gareth
        .post(&app, &edit_path, &request_form("Mine now", ""))
        .await;
    assert_eq!(resp.status(), 403);
    // The author corrects their request while nobody has taken it up.
    let resp = sam
        .post(
            &app,
            &edit_path,
            &request_form("Winter gritting routes and times", ""),
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        reload(&app, request.id).await.title,
        "Winter gritting routes and times"
    );

    // Published needs a link; declined needs the publisher's reason: the form comes back.
    let resp = admin
        .post(
            &app,
            &status_path,
            &[("status", "published"), ("note", "At last.")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = crate::helpers::unescaped(&resp.text().await.unwrap());
    assert!(html.contains("Give the address where the dataset is published."));
    assert!(html.contains("At last.</textarea>"), "the note kept");
    let resp = admin
        .post(&app, &status_path, &[("status", "declined")])
        .await;
    assert_eq!(resp.status(), 422);
    assert_eq!(
        reload(&app, request.id).await.status,
        dataset_request::RequestStatus::Requested
    );

    let resp = admin
        .post(
            &app,
            &status_path,
            &[
                ("status", "discussing"),
                ("note", "Raised with the highways team."),
            ],
        )
        .await;
    let html = followed(&app, &admin, resp).await;
    assert!(html.contains("The request is now: in discussion with the publisher."));
    // The same status again needs news of it.
    let resp = admin
        .post(&app, &status_path, &[("status", "discussing")])
        .await;
    assert_eq!(resp.status(), 422);
    let html = crate::helpers::unescaped(&resp.text().await.unwrap());
    assert!(html.contains("The request already stands so: add a note to record news of it."));
    // Now the author may no longer change it; votes still count.
    let resp = sam
        .post(&app, &edit_path, &request_form("Changed", ""))
        .await;
    assert_eq!(resp.status(), 409);
    let vote = format!("/data-requests/{}/vote", request.id);
    assert_eq!(
        gareth
            .post(&app, &vote, &[("decision", "vote")])
            .await
            .status(),
        303
    );

    let resp = admin
        .post(
            &app,
            &status_path,
            &[
                ("status", "published"),
                ("link", "https://data.northvale.example/gritting"),
                ("note", "Updated hourly in winter."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let (_, html) = read(&visitor, &app, &format!("/data-requests/{}", request.id)).await;
    let history = &html[html.find("id=\"history\"").unwrap()..];
    let lines: Vec<&str> = [
        "requested by Sam Whitfield",
        "Raised with the highways team.",
        "Updated hourly in winter.",
    ]
    .into_iter()
    .collect();
    let mut from = 0;
    for line in lines {
        let at = history[from..]
            .find(line)
            .unwrap_or_else(|| panic!("{line} in order"));
        from += at;
    }
    assert!(history.contains("recorded by Priya Shah"));
    assert!(html.contains("href=\"https://data.northvale.example/gritting\""));
    assert!(
        html.contains("Votes are closed: this request is Published."),
        "visitors too"
    );
    let (_, html) = read(&gareth, &app, &format!("/data-requests/{}", request.id)).await;
    assert!(html.contains("Votes are closed: this request is Published."));
    assert!(!html.contains("Withdraw my vote"));
    // Votes are final once published.
    let resp = gareth.post(&app, &vote, &[("decision", "withdraw")]).await;
    assert_eq!(resp.status(), 409);
    assert_eq!(reload(&app, request.id).await.votes, 2);

    let changes = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("data_request.status"))
        .filter(audit_log::Column::TargetId.eq(request.id.to_string()))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(changes, 2);
}

#[tokio::test]
async fn votes_at_the_same_moment_are_each_counted_once() {
    let app = demo_app(&[]).await;
    let dan = signed_in(&app, DAN).await;
    let request = ask(&app, &dan, "Road works permits").await;
    let path = format!("/data-requests/{}/vote", request.id);
    let mut people = Vec::new();
    for email in [PRIYA, TOM, GARETH, AISHA, HELEN, MEI, SAM] {
        let browser = signed_in(&app, email).await;
        let token = browser.csrf_token(&app).await;
        people.push((browser, token));
    }
    // Every member double-clicks: fourteen votes arrive together.
    let url = format!("{}{path}", app.url);
    let votes = people.iter().flat_map(|(browser, token)| {
        (0..2).map(|_| {
            browser
                .client
                .post(&url)
                .form(&[("csrf_token", token.as_str()), ("decision", "vote")])
                .send()
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(votes)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    assert_eq!(
        vote_rows(&app, request.id).await,
        8,
        "one vote each, the author's too"
    );
    assert_eq!(reload(&app, request.id).await.votes, 8, "the count agrees");

    // And all withdraw at once, twice each.
    let withdrawals = people.iter().flat_map(|(browser, token)| {
        (0..2).map(|_| {
            browser
                .client
                .post(&url)
                .form(&[("csrf_token", token.as_str()), ("decision", "withdraw")])
                .send()
        })
    });
    for r in futures_util::future::join_all(withdrawals).await {
        assert_eq!(r.unwrap().status().as_u16(), 303);
    }
    assert_eq!(vote_rows(&app, request.id).await, 1);
    assert_eq!(reload(&app, request.id).await.votes, 1, "the author's vote");
}

#[tokio::test]
async fn a_double_clicked_request_is_made_once() {
    let app = demo_app(&[]).await;
    let helen = signed_in(&app, HELEN).await;
    let token = helen.csrf_token(&app).await;
    let url = format!("{}/data-requests/new", app.url);
    let mut form = request_form("Allotment waiting lists", "");
    form.push(("csrf_token", token.as_str()));
    let clicks = (0..3).map(|_| helen.client.post(&url).form(&form).send());
    for r in futures_util::future::join_all(clicks).await {
        assert_eq!(r.unwrap().status(), 303);
    }
    let made = dataset_request::Entity::find()
        .filter(dataset_request::Column::Title.eq("Allotment waiting lists"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(made.len(), 1, "one request");
    assert_eq!(made[0].votes, 1);
}

#[tokio::test]
async fn the_csv_download_quotes_cells_and_no_cell_is_a_formula() {
    let app = demo_app(&[]).await;
    let sam = signed_in(&app, SAM).await;
    let visitor = Browser::new();
    let resp = sam
        .post(
            &app,
            "/data-requests/new",
            &[
                ("title", "=HYPERLINK(\"https://evil.example\",\"Click\")"),
                ("holder", "@SUM(1+1), \"Quoted\" Council"),
                ("description", "x"),
                ("reason", "y"),
                ("links", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = visitor.get(&format!("{}/data-requests.csv", app.url)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-type"],
        "text/csv; charset=utf-8; header=present"
    );
    let body = resp.text().await.unwrap();
    assert!(body.contains("\r\n"), "CRLF line ends");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(&header[..5], ["id", "title", "holder", "status", "votes"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 7, "the demo's six and the new one");
    let row = rows
        .iter()
        .find(|r| r[1].contains("HYPERLINK"))
        .expect("the new request");
    assert_eq!(&row[1], "'=HYPERLINK(\"https://evil.example\",\"Click\")");
    assert_eq!(&row[2], "'@SUM(1+1), \"Quoted\" Council");
    assert_eq!(&row[3], "requested");
    assert_eq!(&row[4], "1");
    for r in &rows {
        for cell in r.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} could run as a formula"
            );
        }
    }
    // Most votes first, as the list.
    let votes: Vec<i64> = rows.iter().map(|r| r[4].parse().unwrap()).collect();
    assert!(votes.windows(2).all(|w| w[0] >= w[1]), "{votes:?}");
}

#[tokio::test]
async fn a_request_is_discussed_on_its_page() {
    let app = demo_app(&[]).await;
    let tom = signed_in(&app, TOM).await;
    let visitor = Browser::new();

    // The demo's car park request is being discussed in the forum's "Data requests".
    let car_parks = ask_id(&app, "Real-time car park occupancy").await;
    let (_, html) = read(&visitor, &app, &format!("/data-requests/{car_parks}")).await;
    let at = html
        .find(r#"<section class="section discussion""#)
        .expect("a discussion section");
    let discussion = &html[at..at + html[at..].find("</section>").unwrap()];
    assert!(
        discussion.contains("Raised with the parking team again today"),
        "{discussion}"
    );
    let thread = entity::forum_thread::Entity::find()
        .filter(entity::forum_thread::Column::Subject.eq(format!("data-request:{car_parks}")))
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo discussion");
    let category = entity::forum_category::Entity::find_by_id(thread.category_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(category.slug, "data-requests");
    // The thread links back to the request.
    let (status, html) = read(
        &visitor,
        &app,
        &format!("/forum/data-requests/{}-{}", thread.id, thread.slug),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("href=\"/data-requests/{car_parks}\"")));

    // A member's first post on a quiet request starts its thread there too.
    let request = ask(&app, &tom, "Gritting routes").await;
    let resp = tom
        .post(
            &app,
            &format!("/data-requests/{}/discussion", request.id),
            &[
                (
                    "body",
                    "Highways say the routes are in a GIS layer already.",
                ),
                ("action", "post"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        location(&resp),
        format!("/data-requests/{}#discussion", request.id)
    );
    let (_, html) = read(&visitor, &app, &format!("/data-requests/{}", request.id)).await;
    assert!(html.contains("Highways say the routes are in a GIS layer already."));
    let started = entity::forum_thread::Entity::find()
        .filter(entity::forum_thread::Column::Subject.eq(format!("data-request:{}", request.id)))
        .one(app.db())
        .await
        .unwrap()
        .expect("a thread");
    assert_eq!(started.category_id, category.id, "in the same category");
    assert_eq!(started.title, "Gritting routes");
    // A request that does not exist has no discussion.
    let resp = tom
        .post(
            &app,
            "/data-requests/999999/discussion",
            &[("body", "x"), ("action", "post")],
        )
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn the_monthly_summary_lists_the_most_wanted_and_what_changed() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, PRIYA).await;
    let mei = signed_in(&app, MEI).await;
    let visitor = Browser::new();
    let request = ask(&app, &mei, "=Pothole repairs by ward").await;
    let status = format!("/data-requests/{}/status", request.id);
    let resp = admin
        .post(
            &app,
            &status,
            &[
                ("status", "declined"),
                ("note", "-Not held centrally, says Highways."),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let (status_code, html) = read(&visitor, &app, "/data-requests/summary").await;
    assert_eq!(status_code, 200);
    let month = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%B %Y")
        .to_string();
    assert!(
        html.contains(&format!("<h1>Dataset requests: {month}</h1>")),
        "{month}"
    );
    let wanted = &html
        [html.find("id=\"wanted-heading\"").unwrap()..html.find("id=\"made-heading\"").unwrap()];
    let first = wanted
        .find("Real-time car park occupancy")
        .expect("the most wanted");
    let second = wanted.find("School admissions").expect("the next");
    assert!(first < second);
    assert!(
        !wanted.contains("Pothole"),
        "declined: not among the open requests"
    );
    let made = &html
        [html.find("id=\"made-heading\"").unwrap()..html.find("id=\"changed-heading\"").unwrap()];
    assert!(
        made.contains("=Pothole repairs by ward"),
        "asked for this month"
    );
    let changed = &html[html.find("id=\"changed-heading\"").unwrap()..];
    assert!(changed.contains("<strong>Declined</strong>"));
    assert!(changed.contains("-Not held centrally, says Highways."));

    // Last month's summary is as that month ended: today's request is not in it.
    let last = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
        .with_day(1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let (_, html) = read(
        &visitor,
        &app,
        &format!("/data-requests/summary?month={last}"),
    )
    .await;
    assert!(!html.contains("Pothole"), "made after that month");
    // An old month is empty; a month that is not one is refused, saying how to write it.
    let (_, html) = read(&visitor, &app, "/data-requests/summary?month=2020-01").await;
    assert!(html.contains("No new request in January 2020."));
    assert!(html.contains("No request changed status in January 2020."));
    let (status_code, html) = read(&visitor, &app, "/data-requests/summary?month=2026-13").await;
    assert_eq!(status_code, 400);
    assert!(html.contains("write it as year and month, such as 2026-11"));

    // The CSV: one row per line, nothing a spreadsheet would run.
    let key = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%Y-%m")
        .to_string();
    let resp = visitor
        .get(&format!(
            "{}/data-requests/summary.csv?month={key}",
            app.url
        ))
        .await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let sections: Vec<&str> = rows.iter().map(|r| r.get(1).unwrap()).collect();
    assert!(
        sections.contains(&"most_wanted")
            && sections.contains(&"requested")
            && sections.contains(&"change")
    );
    let change = rows
        .iter()
        .find(|r| &r[1] == "change" && r[2].contains("Pothole"))
        .unwrap();
    assert_eq!(&change[2], "'=Pothole repairs by ward");
    assert_eq!(&change[8], "'-Not held centrally, says Highways.");
    let resp = visitor
        .get(&format!("{}/data-requests/summary.csv?month=nope", app.url))
        .await;
    assert_eq!(resp.status(), 400);
}
