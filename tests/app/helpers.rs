//! The test harness: each test gets its own fresh database and the real app on a random
//! loopback port, and talks HTTP to it.
//!
//! With no settings the database is a SQLite file in a temporary folder. When
//! `CONVENE_TEST_DATABASE_URL` points at a PostgreSQL server, each test gets a database of its
//! own created there instead, so the same tests cover both backends.

use std::sync::atomic::{AtomicU32, Ordering};

use convene::config::Config;
use convene::{AppState, server};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    /// The app's clock: real time, which a test moves forward instead of sleeping.
    pub clock: std::sync::Arc<convene::clock::ShiftedClock>,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    pub state: AppState,
    /// The database URL the app uses, for running the `convene` binary against it.
    pub database_url: String,
    pub dir: TempDir,
    /// Provider id -> the client registered for this app at the test provider.
    pub oidc_clients: Vec<(String, String)>,
    /// The settings the test changed, given to the `convene` binary too.
    settings: Vec<(String, String)>,
    _shutdown: oneshot::Sender<()>,
    /// Dropped last: the database goes once the app has been told to stop.
    _database: TestDatabase,
}

impl TestApp {
    pub fn db(&self) -> &DatabaseConnection {
        &self.state.db
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("request failed")
    }

    /// The CSRF token this client's forms must carry (from the page's meta tag).
    pub async fn csrf_token(&self) -> String {
        let html = self.get("/").await.text().await.unwrap();
        meta_csrf(&html)
    }

    /// Runs the `convene` binary against this test's database and data folder.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        let changed: Vec<(String, &str)> = self
            .settings
            .iter()
            .map(|(key, value)| (convene::config::env_name(key), value.as_str()))
            .collect();
        let mut env = vec![
            ("CONVENE_DATA_DIR", self.dir.path().to_str().unwrap()),
            ("CONVENE_DATABASE_URL", &self.database_url),
        ];
        env.extend(changed.iter().map(|(key, value)| (key.as_str(), *value)));
        convene_command(&env)
            .args(args)
            .output()
            .expect("the convene binary runs")
    }
}

/// Whether the tests that need real peers run: the OpenID Connect provider (Node.js), the
/// third-party calendar parsers (Python and Node.js), the SMTP server and the S3 storage
/// (Python). `scripts/test`, and so CI, always sets
/// `CONVENE_TEST_PEERS=1`; a plain `cargo test` (the quick loop, which needs neither Node nor
/// Python) skips them and says so.
pub fn peers_enabled(test: &str) -> bool {
    use std::io::Write;
    static SAID: std::sync::Once = std::sync::Once::new();
    if std::env::var_os("CONVENE_TEST_PEERS").is_some() {
        return true;
    }
    // Straight to the terminal: the test harness hides what passing tests print.
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping the tests that need Node.js and Python (sign-in through the \
             OpenID Connect provider, the third-party calendar parsers, the SMTP server, \
             the S3 storage), \
             {test} among them; \
             scripts/test runs them (CONVENE_TEST_PEERS=1)"
        );
    });
    false
}

/// Returns from a test that needs the real peers when they are not enabled (see
/// [`peers_enabled`]).
macro_rules! needs_peers {
    () => {
        if !crate::helpers::peers_enabled(module_path!()) {
            return;
        }
    };
}
pub(crate) use needs_peers;

/// Whether this run is the PostgreSQL pass. Tests that touch no database (golden files, the
/// parsers reading fixed feeds) run in the SQLite pass only.
pub fn second_database_pass(test: &str) -> bool {
    if postgres_admin_url().is_some() {
        eprintln!("{test} needs no database: it ran in the SQLite pass");
        return true;
    }
    false
}

pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with some settings changed (keys as in `convene.toml`).
pub async fn spawn_app_with(settings: &[(&str, &str)]) -> TestApp {
    spawn(settings, &[], None).await
}

