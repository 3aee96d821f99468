//! Turns every error, and every panic, into a page a person can read: HTML for browsers, an
//! RFC 9457 problem document when the request asks for JSON. Internal causes go to the log
//! only.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use serde::Serialize;

use crate::error::AppError;
use crate::state::AppState;
use crate::web::page::{PageMeta, Viewer, render_page, signin_href};

pub struct ErrorPages {
    state: AppState,
    json_under: &'static str,
}

impl ErrorPages {
    pub fn new(state: AppState) -> Self {
        Self {
            state,
            json_under: "",
        }
    }

    /// Requests under `prefix` (a JSON API) always get problem documents, whatever they
    /// accept.
    pub fn json_under(mut self, prefix: &'static str) -> Self {
        self.json_under = prefix;
        self
    }
}

impl<E: Endpoint> Middleware<E> for ErrorPages {
    type Output = ErrorPagesEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ErrorPagesEndpoint {
            inner,
            state: self.state.clone(),
            json_under: self.json_under,
        }
    }
}

pub struct ErrorPagesEndpoint<E> {
    inner: E,
    state: AppState,
    json_under: &'static str,
}

impl<E: Endpoint> Endpoint for ErrorPagesEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // The address as it came (inside a nested route, `uri` has lost its prefix).
        let json = wants_json(&req)
            || (!self.json_under.is_empty()
                && req.original_uri().path().starts_with(self.json_under));
        let path = req.original_uri().path().to_string();
        let path_and_query = req
            .original_uri()
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_string());
        let method = req.method().clone();
        let seen = SeenViewer::default();
        req.extensions_mut().insert(seen.clone());
        let outcome = AssertUnwindSafe(self.inner.call(req)).catch_unwind().await;
        let err = match outcome {
            Ok(Ok(resp)) => return Ok(resp.into_response()),
            Ok(Err(err)) => err,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                tracing::error!(%method, %path, panic = %what, "request handler panicked");
                poem::Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        };

        let status = err.status();
        // A browser that must sign in first is sent to the sign-in page and brought back.
        if status == StatusCode::UNAUTHORIZED
            && !json
            && (method == poem::http::Method::GET || method == poem::http::Method::HEAD)
        {
            return Ok(Response::builder()
                .status(StatusCode::SEE_OTHER)
                .header(header::LOCATION, signin_href(&path_and_query))
                .header(header::CACHE_CONTROL, "no-store")
                .finish());
        }
        let detail = match err.downcast_ref::<AppError>() {
            Some(app) if app.is_internal() => {
                tracing::error!(%method, %path, error = %app, "request failed");
                None
            }
            Some(app) => Some(app.to_string()),
            None if status.is_server_error() => {
                tracing::error!(%method, %path, error = %err, "request failed");
                None
            }
            // Framework errors (a malformed query string, a wrong method) say what was wrong
            // in terms a caller can act on; "not found" needs no more words.
            None if status == StatusCode::NOT_FOUND => None,
            None => Some(err.to_string()),
        };
        let mut resp = self.render(status, detail, json, &path, &seen);
        for (name, value) in err.data::<ErrorHeaders>().map_or(&[][..], |h| &h.0) {
            if let Ok(value) = HeaderValue::from_str(value) {
                resp.headers_mut().insert(name.clone(), value);
            }
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let seconds = match err.downcast_ref::<AppError>() {
                Some(AppError::TooManyRequests {
                    retry_after_secs, ..
                }) => *retry_after_secs,
                _ => 60,
            };
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        Ok(resp)
    }
}

/// Headers an error's response must carry (`Allow` on a 405, `WWW-Authenticate` on a 401),
/// set on the error by the layer that knows them.
#[derive(Clone)]
pub struct ErrorHeaders(pub Vec<(header::HeaderName, String)>);

/// Filled in by the session and CSRF layers as the request passes through them, so an error
/// page still shows who is signed in.
#[derive(Clone, Default)]
pub struct SeenViewer(std::sync::Arc<std::sync::Mutex<SeenInner>>);

#[derive(Default)]
struct SeenInner {
    user: Option<crate::web::user::SessionUser>,
    csrf: Option<crate::web::csrf::CsrfSeed>,
}

impl SeenViewer {
    pub fn set_user(req: &Request, user: Option<crate::web::user::SessionUser>) {
        if let Some(seen) = req.extensions().get::<SeenViewer>()
            && let Ok(mut inner) = seen.0.lock()
        {
            inner.user = user;
        }
    }

