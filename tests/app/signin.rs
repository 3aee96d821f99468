//! Signing in through a real OpenID Connect provider: the authorization-code flow with PKCE
//! over HTTP, and every way it can go wrong ending with a clear page and no session.

use entity::prelude::*;
use entity::user::{self, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::needs_peers;
use crate::helpers::{TestApp, spawn, stderr, unescape};
use crate::oidc::{Browser, location, set_mode};

const PRIYA: &str = "priya.shah@northvale-council.example";

async fn council_app() -> TestApp {
    spawn(&[], &["council"], None).await
}

async fn users(app: &TestApp) -> Vec<user::Model> {
    User::find().all(app.db()).await.unwrap()
}

async fn assert_refused(resp: reqwest::Response, status: u16, words: &str) {
    assert_eq!(resp.status().as_u16(), status);
    let set_cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        !set_cookies
            .iter()
            .any(|c| c.starts_with("convene_session=") && !c.contains("Max-Age=0")),
        "no session cookie on a refusal: {set_cookies:?}"
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains(words), "expected {words:?} in:\n{html}");
}

#[tokio::test]
async fn first_sign_in_creates_the_account_and_the_second_reuses_it() {
    needs_peers!();
    let app = council_app().await;
    let browser = Browser::new();
    let resp = browser.sign_in(&app, PRIYA).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/");
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("convene_session="))
        .expect("a session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    assert!(!cookie.contains("Secure"), "plain http site");

    let home = browser
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("Welcome, Priya Shah! Your account is ready."));
    assert!(home.contains("Priya Shah"), "name in the header");

    let people = users(&app).await;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0].email, PRIYA);
    assert!(people[0].email_verified);
    assert_eq!(people[0].role, Role::Member);
    assert_eq!(Identity::find().count(app.db()).await.unwrap(), 1);

    // Another browser, the same person: the same account, no duplicate.
    let again = Browser::new();
    let resp = again.sign_in(&app, PRIYA).await;
    assert_eq!(resp.status(), 303);
    let home = again
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("Signed in as Priya Shah."));
    assert!(again.signed_in(&app).await);
    assert_eq!(users(&app).await.len(), 1);
    assert_eq!(Identity::find().count(app.db()).await.unwrap(), 1);
}

#[tokio::test]
async fn return_to_is_honoured_only_on_this_site() {
    needs_peers!();
    let app = council_app().await;
    let browser = Browser::new();
    let resp = browser
        .sign_in_via(&app, "council", PRIYA, "?return_to=%2Fprofile")
        .await;
    assert_eq!(location(&resp), "/profile");

    let other = Browser::new();
    let resp = other
        .sign_in_via(
            &app,
            "council",
            PRIYA,
            "?return_to=https%3A%2F%2Fevil.example%2F",
        )
        .await;
    assert_eq!(location(&resp), "/");
    let resp = Browser::new()
        .sign_in_via(&app, "council", PRIYA, "?return_to=%2F%2Fevil.example")
        .await;
    assert_eq!(location(&resp), "/");
}

#[tokio::test]
async fn a_pre_granted_admin_becomes_admin_at_first_sign_in() {
    needs_peers!();
    let app = council_app().await;
    let out = app.command(&["admin", "grant", PRIYA]);
    assert!(out.status.success(), "{}", stderr(&out));
    let browser = Browser::new();
    assert_eq!(browser.sign_in(&app, PRIYA).await.status(), 303);
    let people = users(&app).await;
    assert_eq!(people.len(), 1, "the waiting account was used");
    assert_eq!(people[0].role, Role::Admin);
    assert_eq!(
        people[0].display_name, "Priya Shah",
        "the provider's name replaces the placeholder"
    );
    let admin = browser.get(&format!("{}/admin/users", app.url)).await;
    assert_eq!(admin.status(), 200);
}

