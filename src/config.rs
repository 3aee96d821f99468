//! Settings, read from an optional `convene.toml` and then `CONVENE_*` environment variables,
//! validated once at start-up into typed values so the rest of the code never re-checks them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use url::Url;

/// A setting that cannot be used, named the way the operator wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    /// The environment variable (and so the `convene.toml` key, lower-cased without the
    /// prefix) that needs fixing.
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(key: &str, message: impl Into<String>) -> Self {
        Self {
            setting: env_name(key),
            message: message.into(),
        }
    }
}

/// `database_url` -> `CONVENE_DATABASE_URL`, `auth.dev_login` -> `CONVENE_AUTH__DEV_LOGIN`.
pub fn env_name(key: &str) -> String {
    format!("CONVENE_{}", key.replace('.', "__").to_uppercase())
}

/// The settings as written, before validation. Field names are the `convene.toml` keys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub site_name: String,
    pub site_tagline: String,
    pub base_url: Option<String>,
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub db_max_connections: u32,
    pub time_zone: String,
    pub max_upload_mb: u64,
    pub secret_key: Option<String>,
    pub log: String,
    pub calendar_past_months: u32,
    pub calendar_cancelled_days: u32,
    pub calendar_refresh_minutes: u32,
    pub rsvp_notes_days: u32,
    pub forum_posts_per_hour: u32,
    pub forum_hold_first_posts: u32,
    pub data_licence: String,
    pub data_licence_url: String,
    pub auth: RawAuth,
    pub smtp: RawSmtp,
    pub storage: RawStorage,
}

/// The `[storage]` section as written: where uploaded files are kept.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStorage {
    /// `s3://BUCKET` or `s3://BUCKET/PREFIX`; none keeps files in `DATA_DIR/files`.
    pub url: Option<String>,
    /// An S3-compatible service's address (SeaweedFS, MinIO, Garage, a cloud's own); none
    /// means Amazon S3.
    pub endpoint: Option<String>,
    /// The bucket's region; `us-east-1` unless given.
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// The environment variable holding the secret key, instead of `secret_access_key`.
    pub secret_access_key_env: Option<String>,
}

impl std::fmt::Debug for RawStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawStorage")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Where uploaded files are kept.
#[derive(Clone)]
pub enum StorageConfig {
    /// `DATA_DIR/files`.
    Folder,
    /// A bucket of Amazon S3 or an S3-compatible service.
    S3(Box<S3Config>),
}

#[derive(Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Keys start with this (no leading or trailing slash); empty for the bucket's root.
    pub prefix: String,
    pub endpoint: Option<Url>,
    pub region: String,
    /// Access key id and secret; none takes them from the usual `AWS_*` variables.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageConfig::Folder => f.write_str("Folder"),
            StorageConfig::S3(s3) => f
                .debug_struct("S3")
                .field("bucket", &s3.bucket)
                .field("prefix", &s3.prefix)
                .field("endpoint", &s3.endpoint.as_ref().map(Url::as_str))
                .field("region", &s3.region)
                .finish_non_exhaustive(),
        }
    }
}

/// Amazon S3 copies an object in one request only up to 5 GiB, and a finished upload is
/// copied to its content's name.
pub const S3_MAX_UPLOAD_MB: u64 = 5 * 1024;

