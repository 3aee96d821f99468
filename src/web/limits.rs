//! Limits every request meets before any route sees it: no NUL in the address, and a cap on
//! the body. A body is never read here: it is wrapped in a counter, so a route reads it only
//! if it wants it, and a body that grows past the cap (a declared length over it, or a
//! chunked stream that keeps going) ends the request with 413 as soon as the cap is passed.
//! Memory stays flat however much a client sends.
//!
//! Uploads, when they arrive, stream to storage under their own limit; everything else is a
//! form or a small JSON document.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use poem::http::header;
use poem::{Body, Endpoint, IntoResponse, Middleware, Request, Response};

use crate::error::AppError;

/// The largest form or JSON body any route accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Room for the rest of an upload form (its title, the multipart boundaries).
const UPLOAD_FORM_BYTES: usize = 64 * 1024;

/// Whether a POST to `path` carries a file.
fn is_upload(path: &str) -> bool {
    path.ends_with("/files") || (path.starts_with("/files/") && path.ends_with("/replace"))
}

pub struct RequestLimits {
    pub max_body: usize,
    /// The cap on uploads: a POST to a path ending in `/files` (a new file) or `/replace` (a
    /// new version), whose handler streams the file to storage and checks the file's own
    /// size limit as it goes.
    pub max_upload: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_body: MAX_BODY_BYTES,
            max_upload: MAX_BODY_BYTES,
        }
    }
}

impl RequestLimits {
    /// The usual cap, and files of up to `max_file` bytes on the upload forms.
    pub fn with_uploads(max_file: u64) -> Self {
        Self {
            max_upload: usize::try_from(max_file)
                .unwrap_or(usize::MAX)
                .saturating_add(UPLOAD_FORM_BYTES),
            ..Self::default()
        }
    }
}

impl<E: Endpoint> Middleware<E> for RequestLimits {
    type Output = RequestLimitsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLimitsEndpoint {
            inner,
            max_body: self.max_body,
            max_upload: self.max_upload,
        }
    }
}

pub struct RequestLimitsEndpoint<E> {
    inner: E,
    max_body: usize,
    max_upload: usize,
}

fn too_large(max: usize) -> poem::Error {
    let most = if max >= 10 * 1024 * 1024 {
        format!("{} MB", max / (1024 * 1024))
    } else {
        format!("{} KB", max / 1024)
    };
    AppError::PayloadTooLarge(format!(
        "What you sent is larger than this site accepts ({most} at most)."
    ))
    .into()
}

impl<E: Endpoint> Endpoint for RequestLimitsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let target = req.uri().path_and_query().map_or("", |pq| pq.as_str());
        if crate::web::text::has_encoded_nul(target) {
            return Err(AppError::BadRequest(
                "Addresses on this site cannot contain a NUL character (%00).".into(),
            )
            .into());
        }
        let cap = if req.method() == poem::http::Method::POST && is_upload(req.uri().path()) {
            self.max_upload
        } else {
            self.max_body
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > cap as u64) {
            return Err(too_large(cap));
        }
        let streamed = req.headers().contains_key(header::TRANSFER_ENCODING);
        if declared.is_none_or(|len| len == 0) && !streamed {
            return Ok(self.inner.call(req).await?.into_response());
        }
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = req.take_body().into_bytes_stream();
        req.set_body(Body::from_bytes_stream(Capped {
            inner: Box::pin(body),
            left: cap,
            exceeded: exceeded.clone(),
        }));
        let outcome = self.inner.call(req).await;
        if exceeded.load(Ordering::SeqCst) {
            // Whatever the route made of the cut-off body, the answer is that it was too big.
            return Err(too_large(cap));
        }
        Ok(outcome?.into_response())
    }
}

/// A body stream that fails once more than `left` bytes have come through.
struct Capped {
    inner: Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>,
    left: usize,
    exceeded: Arc<AtomicBool>,
}

impl Stream for Capped {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.exceeded.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        match self.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) if chunk.len() > self.left => {
                self.exceeded.store(true, Ordering::SeqCst);
                Poll::Ready(Some(Err(std::io::Error::other("request body too large"))))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                self.left -= chunk.len();
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}
