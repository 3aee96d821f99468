//! The web shell every page shares: the home page, error pages, security headers, assets,
//! compression and the health check.

use crate::helpers::{spawn_app, spawn_app_with};
use reqwest::StatusCode;
use reqwest::header;

fn assert_security_headers(resp: &reqwest::Response) {
    let h = resp.headers();
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a Content-Security-Policy")
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        h[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
}

#[tokio::test]
async fn home_page_shows_the_site() {
    let app = spawn_app_with(&[("site_name", "Northvale Open Data Forum")]).await;
    let resp = app.get("/").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_security_headers(&resp);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("<title>Home · Northvale Open Data Forum</title>"));
    assert_eq!(html.matches("<h1").count(), 1, "one main heading");
    assert!(
        html.contains(r#"<nav class="site-nav" aria-label="Main">"#)
            || html.contains(r#"aria-label="Main""#)
    );
    assert!(html.contains(r##"href="#main""##), "a skip link");
    assert!(html.contains("No events published yet"), "the empty state");
    assert!(html.contains("Times are shown in Europe/London"));
    // It describes what the site does today: events and calendars, not features to come.
    assert!(html.contains(r#"<a href="/calendar">calendar</a>"#));
    assert!(!html.contains("minutes") && !html.contains("vote"));
    // No inline script or style: the CSP would block it.
    assert!(!html.contains("<script>") && !html.contains("style="));
}

#[tokio::test]
async fn text_from_settings_is_escaped() {
    let app = spawn_app_with(&[("site_name", "Data <script>alert(1)</script> Forum")]).await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("Data &lt;script&gt;alert(1)&lt;/script&gt; Forum"));
}

#[tokio::test]
async fn unknown_page_is_a_404_page_for_browsers() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!("{}/no/such/page", app.url))
        .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&resp);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let html = resp.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Error 404"));
    assert!(html.contains(r#"href="/""#), "a way back home");
    assert!(html.contains(r#"action="/events""#), "a search for events");
    assert!(
        html.contains("aria-label=\"Main\""),
        "inside the site layout"
    );
}

#[tokio::test]
async fn unknown_page_is_a_problem_document_for_json_clients() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!("{}/no/such/page", app.url))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["title"], "Not Found");
    assert_eq!(problem["instance"], "/no/such/page");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("nothing at this address")
    );
}

#[tokio::test]
async fn wrong_method_is_a_405_in_both_forms() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let resp = app
        .client
        .post(format!("{}/", app.url))
        .header(header::ACCEPT, "text/html")
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("That action is not allowed here")
    );

    let resp = app
        .client
        .delete(format!("{}/healthz", app.url))
        .header(header::ACCEPT, "application/json")
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    let problem: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(problem["status"], 405);
}

/// A failing handler (here: one that panics) yields the 500 page, not a dropped connection,
/// and its cause stays out of the response.
#[tokio::test]
async fn a_crash_is_a_500_page_without_details() {
    use poem::http::StatusCode;
    use poem::test::TestClient;
    use poem::{EndpointExt, Route, get, handler};

    #[handler]
    fn boom() -> &'static str {
        panic!("secret internal detail")
    }
    #[handler]
    fn db_down() -> Result<&'static str, convene::error::AppError> {
        Err(sea_orm::DbErr::Custom("password=hunter2 connection reset".into()).into())
    }

    let app = spawn_app().await;
    let ep = Route::new()
        .at("/boom", get(boom))
        .at("/db", get(db_down))
        .with(convene::web::errors::ErrorPages::new(app.state.clone()));
    let client = TestClient::new(ep);

    let resp = client
        .get("/boom")
        .header("accept", "text/html")
        .send()
        .await;
    resp.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
    let html = resp.0.into_body().into_string().await.unwrap();
    assert!(html.contains("Something went wrong on our side"));
    assert!(!html.contains("secret internal detail"));

    let resp = client
        .get("/db")
        .header("accept", "application/json")
        .send()
        .await;
    resp.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
    resp.assert_content_type("application/problem+json");
    let body = resp.0.into_body().into_string().await.unwrap();
    let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["status"], 500);
    assert!(!body.contains("hunter2"));
}

