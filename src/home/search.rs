//! The site's search page, `/search`: one box that finds events and forum threads and posts
//! (each feature's own search: `events::listings::search`, `forum::search::search`), ranked,
//! with the words found marked in titles and snippets.

use poem::handler;
use poem::web::{Html, Query};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::events::listings::{self, Filter};
use crate::events::views::EventCard;
use crate::forum;
use crate::search;
use crate::web::PageCtx;
use crate::web::format;

/// Events shown on the search page; the rest are on `/events?q=`.
const EVENTS_SHOWN: u64 = 5;
/// Forum threads a page.
const THREADS_PER_PAGE: u64 = 20;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u64>,
}

#[derive(Serialize)]
struct ThreadView {
    title_html: String,
    href: String,
    category: String,
    category_href: String,
    snippet_html: String,
    matching_posts: usize,
    last_post: String,
    last_post_iso: String,
}

#[derive(Serialize)]
struct SearchView {
    query: String,
    searching: bool,
    notes: Vec<String>,
    events: Vec<EventCard>,
    events_total: usize,
    more_events_href: Option<String>,
    threads: Vec<ThreadView>,
    threads_total: usize,
    page: u64,
    previous_href: Option<String>,
    next_href: Option<String>,
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        encoded.append_pair(k, v);
    }
    format!("{base}?{}", encoded.finish())
}

/// "1 event", "12 events", or "1000 or more events" when the search stopped counting.
fn counted(n: usize, more: bool, one: &str, many: &str) -> String {
    match n {
        n if more => format!("{n} or more {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

#[handler]
pub async fn search_page(ctx: PageCtx, Query(q): Query<SearchQuery>) -> AppResult<Html<String>> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let query = search::Query::parse(q.q.as_deref().unwrap_or_default());
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let searching = !query.is_blank();
    let (events, threads) = if searching {
        let now = state.clock.now();
        let found = state
            .reads
            .get_or_load(format!("site-search:{:?}:{page}", query.text), async {
                // Every page counts the events; the first lists them.
                let events =
                    listings::search(&state.db, now, &Filter::default(), &query, 1, EVENTS_SHOWN)
                        .await?;
                let threads =
                    forum::search::search(&state.db, &query, page, THREADS_PER_PAGE).await?;
                Ok::<_, sea_orm::DbErr>((events, threads))
            })
            .await?;
        let events = &found.0;
        let shown = if page == 1 {
            events.listing.items.clone()
        } else {
            Vec::new()
        };
        ((shown, events.total), found.1.clone())
    } else {
        ((Vec::new(), 0), forum::search::Found::default())
    };

    let mut notes = Vec::new();
    if query.shortened {
        notes.push(format!(
            "Searches can be up to {} characters long: only the first {} of yours were used.",
            search::MAX_QUERY_CHARS,
            search::MAX_QUERY_CHARS
        ));
    }
    if searching && !query.has_words() {
        notes.push("Search looks for words: punctuation on its own matches nothing.".into());
    }
    let (event_items, events_total) = events;
    let link = |p: u64| {
        let p = p.to_string();
        with_query("/search", &[("q", &query.text), ("page", &p)])
    };
    let view = SearchView {
        query: query.text.clone(),
        searching,
        notes,
        events: event_items
            .iter()
            .map(|o| EventCard::from_occurrence(o, tz))
            .collect(),
        events_total,
        more_events_href: (events_total as u64 > EVENTS_SHOWN)
            .then(|| with_query("/events", &[("q", &query.text)])),
        threads: threads
            .results
            .iter()
            .map(|r| ThreadView {
                title_html: r.title_html.clone(),
                href: r.post_id.map_or_else(
                    || forum::routes::thread_href(&r.category, &r.thread),
                    |id| format!("/forum/posts/{id}"),
                ),
                category: r.category.name.clone(),
                category_href: format!("/forum/{}", r.category.slug),
                snippet_html: r.snippet_html.clone(),
                matching_posts: r.matching_posts,
                last_post: format::date_time(r.last_post_at, tz),
                last_post_iso: format::iso(r.last_post_at),
            })
            .collect(),
        threads_total: threads.total,
        page,
        previous_href: (page > 1).then(|| link(page - 1)),
        next_href: threads.has_next.then(|| link(page + 1)),
    };
    let title = if searching {
        format!(
            "{} and {} for \u{201c}{}\u{201d}",
            counted(
                events_total,
                events_total as u64 >= listings::MAX_RESULTS,
                "event",
                "events"
            ),
            counted(
                threads.total,
                threads.truncated,
                "forum thread",
                "forum threads"
            ),
            query.text
        )
    } else {
        "Search".to_string()
    };
    ctx.render("search", &title, None, &view)
}
