//! One log line per request: method, path (never the query string, which may carry sign-in
//! codes), status and time taken.

use std::time::Instant;

use poem::{Endpoint, IntoResponse, Request, Response};

/// Paths that carry a secret (a member's personal calendar address, an unsubscribe link):
/// logged without it, as logs travel further than the database.
const SECRET_TAILS: &[&str] = &["/calendar/personal/", "/mail/unsubscribe/"];

fn loggable(path: &str) -> String {
    match SECRET_TAILS.iter().find(|prefix| path.starts_with(*prefix)) {
        Some(prefix) if path != "/calendar/personal/reset" => format!("{prefix}[secret]"),
        _ => path.to_string(),
    }
}

pub async fn log_request<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = loggable(req.uri().path());
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

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_in_addresses_never_reach_the_log() {
        assert_eq!(
            super::loggable("/calendar/personal/Zm9vYmFyYmF6cXV4.ics"),
            "/calendar/personal/[secret]"
        );
        assert_eq!(
            super::loggable("/mail/unsubscribe/Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4/places"),
            "/mail/unsubscribe/[secret]"
        );
        assert_eq!(super::loggable("/calendar.ics"), "/calendar.ics");
    }
}
