//! Full-text search, the same on both databases: SQLite FTS5 and PostgreSQL text search,
//! behind one function, [`matching`]. A feature makes rows searchable with a migration
//! (`migration::search_index`, which keeps the index right with triggers) and an [`Index`]
//! naming it: events, forum threads and forum posts. [`snippet`] marks the words found in a
//! passage for results pages (English stems as PostgreSQL makes them; SQLite's Porter
//! stemmer agrees on all but a few words, which then match but go unmarked).
//!
//! What people type never becomes query syntax: it is cut into words (letters and digits),
//! and each word is quoted as an FTS5 string, or handed to `plainto_tsquery`. Every word must
//! match, as a word ("bus" does not find "business"), ignoring case, accents and English
//! endings ("meetings" finds "meeting").

use sea_orm::sea_query::{Alias, Expr, Order, Query as Select};
use sea_orm::{Condition, ConnectionTrait, DbBackend, DbErr};

/// The longest search accepted, in characters; longer ones are cut here (and the page says so).
pub const MAX_QUERY_CHARS: usize = 200;

/// A searchable table, as its migration made it (see `migration::search_index`).
pub struct Index {
    /// The index's table, e.g. `event_search`.
    pub name: &'static str,
    /// The searched table; its key is `id`.
    pub table: &'static str,
    /// The index's fields in the migration's order, each with its weight in SQLite's BM25
    /// ranking (PostgreSQL keeps weights in the index). The first is the title.
    pub fields: &'static [(&'static str, f64)],
}

/// What someone searched for, cut into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The text as searched: trimmed, at most [`MAX_QUERY_CHARS`] characters.
    pub text: String,
    /// The text was longer than [`MAX_QUERY_CHARS`] and was cut.
    pub shortened: bool,
    words: Vec<String>,
}

impl Query {
    pub fn parse(text: &str) -> Query {
        // Letters and digits (with their combining accents) make words; everything else
        // separates them, as the FTS5 and PostgreSQL tokenizers do.
        let whole = text.trim();
        let shortened = whole.chars().count() > MAX_QUERY_CHARS;
        let mut text: String = whole.chars().take(MAX_QUERY_CHARS).collect();
        // A word cut in two would look for a word nobody wrote: it goes whole.
        let cut_in_a_word = shortened
            && text.chars().next_back().is_some_and(is_word_char)
            && whole.chars().nth(MAX_QUERY_CHARS).is_some_and(is_word_char);
        let before_the_cut = text.trim_end_matches(is_word_char).len();
        if cut_in_a_word && text[..before_the_cut].chars().any(is_word_char) {
            text.truncate(before_the_cut);
        }
        let text = text.trim_end().to_string();
        let words = text
            .split(|c: char| !is_word_char(c))
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .map(str::to_string)
            .collect();
        Query {
            text,
            shortened,
            words,
        }
    }

    /// Nothing was typed (an empty or blank search): show the plain listing.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty()
    }

    /// Text that holds no word (only punctuation) matches nothing.
    pub fn has_words(&self) -> bool {
        !self.words.is_empty()
    }

    /// Every word as an FTS5 string (double quotes, inner ones doubled), implicitly ANDed.
    fn fts5(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The words for `plainto_tsquery`, which reads no operators.
    fn plain(&self) -> String {
        self.words.join(" ")
    }
}