impl RawStorage {
    fn validate(self, max_upload_mb: u64) -> Result<StorageConfig, ConfigError> {
        let Some(raw_url) = self
            .url
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
        else {
            if self.endpoint.is_some() || self.access_key_id.is_some() {
                return Err(ConfigError::new(
                    "storage.url",
                    "S3 settings are given but no bucket: set storage.url to s3://BUCKET",
                ));
            }
            return Ok(StorageConfig::Folder);
        };
        let url = Url::parse(&raw_url)
            .ok()
            .filter(|u| u.scheme() == "s3" && u.host_str().is_some_and(|h| !h.is_empty()))
            .ok_or_else(|| {
                ConfigError::new(
                    "storage.url",
                    format!("{raw_url:?} is not an address such as s3://forum-files or s3://forum-files/convene"),
                )
            })?;
        let bucket = url.host_str().unwrap_or_default().to_string();
        let prefix = percent_encoding::percent_decode_str(url.path().trim_matches('/'))
            .decode_utf8()
            .map_err(|_| ConfigError::new("storage.url", "the prefix is not UTF-8"))?
            .into_owned();
        let endpoint = match self
            .endpoint
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
        {
            None => None,
            Some(e) => Some(
                Url::parse(&e)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
                    // Credentials go in their own settings, never into logs with the address.
                    .filter(|u| u.username().is_empty() && u.password().is_none())
                    .ok_or_else(|| {
                        ConfigError::new(
                            "storage.endpoint",
                            format!(
                                "{} is not an address such as https://s3.example.org (keys go \
                                 in storage.access_key_id and storage.secret_access_key)",
                                redact_url(&e)
                            ),
                        )
                    })?,
            ),
        };
        let secret = match (self.secret_access_key, &self.secret_access_key_env) {
            (Some(s), _) => Some(s),
            (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                ConfigError::new(
                    "storage.secret_access_key_env",
                    format!("the environment variable {var} is not set"),
                )
            })?),
            (None, None) => None,
        };
        let credentials = match (self.access_key_id, secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "storage.access_key_id",
                    "give both an access key id and a secret (or secret_access_key_env), or neither",
                ));
            }
        };
        if max_upload_mb > S3_MAX_UPLOAD_MB {
            return Err(ConfigError::new(
                "max_upload_mb",
                format!("with S3 storage, files can be at most {S3_MAX_UPLOAD_MB} MB"),
            ));
        }
        Ok(StorageConfig::S3(Box::new(S3Config {
            bucket,
            prefix,
            endpoint,
            region: self
                .region
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| "us-east-1".into()),
            credentials,
        })))
    }
}

/// The `[smtp]` section as written.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSmtp {
    /// The mail server; none keeps mail in the outbox.
    pub host: Option<String>,
    /// 587 for STARTTLS, 465 for TLS, 25 for none, unless given.
    pub port: Option<u16>,
    /// starttls | tls | none
    pub security: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The environment variable holding the password, instead of `password`.
    pub password_env: Option<String>,
    /// The sender, `Name <address>`; by default the site's name at `noreply@` its host.
    pub from: Option<String>,
    pub timeout_secs: u64,
}

impl Default for RawSmtp {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            security: "starttls".into(),
            username: None,
            password: None,
            password_env: None,
            from: None,
            timeout_secs: 15,
        }
    }
}

impl std::fmt::Debug for RawSmtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSmtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[hidden]"))
            .finish_non_exhaustive()
    }
}

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain, then upgraded with STARTTLS (refused if the server cannot).
    StartTls,
    /// TLS from the first byte.
    Tls,
    /// None at all: only for a server on this machine or a test server.
    None,
}

/// Where and how mail is sent.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<(String, String)>,
    /// `Name <address>`, checked.
    pub from: String,
    pub timeout: std::time::Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl RawSmtp {
    fn validate(self, site_name: &str, base_url: &Url) -> Result<Option<SmtpConfig>, ConfigError> {
        let Some(host) = self
            .host
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let security = match self.security.to_ascii_lowercase().as_str() {
            "starttls" => SmtpSecurity::StartTls,
            "tls" => SmtpSecurity::Tls,
            "none" => SmtpSecurity::None,
            other => {
                return Err(ConfigError::new(
                    "smtp.security",
                    format!("{other:?} is not one of starttls, tls, none"),
                ));
            }
        };
        let port = self.port.unwrap_or(match security {
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        });
        let password = match (self.password, &self.password_env) {
            (Some(p), _) => Some(p),
            (None, Some(var)) => Some(std::env::var(var).map_err(|_| {
                ConfigError::new(
                    "smtp.password_env",
                    format!("the environment variable {var} is not set"),
                )
            })?),
            (None, None) => None,
        };
        let credentials = match (self.username, password) {
            (Some(user), Some(password)) => Some((user, password)),
            (None, None) => None,
            _ => {
                return Err(ConfigError::new(
                    "smtp.username",
                    "give both a username and a password (or password_env), or neither",
                ));
            }
        };
        let from = match self.from {
            Some(from) => from,
            None => format!(
                "{} <noreply@{}>",
                site_name.replace(['<', '>', '"', ','], " ").trim(),
                base_url.host_str().unwrap_or("localhost")
            ),
        };
        if from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new(
                "smtp.from",
                format!(
                    "{from:?} is not an address such as \"Open Data Forum <forum@example.org>\""
                ),
            ));
        }
        if !(1..=300).contains(&self.timeout_secs) {
            return Err(ConfigError::new(
                "smtp.timeout_secs",
                "must be between 1 and 300 seconds",
            ));
        }
        Ok(Some(SmtpConfig {
            host,
            port,
            security,
            credentials,
            from,
            timeout: std::time::Duration::from_secs(self.timeout_secs),
        }))
    }
}

