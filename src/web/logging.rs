//! One log line per request: method, path (never the query string, which may carry sign-in
//! codes), status and time taken.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};

pub async fn log_request<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = match next.call(req).await {
        Ok(resp) => resp.into_response(),
        Err(err) => err.into_response(),
    };
    let status = resp.status().as_u16();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if path == "/healthz" || path.starts_with("/assets/") {
        tracing::debug!(%method, %path, status, ms = format_args!("{ms:.1}"), "request");
    } else if status >= 500 {
        tracing::warn!(%method, %path, status, ms = format_args!("{ms:.1}"), "request");
    } else {
        tracing::info!(%method, %path, status, ms = format_args!("{ms:.1}"), "request");
    }
    Ok(resp)
}
