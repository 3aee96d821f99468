//! Security headers on every response, including error pages and assets.

use poem::http::{HeaderName, HeaderValue, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// No inline script or style anywhere: templates link to `/assets/...` instead.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

pub struct SecurityHeaders {
    /// Sent only when the site is served over HTTPS, or browsers would be told to insist on
    /// HTTPS for a site that has none.
    pub hsts: bool,
}

impl<E: Endpoint> Middleware<E> for SecurityHeaders {
    type Output = SecurityHeadersEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SecurityHeadersEndpoint {
            inner,
            hsts: self.hsts,
        }
    }
}

pub struct SecurityHeadersEndpoint<E> {
    inner: E,
    hsts: bool,
}

impl<E: Endpoint> Endpoint for SecurityHeadersEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let mut resp = match self.inner.call(req).await {
            Ok(resp) => resp.into_response(),
            Err(err) => err.into_response(),
        };
        let headers = resp.headers_mut();
        let mut set = |name: HeaderName, value: &'static str| {
            headers
                .entry(name)
                .or_insert(HeaderValue::from_static(value));
        };
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
        set(header::X_FRAME_OPTIONS, "DENY");
        set(
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        );
        set(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        if self.hsts {
            set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000");
        }
        Ok(resp)
    }
}

/// What RFC 5987 lets through unencoded in an extended parameter value (`attr-char`).
const ATTR_CHAR_ENCODED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A `Content-Disposition` value for a file name in any script (RFC 6266): a plain ASCII
/// `filename` for old clients (anything else becomes `_`) and the exact name, UTF-8 and
/// percent-encoded, in `filename*`.
pub fn content_disposition(disposition: &str, filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c == ' ' || (c.is_ascii_graphic() && !matches!(c, '"' | '\\' | '%')) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(filename, ATTR_CHAR_ENCODED);
    format!("{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_in_any_script_have_an_ascii_fallback() {
        assert_eq!(
            content_disposition("inline", "calendar.ics"),
            "inline; filename=\"calendar.ics\"; filename*=UTF-8''calendar.ics"
        );
        assert_eq!(
            content_disposition("inline", "łódź-dane.ics"),
            "inline; filename=\"__d_-dane.ics\"; filename*=UTF-8''%C5%82%C3%B3d%C5%BA-dane.ics"
        );
        let tricky = content_disposition("attachment", "a\"b\\c\r\n%.ics");
        assert!(
            tricky.starts_with("attachment; filename=\"a_b_c___.ics\";"),
            "{tricky}"
        );
        assert!(
            tricky.ends_with("filename*=UTF-8''a%22b%5Cc%0D%0A%25.ics"),
            "{tricky}"
        );
    }
}
