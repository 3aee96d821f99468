//! Pages that every anonymous visitor sees alike (the listings, event pages, the home page)
//! are rendered once and then served from memory, with each visitor's own CSRF token put
//! back in, until a change made through this instance (or a second) makes them stale: the
//! same rule as the read cache underneath (`web::cache`).
//!
//! Only 200 HTML answers to anonymous GET requests without a one-time message are kept;
//! everything else is passed through untouched.

use std::sync::Arc;

use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

use crate::web::cache::ReadCache;
use crate::web::csrf::CsrfSeed;

/// What stands in the stored page where each visitor's CSRF token goes.
const TOKEN_SLOT: &str = "\u{1}csrf\u{1}";

/// A rendered page, with [`TOKEN_SLOT`] where the token was.
pub struct SharedPage {
    body: String,
    content_type: HeaderValue,
}

/// The per-instance store of rendered pages.
pub struct SharedPages {
    pages: ReadCache,
}

impl Default for SharedPages {
    fn default() -> Self {
        // Whole pages are tens of kilobytes: far fewer of them than of data entries.
        SharedPages {
            pages: ReadCache::with_capacity(256),
        }
    }
}

impl SharedPages {
    pub fn invalidate(&self) {
        self.pages.invalidate();
    }
}

/// Serves an anonymous visitor's GET from the stored page when there is a fresh one.
pub async fn serve_shared<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let store = req
        .data::<crate::AppState>()
        .map(|state| state.pages.clone());
    let shareable = *req.method() == Method::GET
        && !crate::web::user::is_signed_in(&req)
        && !crate::web::flash::is_waiting(&req);
    let token = shareable
        .then(|| req.extensions().get::<CsrfSeed>().map(CsrfSeed::token))
        .flatten();
    let (Some(store), Some(token)) = (store, token) else {
        return Ok(next.call(req).await?.into_response());
    };
    // Pages say what is coming from the app's clock: a page from another second of it is
    // another page (this also makes a shifted test clock show at once).
    let second = req
        .data::<crate::AppState>()
        .map_or(0, |state| state.clock.now().timestamp());
    let key = format!(
        "{second}:{}",
        req.original_uri()
            .path_and_query()
            .map_or_else(|| req.original_uri().path(), |pq| pq.as_str())
    );
    let loaded: Result<Arc<SharedPage>, Passed> = store
        .pages
        .get_or_load(key, render(next, req, &token))
        .await;
    match loaded {
        Ok(page) => Ok(Response::builder()
            .header(header::CONTENT_TYPE, page.content_type.clone())
            .body(page.body.replace(TOKEN_SLOT, &token))),
        // Not a page to share: this visitor's own answer (or error page), as it came.
        Err(Passed::Response(resp)) => Ok(resp),
        Err(Passed::Error(err)) => Err(err),
    }
}

/// An answer that is not shared, handed back as it came.
enum Passed {
    Response(Response),
    Error(poem::Error),
}

async fn render<E: Endpoint>(next: E, req: Request, token: &str) -> Result<SharedPage, Passed> {
    let resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => return Err(Passed::Error(err)),
    };
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    // A page that sets a cookie or says how to cache itself is someone's own.
    let plain = !resp.headers().contains_key(header::SET_COOKIE)
        && !resp.headers().contains_key(header::CACHE_CONTROL);
    if resp.status() != StatusCode::OK || !html || !plain || token.is_empty() {
        return Err(Passed::Response(resp));
    }
    let content_type = resp.headers()[header::CONTENT_TYPE].clone();
    let body = match resp.into_body().into_string().await {
        Ok(body) => body,
        Err(err) => return Err(Passed::Error(err.into())),
    };
    Ok(SharedPage {
        body: body.replace(token, TOKEN_SLOT),
        content_type,
    })
}