/// Starts the app with sign-in providers at the test OpenID Connect provider, one client
/// registered for each id in `providers`. `issuer` overrides where the app looks for the
/// provider (to point it at a dead address).
pub async fn spawn(settings: &[(&str, &str)], providers: &[&str], issuer: Option<&str>) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let database_url = database.url.clone();
    let data_dir = dir.path().to_str().unwrap().to_string();
    let mut pairs = vec![
        ("data_dir", data_dir.as_str()),
        ("database_url", database_url.as_str()),
        ("bind", "127.0.0.1:0"),
        ("log", "warn"),
    ];
    pairs.extend_from_slice(settings);
    let mut config = Config::from_pairs(pairs).expect("test settings are valid");

    let acceptor = server::bind(&config).await.expect("a free port");
    let addr = server::local_addr(&acceptor).expect("a socket address");
    let url = format!("http://{addr}");
    if !settings.iter().any(|(k, _)| *k == "base_url") {
        config.base_url = url.parse().unwrap();
    }
    let mut oidc_clients = Vec::new();
    for id in providers {
        let (provider, client_id) =
            crate::oidc::register_provider(&config.base_url, id, issuer).await;
        config.auth.providers.push(provider);
        oidc_clients.push((id.to_string(), client_id));
    }
    let mut state = server::prepare(config).await.expect("the app starts");
    let clock = std::sync::Arc::new(convene::clock::ShiftedClock::default());
    state.clock = clock.clone();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(server::run(state.clone(), acceptor, async {
        let _ = rx.await;
    }));

    TestApp {
        url,
        clock,
        client: browser_client(),
        state,
        database_url,
        dir,
        oidc_clients,
        settings: settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        _shutdown: tx,
        _database: database,
    }
}

/// The PostgreSQL server tests should use, if any.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("CONVENE_TEST_DATABASE_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
}

/// A database nobody else uses: a new SQLite file in the test's folder, or a new PostgreSQL
/// database, which is dropped again with this value (a whole suite run leaves nothing behind
/// on the server, so the suite's disk use stays that of a few databases, not hundreds).
pub struct TestDatabase {
    pub url: String,
    /// The server's admin URL and the database's name, for PostgreSQL.
    postgres: Option<(String, String)>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own
        // with a runtime of its own drops the database, and the test waits for it.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let admin = Database::connect(&admin_url).await?;
                // FORCE ends the app's own pooled connections, still open at this point.
                admin
                    .execute_raw(Statement::from_string(
                        admin.get_database_backend(),
                        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                    ))
                    .await?;
                admin.close().await
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop a test database: {e}"),
            Err(_) => eprintln!("could not drop a test database: the thread panicked"),
        }
    }
}

/// A fresh database for one test, in `dir` when it is SQLite.
pub async fn fresh_database(dir: &TempDir) -> TestDatabase {
    match postgres_admin_url() {
        None => TestDatabase {
            url: format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("convene.db").display()
            ),
            postgres: None,
        },
        Some(admin_url) => {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "convene_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::SeqCst),
                rand_suffix()
            );
            let admin: DatabaseConnection = Database::connect(&admin_url)
                .await
                .expect("CONVENE_TEST_DATABASE_URL is reachable");
            admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("CREATE DATABASE \"{name}\""),
                ))
                .await
                .expect("can create a test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&admin_url).unwrap();
            url.set_path(&format!("/{name}"));
            TestDatabase {
                url: url.to_string(),
                postgres: Some((admin_url, name)),
            }
        }
    }
}

fn rand_suffix() -> u32 {
    use std::hash::{BuildHasher, RandomState};
    (RandomState::new().hash_one(std::time::SystemTime::now()) % 1_000_000) as u32
}

