//! Start-up and serving: everything `convene serve` does, in steps tests can call one by one.

use std::future::Future;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use poem::web::cookie::CookieKey;

use crate::auth::providers::Providers;
use crate::config::{Config, ConfigError};
use crate::state::AppState;
use crate::web::ratelimit::{AddressLimiter, MemberLimiter};
use crate::web::templates::Templates;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the database could not be migrated: {0}")]
    Migration(String),
    #[error("the page templates could not be loaded: {0}")]
    Templates(String),
}

/// Where uploaded files are kept: the folder, or the bucket once it has answered (a wrong
/// bucket, key or address stops the start with a message naming the setting).
async fn open_file_store(
    config: &Config,
) -> Result<Arc<dyn crate::files::store::BlobStore>, StartupError> {
    use crate::config::StorageConfig;
    use crate::files::store::BlobStore;
    match &config.storage {
        StorageConfig::Folder => {
            let store = crate::files::store::LocalStore::open(&config.data_dir.join("files"))
                .map_err(|e| {
                    ConfigError::new(
                        "data_dir",
                        format!(
                            "cannot keep uploaded files in {}: {e}",
                            config.data_dir.display()
                        ),
                    )
                })?;
            Ok(Arc::new(store))
        }
        StorageConfig::S3(s3) => {
            let store = crate::files::s3::S3Store::new(s3)
                .map_err(|e| ConfigError::new("storage.url", e))?;
            if let Err(e) = store.temporaries().await {
                return Err(ConfigError::new(
                    "storage.url",
                    format!("cannot use {}: {e}", store.describe()),
                )
                .into());
            }
            Ok(Arc::new(store))
        }
    }
}

/// Creates the data folder, opens and migrates the database and loads the templates.
pub async fn prepare(config: Config) -> Result<AppState, StartupError> {
    ensure_data_dir(&config.data_dir)?;
    let cookie_key = match &config.secret_key {
        Some(bytes) => CookieKey::derive_from(bytes),
        None => CookieKey::derive_from(&load_or_create_key_file(&config.data_dir)?),
    };
    // Storage before the database: a wrong bucket stops the start before anything migrates.
    let files = open_file_store(&config).await?;
    let mut db = crate::db::connect(&config).await?;
    let statements = crate::db::count_statements(&mut db);
    crate::db::migrate(&db)
        .await
        .map_err(|e| StartupError::Migration(e.to_string()))?;
    let templates = Templates::load().map_err(|e| StartupError::Templates(e.to_string()))?;
    let providers = Providers::new(&config).map_err(|e| ConfigError::new("auth.providers", e))?;
    let sign_in_limiter = AddressLimiter::per_minute(
        config.auth.sign_in_attempts_per_minute,
        config.auth.trust_forwarded_for,
        "There have been too many sign-in attempts from your network. Please wait a minute \
         and try again.",
    );
    let config_posts_per_hour = config.forum_posts_per_hour;
    Ok(AppState {
        db,
        config: Arc::new(config),
        templates: Arc::new(templates),
        cookie_key,
        providers: Arc::new(providers),
        sign_in_limiter: Arc::new(sign_in_limiter),
        forum_posts: Arc::new(MemberLimiter::per_hour(
            config_posts_per_hour,
            "You have posted a lot in the last hour, so the forum is pausing your posts for a while.",
        )),
        statements,
        feeds: Default::default(),
        reads: Default::default(),
        pages: Default::default(),
        clock: Arc::new(crate::clock::SystemClock),
        waiting_for_admins: Arc::new(vec![
            Arc::new(crate::events::queries::ModerationCount),
            Arc::new(crate::forum::reports::ReportCount),
            Arc::new(crate::forum::reports::HeldCount),
        ]),
        event_extensions: Arc::new(vec![
            Arc::new(crate::rsvp::Rsvp),
            Arc::new(crate::meetings::Meetings),
            Arc::new(crate::files::Files),
            Arc::new(crate::forum::discussions::Discussions),
        ]),
        meeting_extensions: Arc::new(vec![
            Arc::new(crate::files::Files),
            Arc::new(crate::forum::discussions::Discussions),
        ]),
        data_request_extensions: Arc::new(vec![Arc::new(crate::forum::discussions::Discussions)]),
        files,
        audiences: Arc::new(vec![Arc::new(crate::rsvp::Rsvp)]),
        digest_sources: Arc::new(vec![Arc::new(crate::events::digest::NewEvents)]),
        metrics: Default::default(),
        report_sources: Arc::new(vec![
            Arc::new(crate::auth::figures::Figures),
            Arc::new(crate::events::figures::Figures),
            Arc::new(crate::rsvp::figures::Figures),
            Arc::new(crate::meetings::figures::Figures),
            Arc::new(crate::data_requests::figures::Figures),
            Arc::new(crate::forum::figures::Figures),
        ]),
    })
}

