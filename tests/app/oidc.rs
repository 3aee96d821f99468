//! The real OpenID Connect provider in `tests/oidc-provider/`, started once per test run,
//! and a driver that signs in through its login form over HTTP, as a browser would.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use convene::config::{ProviderConfig, ProviderKind};
use reqwest::cookie::{CookieStore, Jar};

use crate::helpers::TestApp;

struct RunningProvider {
    issuer: String,
    // Held open for the life of the test process: the provider exits when stdin closes.
    _stdin: Mutex<ChildStdin>,
    _stdout: Mutex<ChildStdout>,
    _child: Mutex<Child>,
}

static PROVIDER: OnceLock<RunningProvider> = OnceLock::new();

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider")
}

/// The test provider's issuer URL, starting it on first use.
pub fn issuer() -> String {
    PROVIDER
        .get_or_init(|| {
            let dir = provider_dir();
            if !dir.join("node_modules").exists() {
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir)
                    .status()
                    .expect("npm is installed (the test provider needs Node.js)");
                assert!(status.success(), "npm ci in tests/oidc-provider failed");
            }
            // CONVENE_TEST_OIDC_CLAIMS=id-token runs the provider with the claims in the ID
            // token; by default it is in its conforming mode (claims from UserInfo only).
            let in_id_token =
                std::env::var("CONVENE_TEST_OIDC_CLAIMS").as_deref() == Ok("id-token");
            let mut child = Command::new("node")
                .arg("server.mjs")
                .current_dir(&dir)
                .env("PORT", "0")
                .env("CLAIMS_IN_ID_TOKEN", if in_id_token { "1" } else { "0" })
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("node is installed (the test provider needs Node.js)");
            let stdin = child.stdin.take().unwrap();
            let stdout = child.stdout.take().unwrap();
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).expect("the provider starts");
            let issuer = line
                .trim()
                .strip_prefix("ready ")
                .unwrap_or_else(|| panic!("unexpected provider output: {line:?}"))
                .to_string();
            RunningProvider {
                issuer,
                _stdin: Mutex::new(stdin),
                _stdout: Mutex::new(reader.into_inner()),
                _child: Mutex::new(child),
            }
        })
        .issuer
        .clone()
}

