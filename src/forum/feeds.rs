//! Atom feeds (RFC 4287) of new threads: the whole forum's at `/forum/feed.atom` and each
//! category's at `/forum/{category}/feed.atom`. An entry is a thread: its title, its author,
//! when it was started, and its opening post as sanitised HTML. Hidden threads and hidden or
//! deleted opening posts never appear. Written with `atom_syndication`, which escapes text.

use std::collections::HashMap;

use atom_syndication::{Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text};
use chrono::{DateTime, Utc};
use entity::{forum_category, forum_post, forum_thread};
use poem::http::header;
use poem::web::{Data, Path};
use poem::{Response, handler};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};
use crate::forum::queries;
use crate::forum::routes::{category_href, thread_href};
use crate::state::AppState;

/// How many of the newest threads a feed carries.
pub const FEED_ENTRIES: u64 = 50;

fn fixed(at: DateTime<Utc>) -> FixedDateTime {
    use chrono::SubsecRound;
    at.trunc_subsecs(0).fixed_offset()
}

fn link(href: String, rel: &str, mime: Option<&str>) -> Link {
    let mut l = Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_string));
    l
}

async fn build(state: &AppState, category: Option<&forum_category::Model>) -> AppResult<Feed> {
    let base = state
        .config
        .base_url
        .as_str()
        .trim_end_matches('/')
        .to_string();
    let mut q = forum_thread::Entity::find().filter(forum_thread::Column::HiddenAt.is_null());
    if let Some(c) = category {
        q = q.filter(forum_thread::Column::CategoryId.eq(c.id));
    }
    let threads = q
        .order_by_desc(forum_thread::Column::CreatedAt)
        .order_by_desc(forum_thread::Column::Id)
        .limit(FEED_ENTRIES)
        .all(&state.db)
        .await?;
    let ids: Vec<i64> = threads.iter().map(|t| t.id).collect();
    // Each thread's opening post: its first by id.
    let mut openings: HashMap<i64, forum_post::Model> = HashMap::new();
    if !ids.is_empty() {
        for p in forum_post::Entity::find()
            .filter(forum_post::Column::ThreadId.is_in(ids.iter().copied()))
            .filter(
                forum_post::Column::Id.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .expr(forum_post::Column::Id.min())
                        .from(forum_post::Entity)
                        .and_where(forum_post::Column::ThreadId.is_in(ids.iter().copied()))
                        .group_by_col(forum_post::Column::ThreadId)
                        .to_owned(),
                ),
            )
            .all(&state.db)
            .await?
        {
            openings.insert(p.thread_id, p);
        }
    }
    let categories: HashMap<i64, forum_category::Model> = queries::categories(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let names = queries::names(&state.db, threads.iter().filter_map(|t| t.author_id)).await?;

    let mut entries = Vec::with_capacity(threads.len());
    for t in &threads {
        let Some(c) = categories.get(&t.category_id) else {
            continue;
        };
        let url = format!("{base}{}", thread_href(c, t));
        let opening = openings.get(&t.id);
        let mut entry = Entry::default();
        // The thread's permanent address (its readable one changes with its title).
        entry.set_id(format!("{base}/forum/threads/{}", t.id));
        entry.set_title(Text::plain(t.title.clone()));
        entry.set_published(Some(fixed(t.created_at)));
        entry.set_updated(fixed(
            opening.and_then(|p| p.edited_at).unwrap_or(t.created_at),
        ));
        let mut author = Person::default();
        author.set_name(
            t.author_id
                .and_then(|id| names.get(&id).cloned())
                .unwrap_or_else(|| "A former member".into()),
        );
        entry.set_authors(vec![author]);
        entry.set_links(vec![link(url, "alternate", Some("text/html"))]);
        let mut category_term = atom_syndication::Category::default();
        category_term.set_term(c.slug.clone());
        category_term.set_label(Some(c.name.clone()));
        entry.set_categories(vec![category_term]);
        if let Some(p) = opening.filter(|p| p.deleted_at.is_none() && p.hidden_at.is_none()) {
            let mut content = Content::default();
            content.set_content_type(Some("html".to_string()));
            content.set_value(Some(p.body_html.clone()));
            entry.set_content(Some(content));
        }
        entries.push(entry);
    }

    let (title, self_path, page_path, id) = match category {
        Some(c) => (
            format!("{}: {}", state.config.site_name, c.name),
            format!("{}/feed.atom", category_href(c)),
            category_href(c),
            format!("{base}{}", category_href(c)),
        ),
        None => (
            format!("{}: forum", state.config.site_name),
            "/forum/feed.atom".to_string(),
            "/forum".to_string(),
            format!("{base}/forum"),
        ),
    };
    let mut feed = Feed::default();
    feed.set_title(Text::plain(title));
    feed.set_id(id);
    feed.set_subtitle(Some(Text::plain("New threads")));
    let updated = threads
        .iter()
        .map(|t| t.created_at)
        .chain(openings.values().filter_map(|p| p.edited_at))
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    feed.set_updated(fixed(updated));
    feed.set_links(vec![
        link(
            format!("{base}{self_path}"),
            "self",
            Some("application/atom+xml"),
        ),
        link(format!("{base}{page_path}"), "alternate", Some("text/html")),
    ]);
    let mut generator = Generator::default();
    generator.set_value("Convene");
    feed.set_generator(Some(generator));
    feed.set_entries(entries);
    Ok(feed)
}

/// The feed as XML, made once per change of the forum (`AppState::reads`, cleared by every
/// write) however many feed readers ask.
async fn written(state: &AppState, category: Option<&forum_category::Model>) -> AppResult<Vec<u8>> {
    let key = format!("forum-feed:{}", category.map_or("", |c| c.slug.as_str()));
    let body = state
        .reads
        .get_or_load(key, async {
            let feed = build(state, category).await?;
            let mut body = Vec::new();
            feed.write_to(&mut body)
                .map_err(|e| AppError::Internal(format!("writing an Atom feed: {e}")))?;
            Ok::<_, AppError>(body)
        })
        .await?;
    Ok(body.as_ref().clone())
}

fn respond(body: Vec<u8>) -> AppResult<Response> {
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")
        .header(header::CACHE_CONTROL, "public, max-age=300")
        .header("Access-Control-Allow-Origin", "*")
        .body(body))
}

#[handler]
pub async fn forum_feed(state: Data<&AppState>) -> AppResult<Response> {
    respond(written(&state, None).await?)
}

#[handler]
pub async fn category_feed(
    state: Data<&AppState>,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let category = queries::category(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    respond(written(&state, Some(&category)).await?)
}