#[tokio::test]
async fn assets_are_cached_by_etag_and_version() {
    let app = spawn_app().await;
    let html = app.get("/").await.text().await.unwrap();
    let start = html
        .find("/assets/css/convene.css?v=")
        .expect("a versioned stylesheet link");
    let end = start + html[start..].find('"').unwrap();
    let css_url = &html[start..end];

    let resp = app.get(css_url).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_security_headers(&resp);
    assert_eq!(
        resp.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = resp.headers()[header::ETAG].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.len() > 8, "{etag}");
    let css = resp.text().await.unwrap();
    assert!(css.contains("prefers-color-scheme: dark"), "dark scheme");
    assert!(css.contains("@media print"), "print styles");

    let again = app
        .client
        .get(format!("{}{css_url}", app.url))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    let stale = app
        .client
        .get(format!("{}{css_url}", app.url))
        .header(header::IF_NONE_MATCH, "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);

    // Without the version the same file is served, but only cached briefly.
    let plain = app.get("/assets/css/convene.css").await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        plain.headers()[header::CACHE_CONTROL],
        "public, max-age=3600"
    );

    assert_eq!(
        app.get("/assets/css/missing.css").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/assets/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn text_responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    let resp = app
        .client
        .get(format!("{}/assets/css/convene.css", app.url))
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[header::CONTENT_ENCODING], "gzip");
    assert_eq!(resp.headers()[header::VARY], "accept-encoding");
    let gz = resp.bytes().await.unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "gzip magic bytes");

    let resp = app
        .client
        .get(format!("{}/", app.url))
        .header(header::ACCEPT_ENCODING, "br, gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()[header::CONTENT_ENCODING], "br");

    let resp = app.get("/").await;
    assert!(resp.headers().get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CACHE_CONTROL], "no-store");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");

    app.db().close_by_ref().await.unwrap();
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "unavailable");
}

#[tokio::test]
async fn https_sites_send_hsts() {
    let app = spawn_app_with(&[("base_url", "https://forum.example.org")]).await;
    let resp = app.get("/").await;
    assert_eq!(
        resp.headers()[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
    let plain = spawn_app().await;
    assert!(
        plain
            .get("/")
            .await
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none()
    );
}

#[tokio::test]
async fn a_page_rendered_once_for_visitors_still_carries_each_visitors_own_token() {
    let app = crate::helpers::demo_app(&[]).await;
    let first = crate::oidc::Browser::new();
    let second = crate::oidc::Browser::new();
    let (a, b) = (first.csrf_token(&app).await, second.csrf_token(&app).await);
    assert!(!a.is_empty() && !b.is_empty());
    assert_ne!(a, b, "each browser has a token of its own");
    let listing_a = first
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    let listing_b = second
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(crate::helpers::meta_csrf(&listing_a), a);
    assert_eq!(crate::helpers::meta_csrf(&listing_b), b);
    assert!(!listing_b.contains('\u{1}'), "no placeholder is left");
    // The second browser's token works for it (the development sign-in is a CSRF-checked
    // form anyone may post), and what it did shows at once on the shared page.
    second
        .dev_sign_in(&app, "priya.shah@northvale-council.example")
        .await;
    let resp = second
        .post(
            &app,
            "/events/new",
            &[
                ("title", "Shared Page Check"),
                ("summary", "Published while the listing is in memory."),
                ("time_zone", "Europe/London"),
                (
                    "start_date",
                    &(chrono::Utc::now() + chrono::Duration::days(3))
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                ("start_time", "10:00"),
                ("end_time", "11:00"),
                ("repeat", "none"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let listing = first
        .get(&format!("{}/events", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(listing.contains("Shared Page Check"));
}
