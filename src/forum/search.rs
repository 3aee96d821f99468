//! Searching the forum: thread titles and post texts through `crate::search` (the indexes of
//! migration `m20261129_000019_forum_search`), one result per thread. Threads whose title
//! holds every word come first; then threads by their best-matching post. Each result
//! carries a snippet of that post (or of the opening post, for a title match) with the words
//! marked. Hidden threads and posts, and deleted posts, are never found.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{forum_category, forum_post, forum_thread};
use sea_orm::QuerySelect;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::forum::queries;
use crate::search::{self, Hit, Query};
use crate::web::markdown;

pub const THREAD_INDEX: search::Index = search::Index {
    name: "forum_thread_search",
    table: "forum_thread",
    fields: &[("title", 1.0)],
};

pub const POST_INDEX: search::Index = search::Index {
    name: "forum_post_search",
    table: "forum_post",
    fields: &[("body", 1.0)],
};

/// The most matches of each kind a search reads.
pub const MAX_RESULTS: u64 = 1000;

/// The length of a snippet, in characters.
const SNIPPET: usize = 220;

/// One thread found.
#[derive(Debug, Clone)]
pub struct ThreadResult {
    pub thread: forum_thread::Model,
    pub category: forum_category::Model,
    /// The title as HTML, the words found marked.
    pub title_html: String,
    /// The post the snippet is from: the best match, or the opening post.
    pub post_id: Option<i64>,
    pub snippet_html: String,
    /// How many of the thread's posts match.
    pub matching_posts: usize,
    pub last_post_at: DateTime<Utc>,
}

/// A page of results, and how many threads match in all.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub results: Vec<ThreadResult>,
    pub total: usize,
    pub has_next: bool,
    /// More matched than a search reads (`MAX_RESULTS` titles or posts): `total` is a floor.
    pub truncated: bool,
}

/// Where a thread goes in the results.
struct Rank {
    thread_id: i64,
    in_title: bool,
    score: f64,
    best_post: Option<i64>,
    matching_posts: usize,
}

pub async fn search(
    db: &impl ConnectionTrait,
    query: &Query,
    page: u64,
    per_page: u64,
) -> Result<Found, DbErr> {
    if !query.has_words() {
        return Ok(Found::default());
    }
    let visible_thread = Condition::all().add(forum_thread::Column::HiddenAt.is_null());
    let titles = search::matching(db, &THREAD_INDEX, query, visible_thread, MAX_RESULTS).await?;
    let standing_post = Condition::all()
        .add(forum_post::Column::HiddenAt.is_null())
        .add(forum_post::Column::DeletedAt.is_null())
        .add(Expr::cust(
            "forum_post.thread_id IN (SELECT id FROM forum_thread WHERE hidden_at IS NULL)",
        ));
    let posts = search::matching(db, &POST_INDEX, query, standing_post, MAX_RESULTS).await?;
    let truncated = titles.len() as u64 >= MAX_RESULTS || posts.len() as u64 >= MAX_RESULTS;
    let thread_of = threads_of(db, &posts).await?;

    // One rank per thread: its title's match, its best post (hits come best first).
    let mut ranks: Vec<Rank> = titles
        .iter()
        .map(|h| Rank {
            thread_id: h.id,
            in_title: true,
            score: h.score,
            best_post: None,
            matching_posts: 0,
        })
        .collect();
    let mut at: HashMap<i64, usize> = ranks
        .iter()
        .enumerate()
        .map(|(i, r)| (r.thread_id, i))
        .collect();
    for hit in &posts {
        let Some(&thread_id) = thread_of.get(&hit.id) else {
            continue;
        };
        let i = *at.entry(thread_id).or_insert_with(|| {
            ranks.push(Rank {
                thread_id,
                in_title: false,
                score: hit.score,
                best_post: None,
                matching_posts: 0,
            });
            ranks.len() - 1
        });
        let rank = &mut ranks[i];
        rank.best_post.get_or_insert(hit.id);
        rank.matching_posts += 1;
    }
    ranks.sort_by(|a, b| {
        b.in_title
            .cmp(&a.in_title)
            .then(b.score.total_cmp(&a.score))
            .then(b.matching_posts.cmp(&a.matching_posts))
            .then(b.thread_id.cmp(&a.thread_id))
    });
    let total = ranks.len();
    let skip = ((page.max(1) - 1) * per_page) as usize;
    let has_next = total > skip + per_page as usize;
    let shown: Vec<&Rank> = ranks.iter().skip(skip).take(per_page as usize).collect();
    if shown.is_empty() {
        return Ok(Found {
            results: Vec::new(),
            total,
            has_next,
            truncated,
        });
    }

    let ids: Vec<i64> = shown.iter().map(|r| r.thread_id).collect();
    let mut threads = queries::threads_by_ids(db, ids.iter().copied()).await?;
    let categories: HashMap<i64, forum_category::Model> = forum_category::Entity::find()
        .filter(forum_category::Column::Id.is_in(threads.values().map(|t| t.category_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    // The snippet's post: the best match, or for a title match alone the opening post.
    let openers = queries::end_posts(
        db,
        &shown
            .iter()
            .filter(|r| r.best_post.is_none())
            .map(|r| r.thread_id)
            .collect::<Vec<_>>(),
        queries::End::First,
    )
    .await?;
    let wanted: Vec<i64> = shown
        .iter()
        .filter_map(|r| r.best_post.or_else(|| openers.get(&r.thread_id).copied()))
        .collect();
    let bodies: HashMap<i64, String> = forum_post::Entity::find()
        .select_only()
        .columns([forum_post::Column::Id, forum_post::Column::Body])
        .filter(forum_post::Column::Id.is_in(wanted))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();

    let mut results = Vec::with_capacity(shown.len());
    for rank in shown {
        // Removed or hidden since the search: skipped.
        let Some(thread) = threads
            .remove(&rank.thread_id)
            .filter(|t| t.hidden_at.is_none())
        else {
            continue;
        };
        let Some(category) = categories.get(&thread.category_id).cloned() else {
            continue;
        };
        let post_id = rank
            .best_post
            .or_else(|| openers.get(&rank.thread_id).copied());
        let text = post_id
            .and_then(|id| bodies.get(&id))
            .map(|body| markdown::to_plain_text(body))
            .unwrap_or_default();
        results.push(ThreadResult {
            title_html: search::snippet(&thread.title, query, 500),
            snippet_html: search::snippet(&text, query, SNIPPET),
            post_id,
            matching_posts: rank.matching_posts,
            last_post_at: thread.last_post_at,
            thread,
            category,
        });
    }
    Ok(Found {
        results,
        total,
        has_next,
        truncated,
    })
}

/// The thread of each matching post, in one query.
async fn threads_of(db: &impl ConnectionTrait, posts: &[Hit]) -> Result<HashMap<i64, i64>, DbErr> {
    if posts.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = forum_post::Entity::find()
        .select_only()
        .columns([forum_post::Column::Id, forum_post::Column::ThreadId])
        .filter(forum_post::Column::Id.is_in(posts.iter().map(|h| h.id)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
