//! Sessions, personas, CSRF, profiles and the admin pages, driven over HTTP with the
//! development sign-in (the provider round trip itself is covered in `signin.rs`).

use chrono::{Duration, Utc};
use entity::prelude::*;
use entity::{session, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::helpers::{
    TestApp, convene_command, demo_app, signed_in, spawn_app_with, stderr, unescape,
};
use crate::oidc::{Browser, location};

const ADMIN: &str = "priya.shah@northvale-council.example";
const MEMBER: &str = "gareth.lloyd@riverside-city.example";
const OTHER_MEMBER: &str = "aisha.rahman@midshire-transport.example";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    User::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn status(browser: &Browser, app: &TestApp, path: &str) -> u16 {
    browser
        .get(&format!("{}{path}", app.url))
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn personas_on_an_admin_page_and_a_member_page() {
    let app = demo_app(&[]).await;
    let anonymous = Browser::new();
    let member = signed_in(&app, MEMBER).await;
    let admin = signed_in(&app, ADMIN).await;
    let disabled = signed_in(&app, OTHER_MEMBER).await;
    let resp = admin
        .post(
            &app,
            &format!("/admin/users/{}/disable", user_id(&app, OTHER_MEMBER).await),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 303);

    // The admin page.
    let resp = anonymous.get(&format!("{}/admin/users", app.url)).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(location(&resp), "/auth/signin?return_to=%2Fadmin%2Fusers");
    let resp = member.get(&format!("{}/admin/users", app.url)).await;
    assert_eq!(resp.status(), 403);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Only the site&#x27;s admins")
    );
    assert_eq!(status(&admin, &app, "/admin/users").await, 200);
    assert_eq!(status(&disabled, &app, "/admin/users").await, 303);

    // A member page.
    assert_eq!(status(&anonymous, &app, "/profile").await, 303);
    assert_eq!(status(&member, &app, "/profile").await, 200);
    assert_eq!(status(&admin, &app, "/profile").await, 200);
    assert_eq!(status(&disabled, &app, "/profile").await, 303);

    // API clients get a problem document instead of a redirect.
    let resp = anonymous
        .client
        .get(format!("{}/admin/users", app.url))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    // Admin-only actions refuse members too.
    let resp = member
        .post(
            &app,
            &format!("/admin/users/{}/role", user_id(&app, MEMBER).await),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn only_admins_see_the_admin_navigation() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let admin = signed_in(&app, ADMIN).await;
    let page = member
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Gareth Lloyd"));
    assert!(
        !page.contains(r#"href="/admin"#),
        "a member sees a link to the admin area"
    );
    let page = admin
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"href="/admin""#));
    // The admin area's page leads to its parts.
    let page = admin
        .get(&format!("{}/admin", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"href="/admin/users""#));
    assert!(page.contains(r#"href="/admin/moderation""#));
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let resp = member
        .client
        .post(format!("{}/profile", app.url))
        .form(&[("display_name", "Hijacked")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("did not come from this site")
    );
    let resp = member
        .client
        .post(format!("{}/profile", app.url))
        .form(&[("display_name", "Hijacked"), ("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let person = User::find_by_id(user_id(&app, MEMBER).await)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.display_name, "Gareth Lloyd", "nothing changed");

    // Sign-out needs it too: without it the person stays signed in.
    let resp = member
        .client
        .post(format!("{}/auth/signout", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(member.signed_in(&app).await);

    // A token from another browser does not work either.
    let other = Browser::new();
    let their_token = other.csrf_token(&app).await;
    let resp = member
        .client
        .post(format!("{}/auth/signout", app.url))
        .form(&[("csrf_token", their_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn the_development_sign_in_needs_the_csrf_token_and_is_off_by_default() {
    let app = demo_app(&[]).await;
    let browser = Browser::new();
    let resp = browser
        .client
        .post(format!("{}/auth/dev", app.url))
        .form(&[("email", ADMIN)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(!browser.signed_in(&app).await);
    let page = unescape(
        &browser
            .get(&format!("{}/auth/dev", app.url))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("Sign in as Priya Shah"));

    let off = spawn_app_with(&[]).await;
    assert_eq!(
        Browser::new()
            .get(&format!("{}/auth/dev", off.url))
            .await
            .status(),
        404
    );
    let resp = Browser::new()
        .post(&off, "/auth/dev", &[("email", ADMIN)])
        .await;
    assert_eq!(resp.status(), 404);
}

#[test]
fn the_development_sign_in_refuses_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let out = convene_command(&[
        ("CONVENE_DATA_DIR", dir.path().to_str().unwrap()),
        ("CONVENE_AUTH__DEV_LOGIN", "true"),
        ("CONVENE_BIND", "0.0.0.0:0"),
    ])
    .arg("serve")
    .output()
    .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("CONVENE_AUTH__DEV_LOGIN") && err.contains("loopback"),
        "{err}"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    assert_eq!(Session::find().count(app.db()).await.unwrap(), 1);
    let resp = member.post(&app, "/auth/signout", &[]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(Session::find().count(app.db()).await.unwrap(), 0);
    let home = member
        .get(&format!("{}/", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(home.contains("You have signed out."));
    assert!(!member.signed_in(&app).await);
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_device() {
    let app = demo_app(&[]).await;
    let laptop = signed_in(&app, MEMBER).await;
    let phone = signed_in(&app, MEMBER).await;
    let someone_else = signed_in(&app, ADMIN).await;
    let resp = laptop.post(&app, "/auth/signout-everywhere", &[]).await;
    assert_eq!(resp.status(), 303);
    assert!(!laptop.signed_in(&app).await);
    assert!(!phone.signed_in(&app).await);
    assert!(
        someone_else.signed_in(&app).await,
        "other people stay signed in"
    );
}

#[tokio::test]
async fn a_tampered_session_cookie_is_ignored_and_cleared() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let cookie = member.cookies_for(&app.url);
    let real = cookie
        .split("; ")
        .find(|c| c.starts_with("convene_session="))
        .unwrap()
        .to_string();
    let mut tampered = real.clone();
    tampered.pop();
    tampered.push(if real.ends_with('A') { 'B' } else { 'A' });
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/profile", app.url))
        .header("cookie", tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303, "treated as signed out");
    let cleared = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .any(|c| c.starts_with("convene_session=;") && c.contains("Max-Age=0"));
    assert!(cleared, "the useless cookie is removed");
}

#[tokio::test]
async fn an_expired_session_no_longer_signs_anyone_in() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let row = Session::find().one(app.db()).await.unwrap().unwrap();
    let mut active: session::ActiveModel = row.into();
    active.expires_at = Set(Utc::now() - Duration::minutes(1));
    active.update(app.db()).await.unwrap();
    assert!(!member.signed_in(&app).await);
}

#[tokio::test]
async fn an_active_session_slides_forward() {
    let app = demo_app(&[("auth.session_days", "30")]).await;
    let member = signed_in(&app, MEMBER).await;
    let row = Session::find().one(app.db()).await.unwrap().unwrap();
    let soon = Utc::now() + Duration::days(1);
    let mut active: session::ActiveModel = row.into();
    active.expires_at = Set(soon);
    active.renewed_at = Set(Utc::now() - Duration::hours(2));
    active.update(app.db()).await.unwrap();

    assert!(member.signed_in(&app).await);
    let row = Session::find().one(app.db()).await.unwrap().unwrap();
    assert!(
        row.expires_at > Utc::now() + Duration::days(29),
        "renewed to 30 days"
    );
}

#[tokio::test]
async fn sessions_are_stored_hashed() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let cookie = member.cookies_for(&app.url);
    let token = cookie
        .split("; ")
        .find_map(|c| c.strip_prefix("convene_session="))
        .unwrap()
        .to_string();
    let row = Session::find().one(app.db()).await.unwrap().unwrap();
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        row.token_hash, expected,
        "the SHA-256 of the cookie's token, not the token"
    );
}

#[tokio::test]
async fn https_sites_use_secure_host_only_cookies() {
    let app = demo_app(&[("base_url", "https://forum.example.org")]).await;
    let browser = Browser::new();
    let token_page = browser.get(&format!("{}/", app.url)).await;
    let csrf_cookie = token_page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csrf_cookie.starts_with("__Host-convene_csrf=") && csrf_cookie.contains("Secure"));
    // The cookie is Secure, so a plain-http client keeps it only if told to; send it by hand.
    let html = token_page.text().await.unwrap();
    let token = crate::helpers::meta_csrf(&html);
    let csrf_pair = csrf_cookie.split(';').next().unwrap().to_string();
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/auth/dev", app.url))
        .header("cookie", csrf_pair)
        .form(&[("email", ADMIN), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let session_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.contains("convene_session="))
        .unwrap()
        .to_string();
    assert!(
        session_cookie.starts_with("__Host-convene_session="),
        "{session_cookie}"
    );
    assert!(session_cookie.contains("Secure") && session_cookie.contains("HttpOnly"));
    assert!(session_cookie.contains("SameSite=Lax") && session_cookie.contains("Path=/"));
}

#[tokio::test]
async fn profile_changes_are_validated_and_saved() {
    let app = demo_app(&[]).await;
    let member = signed_in(&app, MEMBER).await;
    let resp = member
        .post(
            &app,
            "/profile",
            &[
                ("display_name", "  "),
                ("organisation", "Riverside City Council"),
            ],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("Enter the name other members will see."));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(
        html.contains(r#"value="Riverside City Council""#),
        "the form is refilled"
    );

    let resp = member
        .post(
            &app,
            "/profile",
            &[
                ("display_name", "Gareth Lloyd (Riverside)"),
                ("organisation", ""),
            ],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let person = User::find_by_id(user_id(&app, MEMBER).await)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.display_name, "Gareth Lloyd (Riverside)");
    assert_eq!(person.organisation, None);
    assert!(
        !person.listed_publicly,
        "the unticked box hides them from attendee lists"
    );
    let page = member
        .get(&format!("{}/profile", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your profile has been saved."));
}

#[tokio::test]
async fn admins_change_roles_with_an_audit_trail() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let member_id = user_id(&app, MEMBER).await;
    let resp = admin
        .post(
            &app,
            &format!("/admin/users/{member_id}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let person = User::find_by_id(member_id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.role, user::Role::Admin);

    // Nobody demotes themselves: another admin has to.
    let own_id = user_id(&app, ADMIN).await;
    let resp = admin
        .post(
            &app,
            &format!("/admin/users/{own_id}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(resp.status(), 409);
    let resp = admin
        .post(&app, &format!("/admin/users/{own_id}/disable"), &[])
        .await;
    assert_eq!(resp.status(), 409);
    let resp = admin
        .post(
            &app,
            &format!("/admin/users/{member_id}/role"),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(resp.status(), 400);

    let log = admin
        .get(&format!("{}/admin/audit", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("<td>Granted the admin role</td>"));
    assert!(log.contains("Priya Shah</a>"), "who did it");
    assert!(log.contains(&format!("/admin/users#user-{member_id}\">Gareth Lloyd</a>")));
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let app = demo_app(&[]).await;
    let admin = signed_in(&app, ADMIN).await;
    let member = signed_in(&app, MEMBER).await;
    let member_id = user_id(&app, MEMBER).await;
    let resp = admin
        .post(&app, &format!("/admin/users/{member_id}/disable"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    assert!(!member.signed_in(&app).await);
    assert_eq!(
        Session::find()
            .filter(session::Column::UserId.eq(member_id))
            .count(app.db())
            .await
            .unwrap(),
        0
    );
    // And cannot sign in again.
    let again = Browser::new();
    let resp = again.post(&app, "/auth/dev", &[("email", MEMBER)]).await;
    assert_eq!(resp.status(), 403);
    assert!(resp.text().await.unwrap().contains("has been disabled"));

    let log = admin
        .get(&format!("{}/admin/audit", app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("<td>Disabled an account</td>"));
    assert!(log.contains("Signed out of 1 session at once."));

    // Re-enabling lets them back in.
    let resp = admin
        .post(&app, &format!("/admin/users/{member_id}/enable"), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let back = Browser::new();
    back.dev_sign_in(&app, MEMBER).await;
    assert!(back.signed_in(&app).await);
}