#[tokio::test]
async fn wrong_or_missing_state_is_refused() {
    needs_peers!();
    let app = council_app().await;
    let browser = Browser::new();
    let authorize = browser.start(&app, "council", "").await;
    let callback = browser.login_at_provider(&app, &authorize, PRIYA).await;
    let mut url = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs.iter().map(|(k, v)| {
            (
                k.as_str(),
                if k == "state" {
                    "forged-state"
                } else {
                    v.as_str()
                },
            )
        }));
    let resp = browser.get(url.as_str()).await;
    assert_refused(resp, 400, "does not match the sign-in you started").await;
    assert!(!browser.signed_in(&app).await);

    // Without the pending sign-in (another browser, or state missing altogether).
    let stranger = Browser::new();
    let resp = stranger.get(&callback).await;
    assert_refused(resp, 400, "started in another browser").await;
    assert!(users(&app).await.is_empty());
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    needs_peers!();
    let app = council_app().await;
    let browser = Browser::new();
    let authorize = browser.start(&app, "council", "").await;
    let callback = browser.login_at_provider(&app, &authorize, PRIYA).await;
    // What an attacker who copied the browser's cookies and the callback URL would hold.
    let stolen_cookies = browser.cookies_for(&callback);
    assert!(stolen_cookies.contains("convene_signin="));
    assert_eq!(browser.get(&callback).await.status(), 303);

    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&callback)
        .header("cookie", stolen_cookies)
        .send()
        .await
        .unwrap();
    assert_refused(replay, 400, "could not accept").await;
    // The original browser's pending sign-in is used up too.
    let resp = browser.get(&callback).await;
    assert_refused(resp, 400, "started in another browser").await;
}

#[tokio::test]
async fn access_denied_at_the_provider_is_a_clear_page() {
    needs_peers!();
    let app = council_app().await;
    let browser = Browser::new();
    let authorize = browser.start(&app, "council", "").await;
    let state = url::Url::parse(&authorize)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let resp = browser
        .get(&format!(
            "{}/auth/council/callback?error=access_denied&state={state}",
            app.url
        ))
        .await;
    assert_refused(resp, 403, "cancelled or refused at Northvale Council").await;
    assert!(!browser.signed_in(&app).await);
}

#[tokio::test]
async fn a_provider_that_is_down_is_a_clear_page() {
    needs_peers!();
    let app = spawn(
        &[("auth.provider_timeout_secs", "2")],
        &["council"],
        Some("http://127.0.0.1:1"),
    )
    .await;
    let browser = Browser::new();
    let resp = browser
        .get(&format!("{}/auth/council/start", app.url))
        .await;
    assert_refused(resp, 502, "We could not reach Northvale Council").await;
}

#[tokio::test]
async fn a_slow_provider_times_out_with_a_clear_page() {
    needs_peers!();
    let app = spawn(&[("auth.provider_timeout_secs", "2")], &["council"], None).await;
    set_mode(&app, "council", "slow").await;
    let browser = Browser::new();
    let resp = browser.sign_in(&app, PRIYA).await;
    assert_refused(resp, 502, "did not answer in time").await;
    assert!(users(&app).await.is_empty());
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    needs_peers!();
    let app = council_app().await;
    set_mode(&app, "council", "wrong-audience").await;
    let browser = Browser::new();
    let resp = browser.sign_in(&app, PRIYA).await;
    assert_refused(resp, 400, "could not accept").await;
    assert!(users(&app).await.is_empty());
    assert!(!browser.signed_in(&app).await);
}

#[tokio::test]
async fn an_id_token_with_the_wrong_nonce_is_refused() {
    needs_peers!();
    let app = council_app().await;
    set_mode(&app, "council", "wrong-nonce").await;
    let browser = Browser::new();
    let resp = browser.sign_in(&app, PRIYA).await;
    assert_refused(resp, 400, "could not accept").await;
    assert!(users(&app).await.is_empty());
}

