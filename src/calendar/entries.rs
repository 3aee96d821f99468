//! Feed entries: each event's VEVENT text, rendered once per change and kept in the
//! `event_feed_entry` table, so that building a feed is reading stored text in order instead
//! of rendering every event again.
//!
//! An entry is valid for the event's `updated_at` it was rendered from and for one renderer
//! (see [`render_key`]). Nothing has to remember to refresh entries when an event changes:
//! every change moves `updated_at` (the feed cache's fingerprint relies on that too), and
//! feeds render again whatever is missing or outdated before they read the rest.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{event, event_feed_entry};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};
use sha2::{Digest, Sha256};

use crate::calendar::ics::{self, Entry, FeedEvent};
use crate::config::Config;
use crate::db::begin_write;
use crate::events::service;

/// Bump when the VEVENT text changes in a way the release number would not show (it always
/// does between releases, which are part of the key anyway).
const FORMAT: u32 = 1;

/// Entries bound per upsert statement (7 columns each, far below any parameter limit).
const ENTRIES_PER_WRITE: usize = 500;

/// Which renderer made an entry: the format, this release and the site's address (entries
/// hold absolute links to event pages). Entries with another key are rendered again.
pub fn render_key(config: &Config) -> i64 {
    let digest = Sha256::new()
        .chain_update(FORMAT.to_be_bytes())
        .chain_update(env!("CARGO_PKG_VERSION"))
        .chain_update([0])
        .chain_update(config.base_url.as_str().as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first)
}

/// Among the events matching `scope`, those whose entry is missing or outdated.
pub async fn stale(
    db: &DatabaseConnection,
    scope: Condition,
    key: i64,
) -> Result<Vec<i64>, sea_orm::DbErr> {
    event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .join(JoinType::LeftJoin, event_feed_entry::Relation::Event.def().rev())
        .filter(scope)
        .filter(
            Condition::any()
                .add(event_feed_entry::Column::EventId.is_null())
                .add(event_feed_entry::Column::RenderKey.ne(key))
                .add(
                    Expr::col((
                        event_feed_entry::Entity,
                        event_feed_entry::Column::RenderedFor,
                    ))
                    .ne(Expr::col((event::Entity, event::Column::UpdatedAt))),
                ),
        )
        .into_tuple()
        .all(db)
        .await
}

/// Renders the entries of these events now and stores them for the next build. The rendered
/// text is returned whether or not storing it worked: a failed write only costs the next
/// build the same work again, so it is logged rather than failing the feed.
pub async fn refresh(
    db: &DatabaseConnection,
    config: &Config,
    ids: &[i64],
) -> Result<HashMap<i64, Entry>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let events = service::events_by_ids(db, ids).await?;
    let tags = service::tags_for(db, ids).await?;
    let exceptions = service::exceptions_for(db, ids).await?;
    let (no_tags, no_exceptions) = (Vec::new(), Vec::new());
    let rendered: HashMap<i64, (DateTime<Utc>, Entry)> = events
        .iter()
        .map(|e| {
            let entry = ics::entry(&FeedEvent {
                event: e,
                tags: tags.get(&e.id).unwrap_or(&no_tags),
                exceptions: exceptions.get(&e.id).unwrap_or(&no_exceptions),
                url: config.absolute_url(&format!("/events/{}", e.slug)),
            });
            (e.id, (e.updated_at, entry))
        })
        .collect();
    if let Err(err) = store(db, render_key(config), &rendered).await {
        tracing::warn!(error = %err, entries = rendered.len(), "could not store feed entries");
    }
    Ok(rendered
        .into_iter()
        .map(|(id, (_, entry))| (id, entry))
        .collect())
}

async fn store(
    db: &DatabaseConnection,
    key: i64,
    rendered: &HashMap<i64, (DateTime<Utc>, Entry)>,
) -> Result<(), sea_orm::DbErr> {
    let rows: Vec<event_feed_entry::ActiveModel> = rendered
        .iter()
        .map(|(id, (updated_at, entry))| event_feed_entry::ActiveModel {
            event_id: sea_orm::Set(*id),
            rendered_for: sea_orm::Set(*updated_at),
            render_key: sea_orm::Set(key),
            vevents: sea_orm::Set(entry.vevents.clone()),
            zone: sea_orm::Set(entry.zone.as_ref().map(|z| z.name.clone())),
            zone_from: sea_orm::Set(entry.zone.as_ref().map_or(0, |z| z.from)),
            zone_to: sea_orm::Set(entry.zone.as_ref().map_or(0, |z| z.to)),
        })
        .collect();
    let txn = begin_write(db).await?;
    for chunk in rows.chunks(ENTRIES_PER_WRITE) {
        event_feed_entry::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::column(event_feed_entry::Column::EventId)
                    .update_columns([
                        event_feed_entry::Column::RenderedFor,
                        event_feed_entry::Column::RenderKey,
                        event_feed_entry::Column::Vevents,
                        event_feed_entry::Column::Zone,
                        event_feed_entry::Column::ZoneFrom,
                        event_feed_entry::Column::ZoneTo,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await
}