/// Registers a client for this app at the provider and returns the app's provider settings.
pub async fn register_provider(
    base_url: &url::Url,
    id: &str,
    issuer_override: Option<&str>,
) -> (ProviderConfig, String) {
    let issuer = issuer();
    let redirect = format!("{}auth/{id}/callback", base_url.as_str());
    let client: serde_json::Value = reqwest::Client::new()
        .post(format!("{issuer}/reg"))
        .json(&serde_json::json!({
            "redirect_uris": [redirect],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .send()
        .await
        .expect("the provider answers")
        .json()
        .await
        .expect("a registration");
    let client_id = client["client_id"].as_str().unwrap().to_string();
    let provider = ProviderConfig {
        id: id.to_string(),
        label: if id == "council" {
            "Northvale Council".into()
        } else {
            format!("Partner {id}")
        },
        kind: ProviderKind::Oidc {
            issuer: issuer_override.unwrap_or(&issuer).parse().unwrap(),
        },
        client_id: client_id.clone(),
        client_secret: client["client_secret"].as_str().unwrap().to_string(),
    };
    (provider, client_id)
}

/// Makes the provider misbehave for one app's client: `wrong-audience`, `wrong-nonce`,
/// `slow` or `normal`.
pub async fn set_mode(app: &TestApp, provider_id: &str, mode: &str) {
    let client_id = &app
        .oidc_clients
        .iter()
        .find(|(id, _)| id == provider_id)
        .expect("a registered client")
        .1;
    let resp = reqwest::Client::new()
        .post(format!("{}/test/mode", issuer()))
        .json(&serde_json::json!({ "client_id": client_id, "mode": mode }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
}

/// A browser: its own cookie jar (shared between the app and the provider, as a browser's
/// would be on one host), no automatic redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { client, jar }
    }

    /// The Cookie header this browser would send to `url`.
    pub fn cookies_for(&self, url: &str) -> String {
        self.jar
            .cookies(&url.parse().unwrap())
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.client.get(url).send().await.unwrap()
    }

    /// Starts signing in at the app and returns the provider's authorization URL.
    pub async fn start(&self, app: &TestApp, provider_id: &str, query: &str) -> String {
        let resp = self
            .get(&format!("{}/auth/{provider_id}/start{query}", app.url))
            .await;
        assert_eq!(resp.status(), 303, "start should redirect to the provider");
        location(&resp)
    }

    /// Logs in at the provider's form and follows it until it sends the browser back to the
    /// app; returns that callback URL without calling it.
    pub async fn login_at_provider(
        &self,
        app: &TestApp,
        authorize_url: &str,
        login: &str,
    ) -> String {
        let mut url = authorize_url.to_string();
        for _ in 0..10 {
            if url.starts_with(&app.url) {
                return url;
            }
            let resp = self.get(&url).await;
            if resp.status().is_redirection() {
                url = resolve(&url, &location(&resp));
                continue;
            }
            assert_eq!(resp.status(), 200, "provider page {url}");
            let html = resp.text().await.unwrap();
            let (action, mut fields) = parse_form(&html);
            fields.retain(|(k, _)| k != "login" && k != "password");
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any password".into()));
            let resp = self
                .client
                .post(&action)
                .form(&fields)
                .send()
                .await
                .unwrap();
            assert!(
                resp.status().is_redirection(),
                "login form answered {}",
                resp.status()
            );
            url = resolve(&action, &location(&resp));
        }
        panic!("the provider never sent the browser back to the app");
    }

    /// The whole round trip; returns the app's answer to the callback.
    pub async fn sign_in(&self, app: &TestApp, login: &str) -> reqwest::Response {
        self.sign_in_via(app, "council", login, "").await
    }

    pub async fn sign_in_via(
        &self,
        app: &TestApp,
        provider_id: &str,
        login: &str,
        query: &str,
    ) -> reqwest::Response {
        let authorize = self.start(app, provider_id, query).await;
        let callback = self.login_at_provider(app, &authorize, login).await;
        self.get(&callback).await
    }

    /// Whether the app sees this browser as signed in (the profile page needs it).
    pub async fn signed_in(&self, app: &TestApp) -> bool {
        let resp = self.get(&format!("{}/profile", app.url)).await;
        match resp.status().as_u16() {
            200 => true,
            303 => false,
            other => panic!("unexpected status {other} for /profile"),
        }
    }

    pub async fn csrf_token(&self, app: &TestApp) -> String {
        let html = self
            .get(&format!("{}/", app.url))
            .await
            .text()
            .await
            .unwrap();
        crate::helpers::meta_csrf(&html)
    }

    /// Posts a form with this browser's CSRF token added.
    pub async fn post(
        &self,
        app: &TestApp,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf_token(app).await;
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.client
            .post(format!("{}{path}", app.url))
            .form(&fields)
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the development sign-in (the app must have it switched on).
    pub async fn dev_sign_in(&self, app: &TestApp, email: &str) {
        let resp = self.post(app, "/auth/dev", &[("email", email)]).await;
        assert_eq!(resp.status(), 303, "development sign-in as {email}");
    }
}

pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location in a {} answer", resp.status()))
        .to_str()
        .unwrap()
        .to_string()
}

fn resolve(base: &str, location: &str) -> String {
    url::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// The first form's action and its named inputs, from the provider's plain HTML.
fn parse_form(html: &str) -> (String, Vec<(String, String)>) {
    let form_start = html.find("<form").expect("a form on the provider's page");
    let form = &html[form_start..];
    let action = attr(&form[..form.find('>').unwrap()], "action").expect("a form action");
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(at) = rest.find("<input") {
        let tag_end = rest[at..].find('>').unwrap() + at;
        let tag = &rest[at..tag_end];
        if let Some(name) = attr(tag, "name") {
            fields.push((name, attr(tag, "value").unwrap_or_default()));
        }
        rest = &rest[tag_end..];
    }
    (action.replace("&amp;", "&"), fields)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let marker = format!("{name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}