/// The `[auth]` section as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAuth {
    pub dev_login: bool,
    pub session_days: u32,
    pub sign_in_attempts_per_minute: u32,
    pub provider_timeout_secs: u64,
    pub trust_forwarded_for: bool,
    pub providers: Vec<RawProvider>,
}

impl Default for RawAuth {
    fn default() -> Self {
        Self {
            dev_login: false,
            session_days: 30,
            sign_in_attempts_per_minute: 20,
            provider_timeout_secs: 10,
            trust_forwarded_for: false,
            providers: Vec::new(),
        }
    }
}

/// One `[[auth.providers]]` entry as written.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawProvider {
    pub id: String,
    pub label: Option<String>,
    pub kind: String,
    pub issuer: Option<String>,
    pub tenant: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub client_secret_env: Option<String>,
}

impl std::fmt::Debug for RawProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawProvider")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl Default for RawConfig {
    fn default() -> Self {
        Self {
            site_name: "Open Data Forum".into(),
            site_tagline: "A community of public bodies, charities, universities and citizens \
                           working to open up and use public data in our region."
                .into(),
            base_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            db_max_connections: 10,
            time_zone: "Europe/London".into(),
            max_upload_mb: 50,
            secret_key: None,
            log: "info".into(),
            calendar_past_months: 12,
            calendar_cancelled_days: 90,
            rsvp_notes_days: 30,
            forum_posts_per_hour: 30,
            forum_hold_first_posts: 0,
            data_licence: OGL_NAME.into(),
            data_licence_url: OGL_URL.into(),
            smtp: RawSmtp::default(),
            storage: RawStorage::default(),
            calendar_refresh_minutes: 60,
            auth: RawAuth::default(),
        }
    }
}

/// Top-level keys; environment variables outside this list (`CONVENE_CONFIG`, the test
/// harness's own variables) are not settings and are left alone.
const KEYS: &[&str] = &[
    "site_name",
    "site_tagline",
    "base_url",
    "bind",
    "data_dir",
    "database_url",
    "db_max_connections",
    "time_zone",
    "max_upload_mb",
    "secret_key",
    "log",
    "calendar_past_months",
    "calendar_cancelled_days",
    "calendar_refresh_minutes",
    "rsvp_notes_days",
    "forum_posts_per_hour",
    "forum_hold_first_posts",
    "data_licence",
    "data_licence_url",
    "auth",
    "smtp",
    "storage",
];

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub site_name: String,
    pub site_tagline: String,
    /// Absolute, without a trailing slash.
    pub base_url: Url,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    pub db_max_connections: u32,
    pub time_zone: chrono_tz::Tz,
    pub max_upload_bytes: u64,
    /// Base64 text of at least 32 random bytes; `None` means "use the key file in data_dir".
    pub secret_key: Option<Vec<u8>>,
    pub log: String,
    /// How long finished events stay in calendar feeds.
    pub calendar_past: chrono::Duration,
    /// How long cancelled events stay in feeds (as cancelled) so calendars remove them.
    pub calendar_cancelled: chrono::Duration,
    /// REFRESH-INTERVAL / X-PUBLISHED-TTL suggested to calendar apps.
    pub calendar_refresh_minutes: u32,
    /// How long after an event the dietary and access notes of its answers are kept.
    pub rsvp_notes: chrono::Duration,
    /// How many threads and replies one member may post in an hour (a flood stops there).
    pub forum_posts_per_hour: u32,
    /// A member's first this many forum posts wait for an admin's approval (0: none do).
    pub forum_hold_first_posts: u32,
    /// The licence the site's own data is published under (pages, API, catalogue).
    pub data_licence: Licence,
    pub auth: AuthConfig,
    /// Where mail goes out; none keeps it in the outbox for admins to read.
    pub smtp: Option<SmtpConfig>,
    /// Where uploaded files are kept.
    pub storage: StorageConfig,
}

/// A licence: its name and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Licence {
    pub name: String,
    pub url: Url,
}