fn ensure_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |e: std::io::Error| {
        ConfigError::new(
            "data_dir",
            format!("cannot use {} as the data folder: {e}", dir.display()),
        )
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}

/// Without a configured `secret_key`, one is generated on first start and kept in the data
/// folder (readable by the owner only), so flash messages and sessions survive restarts.
/// Several instances behind a load balancer must share one `CONVENE_SECRET_KEY` instead.
fn load_or_create_key_file(dir: &Path) -> Result<Vec<u8>, ConfigError> {
    use base64::Engine;
    use rand::RngCore;
    let engine = base64::engine::general_purpose::STANDARD;
    let path = dir.join("secret.key");
    let fail = |e: String| ConfigError::new("data_dir", format!("{}: {e}", path.display()));
    if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| fail(e.to_string()))?;
        let bytes = engine
            .decode(text.trim())
            .map_err(|_| fail("is not base64 text; delete it to have a new key made".into()))?;
        if bytes.len() < 32 {
            return Err(fail(
                "holds fewer than 32 bytes; delete it to have a new key made".into(),
            ));
        }
        return Ok(bytes);
    }
    let mut bytes = vec![0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    let temp = dir.join(format!(".secret.key.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(engine.encode(&bytes).as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, &path)
    };
    write().map_err(|e| fail(e.to_string()))?;
    Ok(bytes)
}

/// Opens the listening socket, so a taken port is reported before anything else happens.
pub async fn bind(config: &Config) -> Result<TcpAcceptor, ConfigError> {
    TcpListener::bind(config.bind)
        .into_acceptor()
        .await
        .map_err(|e| ConfigError::new("bind", format!("cannot listen on {}: {e}", config.bind)))
}

/// The address actually listened on (useful with port 0).
pub fn local_addr(acceptor: &TcpAcceptor) -> Option<std::net::SocketAddr> {
    acceptor
        .local_addr()
        .into_iter()
        .find_map(|addr| addr.as_socket_addr().copied())
}

/// Serves until `shutdown` completes, then lets requests in flight finish (for up to 10 s).
pub async fn run(
    state: AppState,
    acceptor: TcpAcceptor,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    // Uploads a crash cut off are removed before anyone uploads again.
    crate::files::sweep(&state).await;
    // Notes left with answers are erased a while after their event, hourly.
    crate::rsvp::retention::spawn(state.clone());
    // Reminders the day before, for everyone going.
    crate::rsvp::notices::spawn(state.clone());
    // Actions due in a week, or overdue, for their owners.
    crate::meetings::notices::spawn(state.clone());
    // Changes that concern other features' people (an event's attendees) become messages.
    crate::notify::announce::spawn(state.clone());
    // The daily summary, for those who take mail once a day.
    crate::notify::daily::spawn(state.clone());
    // The weekly digest, for those who ask for it.
    crate::notify::digest::spawn(state.clone());
    // The outbox, sent through SMTP when a server is configured.
    crate::notify::worker::spawn(state.clone());
    // Page views and downloads, written every minute.
    crate::metrics::spawn(state.clone());
    let app = crate::app(state.clone());
    let served = poem::Server::new_with_acceptor(acceptor)
        .run_with_graceful_shutdown(app, shutdown, Some(Duration::from_secs(10)))
        .await;
    // What was counted since the last minute's write.
    if let Err(err) = crate::metrics::flush(&state).await {
        tracing::warn!(error = %err, "could not write the last page counts");
    }
    served
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