/// The form of a word that searches compare: accents removed, lower case, English stem
/// ("Meetings" and "meeting" are one word), as both databases' indexes treat words.
fn word_key(word: &str) -> String {
    use std::sync::LazyLock;
    use unicode_normalization::UnicodeNormalization;
    static STEMMER: LazyLock<rust_stemmers::Stemmer> =
        LazyLock::new(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English));
    let folded: String = word
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    STEMMER.stem(&folded).into_owned()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// A passage of `text` (plain text, such as `markdown::to_plain_text` makes) of about
/// `length` characters around the first word `query` matched, as HTML: every character of
/// the text escaped, the words that match in `<mark>`, "…" where the text was cut. Whatever
/// the text holds, the only tags in the result are the marks.
pub fn snippet(text: &str, query: &Query, length: usize) -> String {
    let keys: Vec<String> = query.words.iter().map(|w| word_key(w)).collect();
    // White space squashed, so line breaks and indents cost no room.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Each word as a byte range, and whether it matches.
    let mut words: Vec<(usize, usize, bool)> = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let hit = keys.contains(&word_key(&text[s..i]));
                words.push((s, i, hit));
                start = None;
            }
            _ => {}
        }
    }
    // The window: from a little before the first match (or the start), to about `length`
    // characters on, both ends on a word's edge.
    let first = words.iter().find(|w| w.2).map_or(0, |w| w.0);
    let lead = (length / 4).max(1);
    let before: Vec<(usize, char)> = text[..first].char_indices().collect();
    let mut from = if before.len() > lead {
        before[before.len() - lead].0
    } else {
        0
    };
    if from > 0 {
        // Forward to the next word's start, so no word is cut.
        from = words
            .iter()
            .map(|w| w.0)
            .find(|&s| s >= from)
            .unwrap_or(first);
    }
    let mut to = text[from..]
        .char_indices()
        .nth(length)
        .map_or(text.len(), |(i, _)| from + i);
    if to < text.len() {
        // Back to the end of the last whole word.
        to = words
            .iter()
            .map(|w| w.1)
            .rfind(|&e| e <= to && e > from)
            .unwrap_or(to);
    }
    let mut html = String::with_capacity(to - from + 32);
    if from > 0 {
        html.push('…');
    }
    let mut at = from;
    for &(s, e, _) in words.iter().filter(|w| w.2 && w.0 >= from && w.1 <= to) {
        html.push_str(&handlebars::html_escape(&text[at..s]));
        html.push_str("<mark>");
        html.push_str(&handlebars::html_escape(&text[s..e]));
        html.push_str("</mark>");
        at = e;
    }
    html.push_str(&handlebars::html_escape(&text[at..to]));
    if to < text.len() {
        html.push('…');
    }
    html
}

/// One matching row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    /// Every word is in the row's title.
    pub in_title: bool,
    /// Relevance: higher is better; only comparable within one search.
    pub score: f64,
}