/// The default licence of the site's data.
pub const OGL_NAME: &str = "Open Government Licence v3.0";
pub const OGL_URL: &str =
    "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/";

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The development sign-in (`/auth/dev`): pick any account without a provider.
    pub dev_login: bool,
    pub session_days: u32,
    pub sign_in_attempts_per_minute: u32,
    /// How long to wait for an identity provider before telling the person it is down.
    pub provider_timeout: std::time::Duration,
    /// Take the client address for rate limits from the last `X-Forwarded-For` entry (set
    /// this only behind a reverse proxy that writes that header).
    pub trust_forwarded_for: bool,
    pub providers: Vec<ProviderConfig>,
}

#[derive(Clone)]
pub struct ProviderConfig {
    /// Used in `/auth/{id}/start` and `/auth/{id}/callback`.
    pub id: String,
    /// The button text: "Sign in with {label}".
    pub label: String,
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderKind {
    /// Any OpenID Connect provider, found through its issuer's discovery document.
    Oidc {
        issuer: Url,
    },
    Google,
    /// Entra ID: `common`, `organizations`, `consumers` or one tenant's id or domain.
    Microsoft {
        tenant: String,
    },
    /// Plain OAuth2 plus the user and verified-emails API.
    GitHub,
}

/// The database URL, known to be one of the two supported backends.
#[derive(Clone)]
pub struct DatabaseUrl {
    pub url: String,
    pub backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl DatabaseUrl {
    /// The URL with any password replaced, for messages and logs.
    pub fn redacted(&self) -> String {
        redact_url(&self.url)
    }

    /// For SQLite: the database file, if the URL names one.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let rest = self.url.strip_prefix("sqlite:")?;
        let rest = rest.strip_prefix("//").unwrap_or(rest);
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("****"));
            }
            url.to_string()
        }
        // Unparseable: hide everything that could be credentials.
        Err(_) => match (raw.find("://"), raw.rfind('@')) {
            (Some(start), Some(at)) if at > start => {
                format!("{}://****@{}", &raw[..start], &raw[at + 1..])
            }
            _ => raw.to_string(),
        },
    }
}

impl Config {
    /// Reads `CONVENE_CONFIG` (default `./convene.toml`, optional) and the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("CONVENE_CONFIG").map(PathBuf::from);
        let explicit = file.is_some();
        let file = file.unwrap_or_else(|| PathBuf::from("convene.toml"));
        if explicit && !file.exists() {
            return Err(ConfigError {
                setting: "CONVENE_CONFIG".into(),
                message: format!("the file {} does not exist", file.display()),
            });
        }
        let figment = Figment::from(Serialized::defaults(RawConfig::default()))
            .merge(Toml::file(&file))
            .merge(Env::prefixed("CONVENE_").split("__").filter(|key| {
                let top = key.as_str().split('.').next().unwrap_or_default();
                KEYS.iter().any(|k| k.eq_ignore_ascii_case(top))
            }));
        Self::from_figment(figment)
    }

    /// Settings from explicit pairs over the defaults, ignoring the environment: what tests
    /// and tools use to run an app with known settings.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        for (key, value) in pairs {
            // Read values the way environment variables are read ("true", "30", "x").
            let value: figment::value::Value = value
                .parse()
                .unwrap_or_else(|_| figment::value::Value::from(value.to_string()));
            figment = figment.merge((key, value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let raw: RawConfig = figment.extract().map_err(figment_error)?;
        raw.validate()
    }

    /// Whether the server listens only on this machine.
    pub fn is_loopback(&self) -> bool {
        self.bind.ip().is_loopback()
    }

    /// An absolute URL for a path on this site.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.as_str().trim_end_matches('/'), path)
    }

    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

fn figment_error(err: figment::Error) -> ConfigError {
    let Some(err) = err.into_iter().next() else {
        return ConfigError::new("config", "the settings could not be read");
    };
    let key = err.path.join(".");
    let message = match &err.kind {
        figment::error::Kind::UnknownField(field, _) => {
            return ConfigError {
                setting: field.clone(),
                message: format!(
                    "not a Convene setting (known settings: {})",
                    KEYS.join(", ")
                ),
            };
        }
        kind => kind.to_string(),
    };
    ConfigError::new(if key.is_empty() { "config" } else { &key }, message)
}