#[tokio::test]
async fn an_unverified_email_never_takes_over_an_existing_account() {
    needs_peers!();
    let app = council_app().await;
    assert!(app.command(&["seed-demo"]).status.success());
    let before = users(&app).await.len();
    let browser = Browser::new();
    let resp = browser.sign_in(&app, &format!("unverified:{PRIYA}")).await;
    assert_refused(resp, 403, "has not verified that this address is yours").await;
    assert!(!browser.signed_in(&app).await);
    assert_eq!(users(&app).await.len(), before);
    assert_eq!(Identity::find().count(app.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn an_unverified_email_can_start_a_new_account_but_not_claim_it_later() {
    needs_peers!();
    let app = council_app().await;
    let email = "newcomer@mail.example";
    let browser = Browser::new();
    assert_eq!(
        browser
            .sign_in(&app, &format!("unverified:{email}"))
            .await
            .status(),
        303
    );
    let person = User::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert!(!person.email_verified);
    // Someone else whose provider verified the address is not merged into that account.
    let resp = Browser::new().sign_in(&app, email).await;
    assert_refused(resp, 403, "was never verified").await;
}

#[tokio::test]
async fn an_account_without_an_email_is_refused() {
    needs_peers!();
    let app = council_app().await;
    let resp = Browser::new().sign_in(&app, "noemail:someone").await;
    assert_refused(resp, 403, "did not share an email address").await;
}

#[tokio::test]
async fn a_second_provider_can_be_linked_from_the_profile() {
    needs_peers!();
    let app = spawn(&[], &["council", "partner"], None).await;
    let browser = Browser::new();
    assert_eq!(browser.sign_in(&app, PRIYA).await.status(), 303);
    let profile = unescape(
        &browser
            .get(&format!("{}/profile", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(
        profile.contains("/auth/partner/start?link=1"),
        "a link button"
    );

    let authorize = browser.start(&app, "partner", "?link=1").await;
    // Signed in at the provider already as Priya; the partner client gets her too, but as a
    // separate provider id, so it is a second identity.
    let callback = browser.login_at_provider(&app, &authorize, PRIYA).await;
    let resp = browser.get(&callback).await;
    assert_eq!(location(&resp), "/profile");
    assert_eq!(users(&app).await.len(), 1);
    assert_eq!(Identity::find().count(app.db()).await.unwrap(), 2);

    // Signing in with the partner provider alone now lands in the same account.
    let other = Browser::new();
    assert_eq!(
        other.sign_in_via(&app, "partner", PRIYA, "").await.status(),
        303
    );
    assert!(other.signed_in(&app).await);
    assert_eq!(users(&app).await.len(), 1);

    // Linking needs a signed-in person.
    let anonymous = Browser::new();
    let resp = anonymous
        .get(&format!("{}/auth/partner/start?link=1", app.url))
        .await;
    assert_eq!(resp.status(), 303);
    assert!(location(&resp).starts_with("/auth/signin"));
}

#[tokio::test]
async fn sign_in_attempts_are_rate_limited_per_address() {
    needs_peers!();
    let app = spawn(
        &[("auth.sign_in_attempts_per_minute", "3")],
        &["council"],
        None,
    )
    .await;
    let browser = Browser::new();
    for _ in 0..3 {
        let resp = browser
            .get(&format!("{}/auth/council/start", app.url))
            .await;
        assert_eq!(resp.status(), 303);
    }
    let resp = browser
        .get(&format!("{}/auth/council/start", app.url))
        .await;
    assert_refused(resp, 429, "too many sign-in attempts").await;
}

#[tokio::test]
async fn the_sign_in_page_lists_the_providers() {
    needs_peers!();
    let app = council_app().await;
    let html = unescape(
        &Browser::new()
            .get(&format!("{}/auth/signin?return_to=%2Fprofile", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(html.contains("Sign in with Northvale Council"));
    assert!(html.contains("/auth/council/start?return_to=%2Fprofile"));
    assert!(
        !html.contains("/auth/dev"),
        "no development sign-in unless switched on"
    );
    assert_eq!(
        Browser::new()
            .get(&format!("{}/auth/unknown/start", app.url))
            .await
            .status(),
        404
    );
}
