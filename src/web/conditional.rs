//! Conditional requests and content coding, for everything served with validators (calendar
//! feeds, assets): `If-None-Match` and `If-Modified-Since` read with the `headers` crate,
//! HTTP dates written with `httpdate`, and whether the caller takes gzip.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use headers::{ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch};
use poem::http::{HeaderMap, header};

/// Which of our validators the caller already holds, if any. `etags` are the quoted strong
/// ETags of every representation of the same content (identity first); a `*` matches the
/// first. Without `If-None-Match`, `If-Modified-Since` is compared with `last_modified` and
/// stands for the first ETag.
pub fn already_has<'a>(
    headers: &HeaderMap,
    etags: &[&'a str],
    last_modified: Option<DateTime<Utc>>,
) -> Option<&'a str> {
    if let Some(condition) = headers.typed_get::<IfNoneMatch>() {
        return etags.iter().copied().find(|tag| {
            tag.parse::<ETag>()
                .is_ok_and(|parsed| !condition.precondition_passes(&parsed))
        });
    }
    if headers.contains_key(header::IF_NONE_MATCH) {
        // Present but unreadable: send the content.
        return None;
    }
    let since = headers.typed_get::<IfModifiedSince>()?;
    let last = SystemTime::from(last_modified?);
    (!since.is_modified(last))
        .then(|| etags.first().copied())
        .flatten()
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(at: DateTime<Utc>) -> String {
    httpdate::fmt_http_date(SystemTime::from(at))
}

/// Whether `Accept-Encoding` allows gzip (listed, and not with `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|coding| {
                let mut parts = coding.split(';');
                let name = parts.next().map(str::trim);
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        == Some(0.0)
                });
                matches!(name, Some("gzip") | Some("*")) && !refused
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn with(name: &'static str, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn etags_match_weakly_and_name_the_one_held() {
        let tags = ["\"abc\"", "\"abc-gzip\""];
        assert_eq!(
            already_has(&with("if-none-match", "\"abc-gzip\""), &tags, None),
            Some("\"abc-gzip\"")
        );
        assert_eq!(
            already_has(&with("if-none-match", "W/\"abc\", \"x\""), &tags, None),
            Some("\"abc\"")
        );
        assert_eq!(
            already_has(&with("if-none-match", "*"), &tags, None),
            Some("\"abc\"")
        );
        assert_eq!(
            already_has(&with("if-none-match", "\"old\""), &tags, None),
            None
        );
        assert_eq!(already_has(&HeaderMap::new(), &tags, None), None);
    }

    #[test]
    fn dates_compare_to_the_second() {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let tags = ["\"abc\""];
        let same = with("if-modified-since", &http_date(at));
        assert_eq!(http_date(at), "Mon, 02 Nov 2026 09:00:00 GMT");
        assert_eq!(already_has(&same, &tags, Some(at)), Some("\"abc\""));
        let later = at + chrono::Duration::seconds(1);
        assert_eq!(already_has(&same, &tags, Some(later)), None);
        // If-None-Match wins when both are sent.
        let mut both = same.clone();
        both.insert("if-none-match", "\"other\"".parse().unwrap());
        assert_eq!(already_has(&both, &tags, Some(at)), None);
    }

    #[test]
    fn gzip_unless_refused() {
        assert!(accepts_gzip(&with("accept-encoding", "gzip, deflate, br")));
        assert!(accepts_gzip(&with("accept-encoding", "*")));
        assert!(!accepts_gzip(&with("accept-encoding", "gzip;q=0, br")));
        assert!(!accepts_gzip(&with("accept-encoding", "gzip; q=0.0")));
        assert!(!accepts_gzip(&with("accept-encoding", "br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