/// The rows of `index` that match `query` and `within` (a condition on the searched table,
/// such as "public"), at most `limit`: title matches first, then by relevance.
pub async fn matching(
    db: &impl ConnectionTrait,
    index: &Index,
    query: &Query,
    within: Condition,
    limit: u64,
) -> Result<Vec<Hit>, DbErr> {
    if !query.has_words() {
        return Ok(Vec::new());
    }
    let select = statement(db.get_database_backend(), index, query, within, limit)?;
    db.query_all(&select)
        .await?
        .into_iter()
        .map(|row| {
            Ok(Hit {
                id: row.try_get_by_index(0)?,
                in_title: row.try_get_by_index::<i32>(1)? == 1,
                score: row.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// The query behind [`matching`]: id, title match (1 or 0) and score of each match.
fn statement(
    backend: DbBackend,
    index: &Index,
    query: &Query,
    within: Condition,
    limit: u64,
) -> Result<sea_orm::sea_query::SelectStatement, DbErr> {
    let Index {
        name,
        table,
        fields,
    } = index;
    let mut select = Select::select();
    match backend {
        DbBackend::Sqlite => {
            let title = fields.first().map_or("title", |(field, _)| *field);
            let weights = fields
                .iter()
                .map(|(_, w)| w.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            // FTS5's rank functions need the table's own name, not an alias.
            select
                .expr(Expr::cust(format!("{name}.rowid")))
                .expr(Expr::cust_with_values(
                    format!(
                        "CASE WHEN {name}.rowid IN (SELECT rowid FROM {name} WHERE {name} MATCH ?) \
                         THEN 1 ELSE 0 END"
                    ),
                    [format!("{title} : ({})", query.fts5())],
                ))
                .expr(Expr::cust(format!("-bm25({name}, {weights})")))
                .from(Alias::new(*name))
                .inner_join(
                    Alias::new(*table),
                    Expr::cust(format!("{table}.id = {name}.rowid")),
                )
                .and_where(Expr::cust_with_values(
                    format!("{name} MATCH ?"),
                    [query.fts5()],
                ));
        }
        DbBackend::Postgres => {
            let config = migration::search_index::CONFIG;
            // sea-query's placeholder on PostgreSQL is `$1`, on SQLite `?`.
            let tsquery = format!("plainto_tsquery('{config}', $1)");
            select
                .expr(Expr::cust(format!("{name}.id")))
                .expr(Expr::cust_with_values(
                    format!(
                        "CASE WHEN ts_filter({name}.document, '{{a}}') @@ {tsquery} \
                         THEN 1 ELSE 0 END"
                    ),
                    [query.plain()],
                ))
                .expr(Expr::cust_with_values(
                    format!("CAST(ts_rank({name}.document, {tsquery}) AS double precision)"),
                    [query.plain()],
                ))
                .from(Alias::new(*name))
                .inner_join(
                    Alias::new(*table),
                    Expr::cust(format!("{table}.id = {name}.id")),
                )
                .and_where(Expr::cust_with_values(
                    format!("{name}.document @@ {tsquery}"),
                    [query.plain()],
                ));
        }
        other => {
            return Err(DbErr::Custom(format!(
                "full-text search is not available on {other:?}"
            )));
        }
    }
    select
        .cond_where(within)
        .order_by_expr(Expr::cust("2"), Order::Desc)
        .order_by_expr(Expr::cust("3"), Order::Desc)
        .order_by_expr(Expr::cust("1"), Order::Asc)
        .limit(limit);
    Ok(select)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_people_type_is_only_ever_a_bound_value() {
        let q = Query::parse("bus'); DROP TABLE event; --");
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let select = statement(
                backend,
                &crate::events::listings::SEARCH_INDEX,
                &q,
                Condition::all(),
                10,
            )
            .unwrap();
            let built = backend.build(&select);
            assert!(!built.sql.contains("bus") && !built.sql.contains("DROP"));
            let values = format!("{:?}", built.values);
            assert!(
                values.contains("bus") && values.contains("DROP"),
                "{values}"
            );
        }
    }

    #[test]
    fn words_are_letters_and_digits_and_nothing_else_reaches_the_query() {
        let q = Query::parse(r#"  "bus" NEAR(data* -x) col:umn O'Brien café 2026  "#);
        assert_eq!(
            q.words,
            [
                "bus", "NEAR", "data", "x", "col", "umn", "O", "Brien", "café", "2026"
            ]
        );
        assert_eq!(
            q.fts5(),
            r#""bus" "NEAR" "data" "x" "col" "umn" "O" "Brien" "café" "2026""#
        );
        assert_eq!(q.text, r#""bus" NEAR(data* -x) col:umn O'Brien café 2026"#);
        assert!(!q.shortened);
    }

    #[test]
    fn punctuation_alone_is_a_search_for_nothing_and_blank_is_no_search() {
        let q = Query::parse(r#"" * - : ' ( ) ^ +"#);
        assert!(!q.is_blank() && !q.has_words());
        assert!(Query::parse("   ").is_blank());
        // A lone combining accent is not a word.
        assert!(!Query::parse("\u{301}").has_words());
        // ...but accents written as combining marks stay in their word.
        assert_eq!(
            Query::parse("cafe\u{301} bar").words,
            ["cafe\u{301}", "bar"]
        );
    }

    #[test]
    fn snippets_mark_the_words_found_in_any_form_and_escape_the_rest() {
        let q = Query::parse("Meeting cafe");
        let html = snippet(
            "Notes <b>from</b> the meetings at the Café & the <script>alert(1)</script> bar",
            &q,
            200,
        );
        assert_eq!(
            html,
            "Notes &lt;b&gt;from&lt;/b&gt; the <mark>meetings</mark> at the <mark>Café</mark> \
             &amp; the &lt;script&gt;alert(1)&lt;/script&gt; bar"
        );
        // "bus" is not "business".
        assert!(!snippet("business rates", &Query::parse("bus"), 50).contains("<mark>"));
    }

    #[test]
    fn snippets_are_cut_around_the_first_match_at_word_edges() {
        let text = format!(
            "{} the bus timetable {}",
            "early ".repeat(50),
            "late ".repeat(50)
        );
        let html = snippet(&text, &Query::parse("timetables"), 60);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>timetable</mark>"), "{html}");
        let inner = html.trim_matches('…');
        assert!(
            inner.split(' ').all(|w| {
                w.is_empty() || w.contains("mark") || ["early", "late", "the", "bus"].contains(&w)
            }),
            "{html}"
        );
        assert!(
            inner.chars().count() <= 60 + "<mark></mark>".len(),
            "{html}"
        );
        // No match (the words were in the title): the text's opening.
        let html = snippet("Short text.", &Query::parse("other"), 60);
        assert_eq!(html, "Short text.");
    }

    #[test]
    fn long_searches_are_cut_at_the_limit() {
        let q = Query::parse(&"é".repeat(MAX_QUERY_CHARS + 50));
        assert!(q.shortened);
        assert_eq!(q.text.chars().count(), MAX_QUERY_CHARS);
        let q = Query::parse(&"a".repeat(MAX_QUERY_CHARS));
        assert!(!q.shortened);
        // A word the limit would cut in two is left out whole.
        let q = Query::parse(&format!("{} bus data", "x".repeat(MAX_QUERY_CHARS - 6)));
        assert!(q.shortened);
        assert_eq!(q.words.last().map(String::as_str), Some("bus"));
        assert!(q.text.ends_with(" bus"));
    }
}
