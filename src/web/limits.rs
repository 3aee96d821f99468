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

pub struct RequestLimits {
    pub max_body: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_body: MAX_BODY_BYTES,
        }
    }
}

impl<E: Endpoint> Middleware<E> for RequestLimits {
    type Output = RequestLimitsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLimitsEndpoint {
            inner,
            max_body: self.max_body,
        }
    }
}

pub struct RequestLimitsEndpoint<E> {
    inner: E,
    max_body: usize,
}

fn too_large(max: usize) -> poem::Error {
    AppError::PayloadTooLarge(format!(
        "What you sent is larger than this site accepts ({} KB at most).",
        max / 1024
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
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body as u64) {
            return Err(too_large(self.max_body));
        }
        let streamed = req.headers().contains_key(header::TRANSFER_ENCODING);
        if declared.is_none_or(|len| len == 0) && !streamed {
            return Ok(self.inner.call(req).await?.into_response());
        }
        let exceeded = Arc::new(AtomicBool::new(false));
        let body = req.take_body().into_bytes_stream();
        req.set_body(Body::from_bytes_stream(Capped {
            inner: Box::pin(body),
            left: self.max_body,
            exceeded: exceeded.clone(),
        }));
        let outcome = self.inner.call(req).await;
        if exceeded.load(Ordering::SeqCst) {
            // Whatever the route made of the cut-off body, the answer is that it was too big.
            return Err(too_large(self.max_body));
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
