//! The site's search page, `/search`: one box that finds events, published minutes and forum
//! threads and posts (each feature's own search: `events::listings::search`,
//! `meetings::search::search`, `forum::search::search`), ranked, with the words found marked
//! in titles and snippets. The first page shows the best events and minutes and pages
//! through the forum; `in=minutes` pages through the minutes alone.

use poem::handler;
use poem::web::{Html, Query};
use serde::{Deserialize, Serialize};

use crate::error::AppResult;
use crate::events::listings::{self, Filter};
use crate::events::views::EventCard;
use crate::forum;
use crate::meetings;
use crate::search;
use crate::web::PageCtx;
use crate::web::format;

/// Events shown on the search page; the rest are on `/events?q=`.
const EVENTS_SHOWN: u64 = 5;
/// Meetings' minutes shown beside the others; the rest are on `/search?in=minutes`.
const MINUTES_SHOWN: u64 = 5;
/// Forum threads, or meetings' minutes, a page.
const PER_PAGE: u64 = 20;

#[derive(Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u64>,
    /// `minutes`: only meetings' minutes, paged. Anything else: everything.
    #[serde(rename = "in")]
    scope: Option<String>,
}

#[derive(Serialize)]
struct MinutesView {
    title_html: String,
    href: String,
    when: String,
    /// "Item 3: <marked title>", when the snippet is from an item.
    item_number: Option<usize>,
    item_title_html: Option<String>,
    snippet_html: String,
    matching_items: usize,
    agreed: bool,
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
    /// Only the minutes are shown (`in=minutes`).
    minutes_only: bool,
    minutes: Vec<MinutesView>,
    minutes_total: usize,
    more_minutes_href: Option<String>,
    all_results_href: String,
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

/// What one search found, cached for everybody (every part is public).
struct Found {
    events: listings::Found,
    minutes: meetings::search::Found,
    threads: forum::search::Found,
}

#[handler]
pub async fn search_page(ctx: PageCtx, Query(q): Query<SearchQuery>) -> AppResult<Html<String>> {
    let state = ctx.state.clone();
    let tz = state.config.time_zone;
    let query = search::Query::parse(q.q.as_deref().unwrap_or_default());
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let minutes_only = q.scope.as_deref() == Some("minutes");
    let searching = !query.is_blank();
    let found = if searching {
        let now = state.clock.now();
        let key = format!("site-search:{:?}:{page}:{minutes_only}", query.text);
        let found = state
            .reads
            .get_or_load(key, async {
                let (minutes_page, minutes_per_page) = if minutes_only {
                    (page, PER_PAGE)
                } else {
                    (1, MINUTES_SHOWN)
                };
                // Every page counts each kind; the first lists the events.
                let events =
                    listings::search(&state.db, now, &Filter::default(), &query, 1, EVENTS_SHOWN)
                        .await?;
                let minutes =
                    meetings::search::search(&state.db, &query, minutes_page, minutes_per_page)
                        .await?;
                let threads = forum::search::search(
                    &state.db,
                    &query,
                    if minutes_only { 1 } else { page },
                    PER_PAGE,
                )
                .await?;
                Ok::<_, sea_orm::DbErr>(Found {
                    events,
                    minutes,
                    threads,
                })
            })
            .await?;
        Some(found)
    } else {
        None
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
    let first_page = page == 1 && !minutes_only;
    let link = |p: u64| {
        let p = p.to_string();
        if minutes_only {
            with_query(
                "/search",
                &[("q", &query.text), ("in", "minutes"), ("page", &p)],
            )
        } else {
            with_query("/search", &[("q", &query.text), ("page", &p)])
        }
    };
    let (events, events_total, minutes, threads) = match &found {
        Some(f) => (
            if first_page {
                f.events.listing.items.as_slice()
            } else {
                &[]
            },
            f.events.total,
            &f.minutes,
            &f.threads,
        ),
        None => (
            &[][..],
            0,
            &meetings::search::Found::default(),
            &forum::search::Found::default(),
        ),
    };
    let paged_has_next = if minutes_only {
        minutes.has_next
    } else {
        threads.has_next
    };
    let view = SearchView {
        query: query.text.clone(),
        searching,
        notes,
        events: events
            .iter()
            .map(|o| EventCard::from_occurrence(o, tz))
            .collect(),
        events_total,
        more_events_href: (events_total as u64 > EVENTS_SHOWN)
            .then(|| with_query("/events", &[("q", &query.text)])),
        minutes_only,
        minutes: if first_page || minutes_only {
            minutes
                .results
                .iter()
                .map(|r| MinutesView {
                    title_html: r.title_html.clone(),
                    href: r.href.clone(),
                    when: meetings::views::day(r.meeting.starts_at, tz),
                    item_number: r.item.as_ref().map(|(n, _)| *n),
                    item_title_html: r.item.as_ref().map(|(_, t)| t.clone()),
                    snippet_html: r.snippet_html.clone(),
                    matching_items: r.matching_items,
                    agreed: r.meeting.minutes_status == entity::meeting::MinutesStatus::Agreed,
                })
                .collect()
        } else {
            Vec::new()
        },
        minutes_total: minutes.total,
        more_minutes_href: (!minutes_only && minutes.total as u64 > MINUTES_SHOWN)
            .then(|| with_query("/search", &[("q", &query.text), ("in", "minutes")])),
        all_results_href: with_query("/search", &[("q", &query.text)]),
        threads: if minutes_only {
            Vec::new()
        } else {
            threads
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
                .collect()
        },
        threads_total: threads.total,
        page,
        previous_href: (page > 1).then(|| link(page - 1)),
        next_href: paged_has_next.then(|| link(page + 1)),
    };
    let minutes_count = format::counted(
        minutes.total,
        minutes.truncated,
        "meeting\u{2019}s minutes",
        "meetings\u{2019} minutes",
    );
    let title = if !searching {
        "Search".to_string()
    } else if minutes_only {
        format!("{minutes_count} for \u{201c}{}\u{201d}", query.text)
    } else {
        format!(
            "{}, {} and {} for \u{201c}{}\u{201d}",
            format::counted(
                events_total,
                events_total as u64 >= listings::MAX_RESULTS,
                "event",
                "events"
            ),
            minutes_count,
            format::counted(
                threads.total,
                threads.truncated,
                "forum thread",
                "forum threads"
            ),
            query.text
        )
    };
    ctx.render("search", &title, None, &view)
}