/// The `convene` binary with a clean environment: only what the test sets.
pub fn convene_command(env: &[(&str, &str)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_convene"));
    cmd.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    // Settings files in the working directory must not leak in.
    let empty = std::env::temp_dir();
    cmd.current_dir(empty);
    cmd.env("CONVENE_LOG", "warn");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn meta_csrf(html: &str) -> String {
    let marker = r#"<meta name="csrf-token" content=""#;
    let start = html.find(marker).expect("a csrf-token meta tag") + marker.len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// Attribute values as a browser reads them (templates escape `=` and `&`).
pub fn unescape(html: &str) -> String {
    html.replace("&#x3D;", "=").replace("&amp;", "&")
}

/// A page's text with the entities the templates write turned back into characters.
pub fn unescaped(html: &str) -> String {
    unescape(html)
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// Reads the page at `path`: its status and its text, [`unescaped`].
pub async fn read(browser: &crate::oidc::Browser, app: &TestApp, path: &str) -> (u16, String) {
    let resp = browser.get(&format!("{}{path}", app.url)).await;
    let status = resp.status().as_u16();
    (status, unescaped(&resp.text().await.unwrap()))
}

/// An app with the demo forum loaded and the development sign-in on.
pub async fn demo_app(extra: &[(&str, &str)]) -> TestApp {
    let mut settings = vec![("auth.dev_login", "true")];
    settings.extend_from_slice(extra);
    let app = spawn_app_with(&settings).await;
    let out = app.command(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    app
}

/// A browser signed in as `email` through the development sign-in.
pub async fn signed_in(app: &TestApp, email: &str) -> crate::oidc::Browser {
    let browser = crate::oidc::Browser::new();
    browser.dev_sign_in(app, email).await;
    browser
}

/// The real `convene serve` in its own process, for what only a separate process shows
/// (its memory, its exit on a signal). Killed when dropped.
pub struct ServedBinary {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub child: Option<std::process::Child>,
    pub dir: TempDir,
    /// Dropped after the process is killed.
    _database: TestDatabase,
}

impl ServedBinary {
    /// Starts the binary on a fresh database with these extra settings and waits until it
    /// answers.
    pub async fn start(env: &[(&str, &str)]) -> ServedBinary {
        let dir = tempfile::tempdir().unwrap();
        let database = fresh_database(&dir).await;
        let database_url = database.url.clone();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        let bind = format!("127.0.0.1:{port}");
        let mut all = vec![
            ("CONVENE_DATA_DIR", dir.path().to_str().unwrap()),
            ("CONVENE_DATABASE_URL", database_url.as_str()),
            ("CONVENE_BIND", bind.as_str()),
        ];
        all.extend_from_slice(env);
        let child = convene_command(&all)
            .arg("serve")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let url = format!("http://{bind}");
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            match client.get(format!("{url}/healthz")).send().await {
                Ok(resp) if resp.status().is_success() => break,
                _ if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await
                }
                other => panic!("the server never answered: {other:?}"),
            }
        }
        ServedBinary {
            url,
            child: Some(child),
            dir,
            _database: database,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .map(std::process::Child::id)
            .unwrap_or(0)
    }

    /// A line of /proc/PID/status in kilobytes, such as `VmHWM` (the peak resident memory).
    pub fn memory_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Takes the process, to signal it and wait for it.
    pub fn take(&mut self) -> std::process::Child {
        self.child.take().expect("the server process")
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The hidden fields (other than the CSRF token) of the form on `page` that posts to
/// `action`, as a browser would send them.
pub fn hidden_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let marker = format!("action=\"{action}\"");
    let Some(at) = page.find(&marker) else {
        panic!("no form posting to {action}");
    };
    let form = &page[at..at + page[at..].find("</form>").unwrap_or(page.len() - at)];
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(start) = rest.find("<input type=\"hidden\"") {
        let end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..end];
        let attr = |name: &str| {
            let m = format!("{name}=\"");
            tag.find(&m).map(|i| {
                let from = i + m.len();
                unescape(&tag[from..from + tag[from..].find('"').unwrap()])
            })
        };
        if let (Some(name), Some(value)) = (attr("name"), attr("value"))
            && name != "csrf_token"
        {
            fields.push((name, value));
        }
        rest = &rest[end..];
    }
    fields
}

/// An admin approves a submitted event from the moderation queue, as they would by pressing
/// its button: the form carries what the queue showed them.
pub async fn approve(
    app: &TestApp,
    admin: &crate::oidc::Browser,
    event_id: i64,
) -> reqwest::Response {
    let queue = admin
        .get(&format!("{}/admin/moderation", app.url))
        .await
        .text()
        .await
        .unwrap();
    let action = format!("/admin/moderation/events/{event_id}/approve");
    let fields = hidden_fields(&queue, &action);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    admin.post(app, &action, &pairs).await
}

/// Posts the edit form as a browser would, with the version of the event its page carried.
pub async fn edit_event(
    app: &TestApp,
    browser: &crate::oidc::Browser,
    slug: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let action = format!("/events/{slug}/edit");
    let page = browser
        .get(&format!("{}{action}", app.url))
        .await
        .text()
        .await
        .unwrap();
    let hidden = hidden_fields(&page, &action);
    let mut fields = form.to_vec();
    fields.extend(hidden.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    browser.post(app, &action, &fields).await
}

/// The planned starts of the dates a series page offers to cancel, in order, from its
/// "Cancel this date" links (`…/occurrences/cancel?start=…`).
pub fn date_starts(page: &str) -> Vec<String> {
    let page = unescape(page);
    let marker = "/occurrences/cancel?start=";
    page.match_indices(marker)
        .map(|(at, _)| {
            let from = at + marker.len();
            page[from..from + page[from..].find('"').unwrap()].to_string()
        })
        .collect()
}