impl RawConfig {
    pub fn validate(self) -> Result<Config, ConfigError> {
        let site_name = self.site_name.trim().to_string();
        if site_name.is_empty() || site_name.chars().count() > 120 {
            return Err(ConfigError::new(
                "site_name",
                "must be between 1 and 120 characters",
            ));
        }

        let bind: SocketAddr = self.bind.trim().parse().map_err(|_| {
            ConfigError::new(
                "bind",
                format!(
                    "{:?} is not an address and port such as 127.0.0.1:8080",
                    self.bind
                ),
            )
        })?;

        let base_url = match &self.base_url {
            Some(raw) => parse_base_url(raw)?,
            None => {
                let host = if bind.ip().is_unspecified() {
                    "127.0.0.1".to_string()
                } else {
                    bind.ip().to_string()
                };
                let host = if bind.is_ipv6() && !bind.ip().is_unspecified() {
                    format!("[{host}]")
                } else {
                    host
                };
                parse_base_url(&format!("http://{host}:{}", bind.port()))?
            }
        };

        let time_zone: chrono_tz::Tz = self.time_zone.trim().parse().map_err(|_| {
            ConfigError::new(
                "time_zone",
                format!(
                    "{:?} is not a time zone from the tz database, such as Europe/London",
                    self.time_zone
                ),
            )
        })?;

        if self.max_upload_mb == 0 || self.max_upload_mb > 10_240 {
            return Err(ConfigError::new(
                "max_upload_mb",
                "must be a whole number of megabytes between 1 and 10240",
            ));
        }
        if self.db_max_connections == 0 || self.db_max_connections > 1000 {
            return Err(ConfigError::new(
                "db_max_connections",
                "must be between 1 and 1000",
            ));
        }

        let database = parse_database_url(
            self.database_url
                .clone()
                .unwrap_or_else(|| default_sqlite_url(&self.data_dir)),
        )?;

        let secret_key = match &self.secret_key {
            Some(text) => Some(decode_secret(text).map_err(|m| ConfigError::new("secret_key", m))?),
            None => None,
        };

        tracing_subscriber::EnvFilter::try_new(&self.log).map_err(|e| {
            ConfigError::new("log", format!("{:?} is not a log filter: {e}", self.log))
        })?;

        if self.calendar_past_months > 120 {
            return Err(ConfigError::new(
                "calendar_past_months",
                "must be between 0 and 120",
            ));
        }
        if self.calendar_cancelled_days > 3650 {
            return Err(ConfigError::new(
                "calendar_cancelled_days",
                "must be between 0 and 3650",
            ));
        }
        if !(5..=10_080).contains(&self.calendar_refresh_minutes) {
            return Err(ConfigError::new(
                "calendar_refresh_minutes",
                "must be between 5 and 10080 (a week)",
            ));
        }
        if self.rsvp_notes_days > 3650 {
            return Err(ConfigError::new(
                "rsvp_notes_days",
                "must be between 0 and 3650",
            ));
        }
        if !(1..=10_000).contains(&self.forum_posts_per_hour) {
            return Err(ConfigError::new(
                "forum_posts_per_hour",
                "must be between 1 and 10000",
            ));
        }
        if self.forum_hold_first_posts > 100 {
            return Err(ConfigError::new(
                "forum_hold_first_posts",
                "must be between 0 (no post waits) and 100",
            ));
        }
        let smtp = self.smtp.validate(&site_name, &base_url)?;
        let storage = self.storage.validate(self.max_upload_mb)?;
        let auth = self.auth.validate()?;
        if auth.dev_login && !bind.ip().is_loopback() {
            return Err(ConfigError::new(
                "auth.dev_login",
                format!(
                    "the development sign-in lets anyone sign in as anyone, so it only runs on a \
                     loopback address, and CONVENE_BIND is {bind}"
                ),
            ));
        }

        let licence_name = self.data_licence.trim();
        if licence_name.is_empty()
            || licence_name.chars().count() > 200
            || licence_name.chars().any(char::is_control)
        {
            return Err(ConfigError::new(
                "data_licence",
                "give the licence's name on one line, at most 200 characters, such as \
                 \"Creative Commons Attribution 4.0\"",
            ));
        }
        let licence_url = Url::parse(self.data_licence_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ConfigError::new(
                    "data_licence_url",
                    format!(
                        "{:?} is not a web address; give the licence's page, such as {OGL_URL}",
                        self.data_licence_url
                    ),
                )
            })?;
        let data_licence = Licence {
            name: licence_name.to_string(),
            url: licence_url,
        };

