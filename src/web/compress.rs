//! Response compression for text that is worth compressing (pages, CSS, JSON, calendars),
//! negotiated from `Accept-Encoding`, with `Vary` set so caches keep the variants apart.
//! Request bodies are never decompressed: an upload limit must mean what it says.

use poem::http::{HeaderValue, StatusCode, header};
use poem::web::{Compress, CompressionAlgo, CompressionLevel};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// Below this many bytes compression costs more than it saves.
const MIN_BYTES: usize = 1024;

pub struct Compression;

impl<E: Endpoint> Middleware<E> for Compression {
    type Output = CompressionEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CompressionEndpoint { inner }
    }
}

pub struct CompressionEndpoint<E> {
    inner: E,
}

fn negotiate(req: &Request) -> Option<CompressionAlgo> {
    let mut best: Option<(CompressionAlgo, u16)> = None;
    for value in req.headers().get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let coding = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0) as u16);
            let algo = match coding {
                "br" => CompressionAlgo::BR,
                "gzip" => CompressionAlgo::GZIP,
                _ => continue,
            };
            // Prefer brotli over gzip at equal weight.
            let rank = q * 2 + u16::from(algo == CompressionAlgo::BR);
            if q > 0 && best.as_ref().is_none_or(|(_, r)| rank > *r) {
                best = Some((algo, rank));
            }
        }
    }
    best.map(|(algo, _)| algo)
}

fn compressible(resp: &Response) -> bool {
    // A handler that already varies on Accept-Encoding has chosen the encoding itself (the
    // calendar feeds keep a compressed copy ready).
    let negotiated = resp.headers().get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if resp.status() == StatusCode::NOT_MODIFIED
        || resp.status() == StatusCode::NO_CONTENT
        || resp.status() == StatusCode::PARTIAL_CONTENT
        || resp.headers().contains_key(header::CONTENT_ENCODING)
        // Byte ranges count bytes of the file as stored: it is never re-encoded.
        || resp.headers().contains_key(header::ACCEPT_RANGES)
        || negotiated
    {
        return false;
    }
    let content_type = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let text_like = content_type.starts_with("text/")
        || content_type.starts_with("application/json")
        || content_type.starts_with("application/problem+json")
        || content_type.starts_with("application/javascript")
        || content_type.starts_with("image/svg+xml");
    let big_enough = resp
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_none_or(|len| len >= MIN_BYTES);
    text_like && big_enough
}

impl<E: Endpoint> Endpoint for CompressionEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let algo = negotiate(&req);
        let mut resp = self.inner.call(req).await?.into_response();
        if !compressible(&resp) {
            return Ok(resp);
        }
        resp.headers_mut()
            .append(header::VARY, HeaderValue::from_static("accept-encoding"));
        let Some(algo) = algo else { return Ok(resp) };
        // Pages and feeds are buffered anyway; measuring them keeps tiny bodies uncompressed.
        let body = resp.take_body().into_bytes().await?;
        let small = body.len() < MIN_BYTES;
        resp.set_body(body);
        if small {
            return Ok(resp);
        }
        Ok(Compress::new(resp, algo)
            .with_quality(CompressionLevel::Fastest)
            .into_response())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(accept: &str) -> Request {
        Request::builder()
            .header("accept-encoding", accept)
            .finish()
    }

    #[test]
    fn picks_the_best_supported_coding() {
        assert_eq!(
            negotiate(&req("gzip, deflate, br")),
            Some(CompressionAlgo::BR)
        );
        assert_eq!(negotiate(&req("gzip")), Some(CompressionAlgo::GZIP));
        assert_eq!(
            negotiate(&req("br;q=0.5, gzip")),
            Some(CompressionAlgo::GZIP)
        );
        assert_eq!(negotiate(&req("gzip;q=0")), None);
        assert_eq!(negotiate(&req("identity")), None);
    }
}
