//! One-time messages shown on the next page a person sees ("Event submitted for approval"),
//! carried in a signed cookie so they survive a redirect without server-side state.

use poem::web::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

const COOKIE: &str = "convene_flash";
/// Enough for a handful of messages; anything more is dropped rather than growing the cookie.
const MAX_MESSAGES: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlashKind {
    Success,
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// Queues a message and sends the browser to `location` (303): how a form that worked ends.
pub fn redirect(
    jar: &CookieJar,
    secure: bool,
    kind: FlashKind,
    message: impl Into<String>,
    location: &str,
) -> poem::Response {
    push(jar, secure, kind, message);
    super::see_other(location)
}

/// "Done": a success message for the next page, and a 303 to `location` (the end of most
/// forms' POSTs).
pub fn done(
    state: &crate::state::AppState,
    jar: &CookieJar,
    message: impl Into<String>,
    location: &str,
) -> poem::Response {
    redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        message,
        location,
    )
}

/// Queues a message for the next page this browser loads.
pub fn push(jar: &CookieJar, secure: bool, kind: FlashKind, message: impl Into<String>) {
    let signed = jar.signed();
    let mut queued = read(jar);
    if queued.len() < MAX_MESSAGES {
        queued.push(Flash {
            kind,
            message: message.into(),
        });
    }
    let mut cookie = Cookie::new(COOKIE, &queued);
    cookie.set_path("/");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(secure);
    signed.add(cookie);
}

/// Whether the browser brings a message to show (its page is then its own).
pub fn is_waiting(req: &poem::Request) -> bool {
    req.cookie().get(COOKIE).is_some()
}

/// Removes and returns the queued messages. A cookie whose signature does not verify is
/// ignored, so nobody can plant a message in somebody else's browser.
pub fn take(jar: &CookieJar) -> Vec<Flash> {
    if jar.get(COOKIE).is_none() {
        return Vec::new();
    }
    let queued = read(jar);
    let mut removal = Cookie::named(COOKIE);
    removal.set_path("/");
    jar.add({
        removal.make_removal();
        removal
    });
    queued
}

fn read(jar: &CookieJar) -> Vec<Flash> {
    jar.signed()
        .get(COOKIE)
        .and_then(|c| c.value::<Vec<Flash>>().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use poem::test::TestClient;
    use poem::web::cookie::CookieKey;
    use poem::{EndpointExt, Route, get, handler, middleware::CookieJarManager};

    #[handler]
    fn set(jar: &CookieJar) -> &'static str {
        push(jar, false, FlashKind::Success, "Saved");
        push(jar, false, FlashKind::Error, "But <b>one</b> thing failed");
        "ok"
    }

    #[handler]
    fn show(jar: &CookieJar) -> String {
        serde_json::to_string(&take(jar)).unwrap()
    }

    fn app() -> impl poem::Endpoint {
        Route::new()
            .at("/set", get(set))
            .at("/show", get(show))
            .with(CookieJarManager::with_key(CookieKey::generate()))
    }

    #[tokio::test]
    async fn messages_survive_one_request_then_disappear() {
        let client = TestClient::new(app());
        let resp = client.get("/set").send().await;
        let set_cookie = resp
            .0
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(set_cookie.contains("HttpOnly"));
        let cookie = set_cookie.split(';').next().unwrap().to_string();

        let resp = client.get("/show").header("cookie", &cookie).send().await;
        let removal = resp
            .0
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(removal.contains("Max-Age=0"), "{removal}");
        let body = resp.0.into_body().into_string().await.unwrap();
        let flashes: Vec<Flash> = serde_json::from_str(&body).unwrap();
        assert_eq!(flashes.len(), 2);
        assert_eq!(flashes[0].message, "Saved");
        assert_eq!(flashes[1].kind, FlashKind::Error);
    }

    #[tokio::test]
    async fn a_forged_cookie_is_ignored() {
        let client = TestClient::new(app());
        let forged = r#"convene_flash=[{"kind":"error","message":"Your account is suspended"}]"#;
        let resp = client.get("/show").header("cookie", forged).send().await;
        let body = resp.0.into_body().into_string().await.unwrap();
        assert_eq!(body, "[]");
    }
}
