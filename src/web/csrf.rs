//! Cross-site request forgery protection for every state-changing request.
//!
//! Each browser gets a random `convene_csrf` cookie. Forms carry `csrf_token`, an HMAC of
//! that cookie and of the session cookie under the site's secret key, so another site can
//! neither read nor forge it, and a token from before a sign-in or a sign-out is refused
//! after it (the session cookie it was bound to has changed).
//! Every POST, PUT, PATCH and DELETE must present the token in the form body, the
//! `X-CSRF-Token` header, or (for file uploads, whose bodies are streamed) the query string.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use poem::http::{Method, header};
use poem::web::cookie::{Cookie, CookieKey, SameSite};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use rand::RngCore;
use sha2::Sha256;
use std::sync::{Arc, OnceLock};

use crate::error::AppError;

pub const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";
/// Form bodies are small; a larger url-encoded body is refused before it is buffered.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// What this request's CSRF token is made from. The token (and, for a browser without the
/// cookie yet, the cookie's random value) is only computed when a page actually needs it,
/// so feeds and files polled thousands of times a minute pay nothing for it.
#[derive(Clone)]
pub struct CsrfSeed(Arc<SeedInner>);

struct SeedInner {
    key: Arc<[u8]>,
    existing: Option<String>,
    generated: OnceLock<String>,
    /// The session cookie as the browser sent it (empty when signed out).
    session: String,
}

impl CsrfSeed {
    fn cookie_value(&self) -> &str {
        match &self.0.existing {
            Some(value) => value,
            None => self.0.generated.get_or_init(|| {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                URL_SAFE_NO_PAD.encode(bytes)
            }),
        }
    }

    /// The token forms on this page must carry.
    pub fn token(&self) -> String {
        URL_SAFE_NO_PAD.encode(
            token_for(&self.0.key, self.cookie_value(), &self.0.session)
                .finalize()
                .into_bytes(),
        )
    }

    /// A new cookie value was made for this response and must be sent.
    fn generated(&self) -> Option<&String> {
        self.0.generated.get()
    }
}

pub struct Csrf {
    key: Arc<[u8]>,
    exempt: &'static [&'static str],
    cookie_name: &'static str,
    session_cookie: &'static str,
    secure: bool,
}

impl Csrf {
    /// `session_cookie` names the cookie that carries the sign-in session, which tokens are
    /// bound to.
    pub fn new(cookie_key: &CookieKey, secure: bool, session_cookie: &'static str) -> Self {
        Self {
            session_cookie,
            key: cookie_key.signing().into(),
            exempt: &[],
            // `__Host-` cookies cannot be planted by a sibling subdomain, but need HTTPS.
            cookie_name: if secure {
                "__Host-convene_csrf"
            } else {
                "convene_csrf"
            },
            secure,
        }
    }
}

fn token_for(key: &[u8], cookie_value: &str, session: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"convene csrf v2:");
    // Lengths first, so that no two pairs of values hash alike.
    mac.update(&(cookie_value.len() as u64).to_be_bytes());
    mac.update(cookie_value.as_bytes());
    mac.update(&(session.len() as u64).to_be_bytes());
    mac.update(session.as_bytes());
    mac
}

impl Csrf {
    /// Paths (by prefix) whose POSTs carry their own authority, a secret in the address, and
    /// can only do something harmless with it (stop e-mail): mail programs POST there with no
    /// cookie and no token (RFC 8058).
    pub fn exempt(mut self, prefixes: &'static [&'static str]) -> Self {
        self.exempt = prefixes;
        self
    }
}

impl<E: Endpoint> Middleware<E> for Csrf {
    type Output = CsrfEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CsrfEndpoint {
            inner,
            key: self.key.clone(),
            exempt: self.exempt,
            cookie_name: self.cookie_name,
            session_cookie: self.session_cookie,
            secure: self.secure,
        }
    }
}

pub struct CsrfEndpoint<E> {
    inner: E,
    key: Arc<[u8]>,
    exempt: &'static [&'static str],
    cookie_name: &'static str,
    session_cookie: &'static str,
    secure: bool,
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl<E: Endpoint> Endpoint for CsrfEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let existing = req
            .cookie()
            .get(self.cookie_name)
            .map(|c| c.value_str().to_string())
            .filter(|v| v.len() >= 32 && v.len() <= 64);
        let session = req
            .cookie()
            .get(self.session_cookie)
            .map(|c| c.value_str().to_string())
            .unwrap_or_default();
        let seed = CsrfSeed(Arc::new(SeedInner {
            key: self.key.clone(),
            existing,
            generated: OnceLock::new(),
            session,
        }));
        crate::web::errors::SeenViewer::set_csrf(&req, &seed);

        let exempt = self
            .exempt
            .iter()
            .any(|prefix| req.uri().path().starts_with(prefix));
        if is_unsafe(req.method()) && !exempt {
            let presented = presented_token(&mut req).await?;
            let valid = seed.0.existing.as_deref().is_some_and(|cookie_value| {
                presented.is_some_and(|token| {
                    URL_SAFE_NO_PAD.decode(token.as_bytes()).is_ok_and(|bytes| {
                        token_for(&self.key, cookie_value, &seed.0.session)
                            .verify_slice(&bytes)
                            .is_ok()
                    })
                })
            });
            if !valid {
                return Err(AppError::Forbidden(
                    "This form has expired or did not come from this site. Go back, reload \
                     the page and try again."
                        .into(),
                )
                .into());
            }
        }

        req.extensions_mut().insert(seed.clone());
        let resp = self.inner.call(req).await?.into_response();
        // Only pages can hold forms: feeds, files and assets need no cookie.
        let page = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("text/html"));
        if let (Some(cookie_value), true) = (seed.generated(), page) {
            let mut cookie = Cookie::new_with_str(self.cookie_name, cookie_value.as_str());
            cookie.set_path("/");
            cookie.set_http_only(true);
            cookie.set_same_site(SameSite::Lax);
            cookie.set_secure(self.secure);
            cookie.set_max_age(std::time::Duration::from_secs(60 * 60 * 24 * 365));
            let mut resp = resp;
            if let Ok(value) = cookie.to_string().parse() {
                resp.headers_mut().append(header::SET_COOKIE, value);
            }
            return Ok(resp);
        }
        Ok(resp)
    }
}

/// Finds the token without consuming a form body the handler still needs.
async fn presented_token(req: &mut Request) -> poem::Result<Option<String>> {
    if let Some(value) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(value.to_string()));
    }
    if let Some(value) = req.uri().query().and_then(|q| field(q.as_bytes())) {
        return Ok(Some(value));
    }
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Ok(None);
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_FORM_BYTES) {
        return Err(poem::Error::from_status(
            poem::http::StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let body = req
        .take_body()
        .into_bytes_limit(MAX_FORM_BYTES)
        .await
        .map_err(|_| poem::Error::from_status(poem::http::StatusCode::PAYLOAD_TOO_LARGE))?;
    let token = field(&body);
    req.set_body(body);
    Ok(token)
}

fn field(form: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(form)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}
