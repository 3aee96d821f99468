//! Cursor pagination: a list answers with at most `limit` items and, when there are more, a
//! `Link: <...>; rel="next"` header (RFC 8288) whose address carries a `cursor`: the place
//! after the last item, so a page never repeats or skips an item when others are added in
//! front of it. A cursor is the sort key of the last item, dot-separated whole numbers
//! (`1797184800.6`); the OpenAPI document gives its pattern, so any cursor that fits it is
//! one the API can go on from, and one that does not is a 400 naming `cursor`.
use poem::http::Uri;

use crate::api::problem::ApiError;

/// Items per page when the caller does not say.
pub const DEFAULT_LIMIT: u32 = 20;
/// The most items a page holds.
pub const MAX_LIMIT: u32 = 100;

/// `limit`'s default in every list operation.
pub fn default_limit() -> u32 {
    DEFAULT_LIMIT
}

/// The sort key of the last item a page showed: a few whole numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(pub Vec<i64>);

impl Cursor {
    pub fn encode(&self) -> String {
        let text: Vec<String> = self.0.iter().map(i64::to_string).collect();
        text.join(".")
    }

    /// Reads a cursor that should hold `parts` numbers.
    pub fn decode(text: &str, parts: usize) -> Result<Cursor, ApiError> {
        let refuse = || {
            ApiError::bad(
                "cursor",
                "not a cursor this API gave out; start again without it, or follow the \
                 `Link` header of the previous page",
            )
        };
        let numbers: Vec<i64> = text
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| refuse())?;
        if numbers.len() != parts {
            return Err(refuse());
        }
        Ok(Cursor(numbers))
    }

    pub fn decode_opt(text: Option<&str>, parts: usize) -> Result<Option<Cursor>, ApiError> {
        text.map(|t| Cursor::decode(t, parts)).transpose()
    }

    /// A cursor of a list ordered by a moment and an id: (microseconds, id).
    pub fn moment_and_id(
        text: Option<&str>,
    ) -> Result<Option<(chrono::DateTime<chrono::Utc>, i64)>, ApiError> {
        Cursor::decode_opt(text, 2)?
            .map(|c| {
                chrono::DateTime::from_timestamp_micros(c.0[0])
                    .map(|at| (at, c.0[1]))
                    .ok_or_else(|| ApiError::bad("cursor", "not a cursor this API gave out"))
            })
            .transpose()
    }
}

/// The `Link` header for the next page: the request's address (as it came, before routing)
/// with `cursor` replaced, and `pinned` parameters added where the request left them out (a
/// window that was "from now" stays where the first page had it).
pub fn next_link(
    base_url: &str,
    uri: &Uri,
    pinned: &[(&str, String)],
    next: Option<&Cursor>,
) -> Option<String> {
    let next = next?;
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .filter(|(name, _)| name != "cursor")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
    for (name, value) in pinned {
        if !pairs.iter().any(|(n, _)| n == name) {
            pairs.push(((*name).to_string(), value.clone()));
        }
    }
    pairs.push(("cursor".into(), next.encode()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    Some(format!(
        "<{}{}?{query}>; rel=\"next\"",
        base_url.trim_end_matches('/'),
        uri.path()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_a_made_up_one_is_refused() {
        let cursor = Cursor(vec![1_790_000_000, 42]);
        assert_eq!(Cursor::decode(&cursor.encode(), 2).unwrap(), cursor);
        assert!(Cursor::decode(&cursor.encode(), 3).is_err());
        assert!(Cursor::decode("not a cursor", 2).is_err());
        assert!(Cursor::decode("1.x", 2).is_err());
    }

    #[test]
    fn the_next_link_keeps_the_filters_and_replaces_the_cursor() {
        let uri: Uri = "/api/v1/events?tag=transport&cursor=old&limit=5"
            .parse()
            .unwrap();
        let pinned = [("limit", "20".to_string()), ("to", "2027".to_string())];
        let link = next_link(
            "https://forum.example/",
            &uri,
            &pinned,
            Some(&Cursor(vec![7, 8])),
        )
        .unwrap();
        assert_eq!(
            link,
            "<https://forum.example/api/v1/events?tag=transport&limit=5&to=2027&cursor=7.8>; rel=\"next\""
        );
        assert_eq!(next_link("https://forum.example", &uri, &[], None), None);
    }
}