        Ok(Config {
            site_name,
            site_tagline: self.site_tagline.trim().to_string(),
            base_url,
            bind,
            data_dir: self.data_dir,
            database,
            db_max_connections: self.db_max_connections,
            time_zone,
            max_upload_bytes: self.max_upload_mb * 1024 * 1024,
            secret_key,
            log: self.log,
            calendar_past: chrono::Duration::days(i64::from(self.calendar_past_months) * 365 / 12),
            calendar_cancelled: chrono::Duration::days(i64::from(self.calendar_cancelled_days)),
            calendar_refresh_minutes: self.calendar_refresh_minutes,
            rsvp_notes: chrono::Duration::days(i64::from(self.rsvp_notes_days)),
            forum_posts_per_hour: self.forum_posts_per_hour,
            forum_hold_first_posts: self.forum_hold_first_posts,
            data_licence,
            auth,
            smtp,
            storage,
        })
    }
}

impl RawAuth {
    fn validate(self) -> Result<AuthConfig, ConfigError> {
        if !(1..=365).contains(&self.session_days) {
            return Err(ConfigError::new(
                "auth.session_days",
                "must be between 1 and 365",
            ));
        }
        if self.sign_in_attempts_per_minute == 0 {
            return Err(ConfigError::new(
                "auth.sign_in_attempts_per_minute",
                "must be at least 1",
            ));
        }
        if !(1..=120).contains(&self.provider_timeout_secs) {
            return Err(ConfigError::new(
                "auth.provider_timeout_secs",
                "must be between 1 and 120 seconds",
            ));
        }
        let mut providers: Vec<ProviderConfig> = Vec::new();
        for raw in self.providers {
            let provider = raw.validate()?;
            if providers.iter().any(|p| p.id == provider.id) {
                return Err(ConfigError::new(
                    "auth.providers",
                    format!("two providers have the id {:?}", provider.id),
                ));
            }
            providers.push(provider);
        }
        Ok(AuthConfig {
            dev_login: self.dev_login,
            session_days: self.session_days,
            sign_in_attempts_per_minute: self.sign_in_attempts_per_minute,
            provider_timeout: std::time::Duration::from_secs(self.provider_timeout_secs),
            trust_forwarded_for: self.trust_forwarded_for,
            providers,
        })
    }
}

impl RawProvider {
    fn validate(self) -> Result<ProviderConfig, ConfigError> {
        let bad = |message: String| ConfigError::new("auth.providers", message);
        let id = self.id.trim().to_string();
        if id.is_empty()
            || id.len() > 32
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad(format!(
                "provider id {id:?} must be 1 to 32 lower-case letters, digits or dashes"
            )));
        }
        let kind = match self.kind.trim() {
            "oidc" => {
                let issuer = self
                    .issuer
                    .as_deref()
                    .ok_or_else(|| bad(format!("provider {id:?} (oidc) needs an issuer URL")))?;
                let url = Url::parse(issuer.trim())
                    .map_err(|_| bad(format!("provider {id:?}: issuer {issuer:?} is not a URL")))?;
                let loopback = matches!(
                    url.host(),
                    Some(url::Host::Ipv4(ip)) if ip.is_loopback()
                ) || url.host_str() == Some("localhost");
                if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
                    return Err(bad(format!(
                        "provider {id:?}: the issuer must be an https:// URL"
                    )));
                }
                ProviderKind::Oidc { issuer: url }
            }
            "google" => ProviderKind::Google,
            "microsoft" => {
                let tenant = self
                    .tenant
                    .clone()
                    .unwrap_or_else(|| "common".into())
                    .trim()
                    .to_string();
                if tenant.is_empty()
                    || !tenant
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                {
                    return Err(bad(format!(
                        "provider {id:?}: tenant {tenant:?} is not a tenant id or domain"
                    )));
                }
                ProviderKind::Microsoft { tenant }
            }
            "github" => ProviderKind::GitHub,
            other => {
                return Err(bad(format!(
                    "provider {id:?}: kind {other:?} is not one of oidc, google, microsoft, github"
                )));
            }
        };
        let label = self.label.clone().unwrap_or_else(|| {
            match &kind {
                ProviderKind::Google => "Google",
                ProviderKind::Microsoft { .. } => "Microsoft",
                ProviderKind::GitHub => "GitHub",
                ProviderKind::Oidc { .. } => "your organisation",
            }
            .to_string()
        });
        if self.client_id.trim().is_empty() {
            return Err(bad(format!("provider {id:?} needs a client_id")));
        }
        let client_secret = match (&self.client_secret, &self.client_secret_env) {
            (Some(secret), _) if !secret.is_empty() => secret.clone(),
            (_, Some(var)) => std::env::var(var).map_err(|_| {
                bad(format!(
                    "provider {id:?}: the environment variable {var} named by client_secret_env is not set"
                ))
            })?,
            _ => {
                return Err(bad(format!(
                    "provider {id:?} needs a client_secret or client_secret_env"
                )));
            }
        };
        Ok(ProviderConfig {
            id,
            label,
            kind,
            client_id: self.client_id.trim().to_string(),
            client_secret,
        })
    }
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("convene.db").display()
    )
}

