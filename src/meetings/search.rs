//! Searching published minutes: agenda items (title, minutes, amendments) and meetings
//! (title, general notes, amendments) through `crate::search` (the indexes of migration
//! `m20261129_000022_minutes_search`), one result per meeting. Only minutes everyone may
//! read are found: published or agreed, never drafts, so one search serves every visitor.
//! Meetings whose title, or one of whose items' titles, holds every word come first; then by
//! relevance. Each result carries a snippet of its best-matching item (or, when only the
//! meeting's own text matches, of the general notes and amendments) with the words marked, and leads to that item on the meeting's page.

use std::collections::HashMap;

use entity::meeting::{self, MinutesStatus};
use entity::{agenda_item, minutes_amendment};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use sea_orm::{QueryOrder, QuerySelect};

use crate::search::{self, Hit, Query};
use crate::web::markdown;

pub const ITEM_INDEX: search::Index = search::Index {
    name: "agenda_item_search",
    table: "agenda_item",
    fields: &[("title", 4.0), ("minutes", 1.0), ("amendments", 1.0)],
};

pub const MEETING_INDEX: search::Index = search::Index {
    name: "meeting_minutes_search",
    table: "meeting",
    fields: &[("title", 4.0), ("notes", 1.0), ("amendments", 1.0)],
};

/// The most matches of each kind a search reads.
pub const MAX_RESULTS: u64 = 1000;

/// The length of a snippet, in characters.
const SNIPPET: usize = 220;

/// The states of minutes that everyone may read (`policy::can_see_minutes`).
const PUBLIC: [MinutesStatus; 2] = [MinutesStatus::Published, MinutesStatus::Agreed];

/// One meeting whose minutes match.
#[derive(Debug, Clone)]
pub struct MinutesResult {
    pub meeting: meeting::Model,
    /// The meeting's title as HTML, the words found marked.
    pub title_html: String,
    /// The item the snippet is from, numbered as on the meeting's page, its title marked.
    pub item: Option<(usize, String)>,
    /// The meeting's page, at that item when there is one.
    pub href: String,
    pub snippet_html: String,
    /// How many of the meeting's items match.
    pub matching_items: usize,
}

/// A page of results, and how many meetings match in all.
#[derive(Debug, Clone, Default)]
pub struct Found {
    pub results: Vec<MinutesResult>,
    pub total: usize,
    pub has_next: bool,
    /// More matched than a search reads: `total` is a floor.
    pub truncated: bool,
}