    pub fn set_csrf(req: &Request, seed: &crate::web::csrf::CsrfSeed) {
        if let Some(seen) = req.extensions().get::<SeenViewer>()
            && let Ok(mut inner) = seen.0.lock()
        {
            inner.csrf = Some(seed.clone());
        }
    }
}

#[derive(Serialize)]
struct ErrorView {
    status: u16,
    heading: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    instance: &'a str,
}

impl<E> ErrorPagesEndpoint<E> {
    fn render(
        &self,
        status: StatusCode,
        detail: Option<String>,
        json: bool,
        path: &str,
        seen: &SeenViewer,
    ) -> Response {
        let (heading, default_message) = describe(status);
        let message = detail.unwrap_or_else(|| default_message.to_string());
        let mut resp = if json {
            let problem = Problem {
                kind: "about:blank",
                title: status.canonical_reason().unwrap_or(heading),
                status: status.as_u16(),
                detail: &message,
                instance: path,
            };
            Response::builder()
                .content_type("application/problem+json")
                .body(serde_json::to_vec(&problem).unwrap_or_default())
        } else {
            let view = ErrorView {
                status: status.as_u16(),
                heading,
                message,
            };
            let seen = seen.0.lock().ok();
            let csrf_token = seen
                .as_ref()
                .and_then(|s| s.csrf.as_ref())
                .map(|seed| seed.token())
                .unwrap_or_default();
            let viewer = seen.as_ref().map_or(Viewer::ANONYMOUS, |s| Viewer {
                user: s.user.as_ref(),
                csrf_token: &csrf_token,
                waiting: None,
            });
            match render_page(
                &self.state,
                path,
                &viewer,
                Vec::new(),
                "error",
                heading,
                &PageMeta::default(),
                &view,
            ) {
                Ok(html) => Response::builder()
                    .content_type("text/html; charset=utf-8")
                    .body(html),
                Err(err) => {
                    tracing::error!(error = %err, "the error page itself failed to render");
                    Response::builder()
                        .content_type("text/plain; charset=utf-8")
                        .body(format!(
                            "{} {heading}\n\n{}\n",
                            status.as_u16(),
                            view.message
                        ))
                }
            }
        };
        resp.set_status(status);
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// Whether the caller prefers JSON to HTML: API clients send `Accept: application/json`
/// (or a `+json` type), browsers send `text/html`.
pub fn wants_json(req: &Request) -> bool {
    if req.uri().path().starts_with("/api/") {
        return true;
    }
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut json = None;
    let mut html = None;
    for (index, part) in accept.split(',').enumerate() {
        let media = part.split(';').next().unwrap_or_default().trim();
        if media == "application/json" || media.ends_with("+json") {
            json.get_or_insert(index);
        } else if media == "text/html" {
            html.get_or_insert(index);
        }
    }
    match (json, html) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "Something is wrong with that request",
            "The request could not be understood. Please check what you sent and try again.",
        ),
        401 => ("Please sign in", "You need to sign in to see this page."),
        403 => (
            "You cannot do that",
            "Your account does not have permission to do that.",
        ),
        404 => (
            "Page not found",
            "There is nothing at this address. It may have moved, or the link may be mistyped.",
        ),
        405 => (
            "That action is not allowed here",
            "This address does not accept that kind of request.",
        ),
        409 => (
            "That clashes with something else",
            "Somebody may have changed this at the same time. Reload the page and try again.",
        ),
        410 => (
            "This has been removed",
            "What was at this address was removed on purpose and will not come back.",
        ),
        413 => (
            "That is too large",
            "What you sent is larger than this site accepts.",
        ),
        422 => (
            "Please check what you entered",
            "Some of the information you entered could not be used.",
        ),
        429 => (
            "Too many attempts",
            "Please wait a minute before trying again.",
        ),
        502 => (
            "Another service did not answer",
            "A service this site relies on did not answer. Please try again in a few minutes.",
        ),
        503 => (
            "Temporarily unavailable",
            "The site cannot answer right now. Please try again in a few minutes.",
        ),
        500..=599 => (
            "Something went wrong on our side",
            "The problem has been logged. Please try again; if it keeps happening, tell the site's administrators.",
        ),
        _ => ("That did not work", "The request could not be completed."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(accept: &str) -> Request {
        Request::builder().header("accept", accept).finish()
    }

    #[test]
    fn browsers_get_html_and_api_clients_json() {
        let chrome = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(!wants_json(&req(chrome)));
        assert!(!wants_json(&req("*/*")));
        assert!(wants_json(&req("application/json")));
        assert!(wants_json(&req("application/problem+json, text/html")));
        assert!(!wants_json(&req("text/html, application/json")));
    }
}