fn parse_base_url(raw: &str) -> Result<Url, ConfigError> {
    let bad = |why: &str| {
        ConfigError::new(
            "base_url",
            format!("{raw:?} {why}; use an absolute URL such as https://forum.example.org"),
        )
    };
    let url = Url::parse(raw.trim()).map_err(|_| bad("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("has no host name"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(bad("must not carry a query, fragment or user name"));
    }
    Ok(url)
}

fn parse_database_url(url: String) -> Result<DatabaseUrl, ConfigError> {
    let backend = if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        if Url::parse(&url).is_err() {
            return Err(ConfigError::new(
                "database_url",
                format!(
                    "{:?} is not a valid PostgreSQL URL such as postgres://convene@localhost/convene",
                    redact_url(&url)
                ),
            ));
        }
        Backend::Postgres
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        return Err(ConfigError::new(
            "database_url",
            format!(
                "unsupported database {scheme:?}: use sqlite://PATH for an embedded database or \
                 postgres://USER@HOST/DATABASE"
            ),
        ));
    };
    Ok(DatabaseUrl { url, backend })
}

fn decode_secret(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim()))
        .map_err(|_| "must be base64 text (for example from `openssl rand -base64 48`)")?;
    if bytes.len() < 32 {
        return Err(format!(
            "must hold at least 32 random bytes, this holds {}",
            bytes.len()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_a_local_sqlite_site() {
        let config = Config::from_pairs([]).unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(config.database.backend, Backend::Sqlite);
        assert_eq!(
            config.database.sqlite_path(),
            Some(PathBuf::from("./data/convene.db"))
        );
        assert_eq!(config.time_zone, chrono_tz::Europe::London);
        assert_eq!(config.max_upload_bytes, 50 * 1024 * 1024);
        assert_eq!(config.data_licence.name, "Open Government Licence v3.0");
        assert_eq!(config.data_licence.url.as_str(), OGL_URL);
    }

    #[test]
    fn each_bad_setting_is_named() {
        for (key, value, env) in [
            ("bind", "localhost", "CONVENE_BIND"),
            ("base_url", "ftp://example.org", "CONVENE_BASE_URL"),
            ("base_url", "forum.example.org", "CONVENE_BASE_URL"),
            ("time_zone", "Mars/Olympus_Mons", "CONVENE_TIME_ZONE"),
            ("max_upload_mb", "0", "CONVENE_MAX_UPLOAD_MB"),
            ("max_upload_mb", "lots", "CONVENE_MAX_UPLOAD_MB"),
            ("database_url", "mysql://db/convene", "CONVENE_DATABASE_URL"),
            ("secret_key", "c2hvcnQ=", "CONVENE_SECRET_KEY"),
            ("log", "info,[", "CONVENE_LOG"),
            ("auth.session_days", "0", "CONVENE_AUTH__SESSION_DAYS"),
            ("data_licence", " ", "CONVENE_DATA_LICENCE"),
            (
                "data_licence_url",
                "licence.html",
                "CONVENE_DATA_LICENCE_URL",
            ),
            (
                "data_licence_url",
                "javascript:alert(1)",
                "CONVENE_DATA_LICENCE_URL",
            ),
        ] {
            let err = Config::from_pairs([(key, value)]).unwrap_err();
            assert_eq!(err.setting, env, "{key}={value}: {err}");
        }
    }

    #[test]
    fn development_sign_in_only_on_loopback() {
        let ok = Config::from_pairs([("auth.dev_login", "true")]).unwrap();
        assert!(ok.auth.dev_login);
        let err =
            Config::from_pairs([("auth.dev_login", "true"), ("bind", "0.0.0.0:8080")]).unwrap_err();
        assert_eq!(err.setting, "CONVENE_AUTH__DEV_LOGIN");
        assert!(err.message.contains("loopback"), "{err}");
    }

    #[test]
    fn providers_are_checked() {
        let provider = |kind: &str, issuer: Option<&str>| RawProvider {
            id: "council".into(),
            kind: kind.into(),
            issuer: issuer.map(str::to_string),
            client_id: "convene".into(),
            client_secret: Some("s3cret".into()),
            ..Default::default()
        };
        let ok = provider("oidc", Some("https://login.northvale.example/realms/staff"))
            .validate()
            .unwrap();
        assert_eq!(ok.label, "your organisation");
        assert!(
            !format!("{ok:?}").contains("s3cret"),
            "secrets stay out of logs"
        );
        assert!(provider("oidc", None).validate().is_err());
        assert!(
            provider("oidc", Some("http://login.example/"))
                .validate()
                .is_err()
        );
        assert!(
            provider("oidc", Some("http://127.0.0.1:9000"))
                .validate()
                .is_ok()
        );
        assert!(provider("saml", None).validate().is_err());
        assert_eq!(
            provider("microsoft", None).validate().unwrap().kind,
            ProviderKind::Microsoft {
                tenant: "common".into()
            }
        );
    }

    #[test]
    fn passwords_never_appear_in_messages() {
        let err = parse_database_url("postgres://convene:hunter2@[bad/convene".into()).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let url =
            parse_database_url("postgres://convene:hunter2@db.internal/convene".into()).unwrap();
        assert!(!url.redacted().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn storage_is_the_folder_or_a_checked_bucket() {
        let folder = Config::from_pairs([]).unwrap();
        assert!(matches!(folder.storage, StorageConfig::Folder));

        let config = Config::from_pairs([
            ("storage.url", "s3://forum-files/convene/uploads/"),
            ("storage.endpoint", "http://127.0.0.1:8333"),
            ("storage.access_key_id", "forum"),
            ("storage.secret_access_key", "hunter2"),
        ])
        .unwrap();
        let StorageConfig::S3(s3) = &config.storage else {
            panic!("a bucket: {:?}", config.storage);
        };
        assert_eq!(s3.bucket, "forum-files");
        assert_eq!(s3.prefix, "convene/uploads");
        let spaced = Config::from_pairs([("storage.url", "s3://forum-files/open%20data")]).unwrap();
        let StorageConfig::S3(spaced) = &spaced.storage else {
            panic!("a bucket");
        };
        assert_eq!(spaced.prefix, "open data", "the prefix is decoded");
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(
            s3.credentials,
            Some(("forum".to_string(), "hunter2".to_string()))
        );
        assert!(
            !format!("{config:?}").contains("hunter2"),
            "secrets stay out of logs"
        );

        for (pairs, setting, words) in [
            (
                vec![("storage.url", "https://forum-files")],
                "CONVENE_STORAGE__URL",
                "is not an address",
            ),
            (
                vec![("storage.endpoint", "http://127.0.0.1:8333")],
                "CONVENE_STORAGE__URL",
                "no bucket",
            ),
            (
                vec![
                    ("storage.url", "s3://f"),
                    ("storage.endpoint", "s3.example.org"),
                ],
                "CONVENE_STORAGE__ENDPOINT",
                "is not an address",
            ),
            (
                vec![
                    ("storage.url", "s3://f"),
                    ("storage.endpoint", "https://forum:hunter2@s3.example.org"),
                ],
                "CONVENE_STORAGE__ENDPOINT",
                "keys go in storage.access_key_id",
            ),
            (
                vec![
                    ("storage.url", "s3://f"),
                    ("storage.access_key_id", "forum"),
                ],
                "CONVENE_STORAGE__ACCESS_KEY_ID",
                "or neither",
            ),
            (
                vec![
                    ("storage.url", "s3://f"),
                    ("storage.secret_access_key_env", "CONVENE_TEST_UNSET_SECRET"),
                ],
                "CONVENE_STORAGE__SECRET_ACCESS_KEY_ENV",
                "is not set",
            ),
            (
                vec![("storage.url", "s3://f"), ("max_upload_mb", "6000")],
                "CONVENE_MAX_UPLOAD_MB",
                "at most 5120 MB",
            ),
        ] {
            let err = Config::from_pairs(pairs.clone()).unwrap_err();
            assert_eq!(err.setting, setting, "{pairs:?}: {err}");
            assert!(err.message.contains(words), "{pairs:?}: {err}");
            assert!(!err.message.contains("hunter2"), "{err}");
        }
    }
}