/// Where a meeting goes in the results, and what its snippet shows.
struct Rank {
    meeting_id: i64,
    in_title: bool,
    score: f64,
    /// The best-matching item; without one, the snippet is of the general notes.
    best_item: Option<i64>,
    matching_items: usize,
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
    let public = || {
        PUBLIC
            .iter()
            .map(|s| format!("'{}'", status_value(*s)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let readable_meeting = Condition::all().add(meeting::Column::MinutesStatus.is_in(PUBLIC));
    let meetings =
        search::matching(db, &MEETING_INDEX, query, readable_meeting, MAX_RESULTS).await?;
    let readable_item = Condition::all().add(Expr::cust(format!(
        "agenda_item.meeting_id IN (SELECT id FROM meeting WHERE minutes_status IN ({}))",
        public()
    )));
    let items = search::matching(db, &ITEM_INDEX, query, readable_item, MAX_RESULTS).await?;
    let truncated = meetings.len() as u64 >= MAX_RESULTS || items.len() as u64 >= MAX_RESULTS;
    let meeting_of = meetings_of(db, &items).await?;

    // One rank per meeting: its own match, and its items' (hits come best first).
    let mut ranks: Vec<Rank> = meetings
        .iter()
        .map(|h| Rank {
            meeting_id: h.id,
            in_title: h.in_title,
            score: h.score,
            best_item: None,
            matching_items: 0,
        })
        .collect();
    let mut at: HashMap<i64, usize> = ranks
        .iter()
        .enumerate()
        .map(|(i, r)| (r.meeting_id, i))
        .collect();
    for hit in &items {
        let Some(&meeting_id) = meeting_of.get(&hit.id) else {
            continue;
        };
        let i = *at.entry(meeting_id).or_insert_with(|| {
            ranks.push(Rank {
                meeting_id,
                in_title: false,
                score: f64::NEG_INFINITY,
                best_item: None,
                matching_items: 0,
            });
            ranks.len() - 1
        });
        let rank = &mut ranks[i];
        rank.matching_items += 1;
        rank.best_item.get_or_insert(hit.id);
        rank.in_title |= hit.in_title;
        rank.score = rank.score.max(hit.score);
    }
    ranks.sort_by(|a, b| {
        b.in_title
            .cmp(&a.in_title)
            .then(b.score.total_cmp(&a.score))
            .then(b.matching_items.cmp(&a.matching_items))
            .then(b.meeting_id.cmp(&a.meeting_id))
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

    let ids: Vec<i64> = shown.iter().map(|r| r.meeting_id).collect();
    let mut found_meetings: HashMap<i64, meeting::Model> = meeting::Entity::find()
        .filter(meeting::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // Every item of these meetings, in the page's order, to number them as the page does.
    let all_items = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.is_in(ids.iter().copied()))
        .order_by_asc(agenda_item::Column::MeetingId)
        .order_by_asc(agenda_item::Column::Position)
        .order_by_asc(agenda_item::Column::Id)
        .all(db)
        .await?;
    let mut numbered: HashMap<i64, (usize, &agenda_item::Model)> = HashMap::new();
    let mut last_meeting = None;
    let mut n = 0;
    for item in &all_items {
        if last_meeting != Some(item.meeting_id) {
            last_meeting = Some(item.meeting_id);
            n = 0;
        }
        n += 1;
        numbered.insert(item.id, (n, item));
    }
    let amendments = minutes_amendment::Entity::find()
        .filter(minutes_amendment::Column::MeetingId.is_in(ids.iter().copied()))
        .order_by_asc(minutes_amendment::Column::At)
        .order_by_asc(minutes_amendment::Column::Id)
        .all(db)
        .await?;
    let amended = |meeting_id: i64, item: Option<i64>| -> String {
        amendments
            .iter()
            .filter(|a| a.meeting_id == meeting_id && (item.is_none() || a.agenda_item_id == item))
            .map(|a| markdown::to_plain_text(&a.text))
            .collect::<Vec<_>>()
            .join("\n")
    };

    let mut results = Vec::with_capacity(shown.len());
    for rank in shown {
        // Removed, or its minutes taken back, since the search: skipped.
        let Some(m) = found_meetings
            .remove(&rank.meeting_id)
            .filter(|m| PUBLIC.contains(&m.minutes_status))
        else {
            continue;
        };
        let page_href = crate::meetings::views::href(&m);
        let best = rank.best_item.and_then(|id| numbered.get(&id)).copied();
        let (item, href, text) = match best {
            Some((number, item)) => {
                let text = [
                    markdown::to_plain_text(item.minutes.as_deref().unwrap_or_default()),
                    amended(m.id, Some(item.id)),
                ]
                .join("\n");
                (
                    Some((number, search::snippet(&item.title, query, 500))),
                    format!("{page_href}#item-{number}"),
                    text,
                )
            }
            None => {
                let text = [
                    markdown::to_plain_text(m.minutes_notes.as_deref().unwrap_or_default()),
                    amended(m.id, None),
                ]
                .join("\n");
                (None, format!("{page_href}#minutes"), text)
            }
        };
        results.push(MinutesResult {
            title_html: search::snippet(&m.title, query, 500),
            item,
            href,
            snippet_html: search::snippet(text.trim(), query, SNIPPET),
            matching_items: rank.matching_items,
            meeting: m,
        });
    }
    Ok(Found {
        results,
        total,
        has_next,
        truncated,
    })
}

/// The value a minutes state has in the database.
fn status_value(status: MinutesStatus) -> String {
    use sea_orm::ActiveEnum;
    status.to_value()
}

/// The meeting of each matching item, in one query.
async fn meetings_of(db: &impl ConnectionTrait, items: &[Hit]) -> Result<HashMap<i64, i64>, DbErr> {
    if items.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = agenda_item::Entity::find()
        .select_only()
        .columns([agenda_item::Column::Id, agenda_item::Column::MeetingId])
        .filter(agenda_item::Column::Id.is_in(items.iter().map(|h| h.id)))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}
