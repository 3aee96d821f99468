//! Feed entries: each event's VEVENT text, rendered once per change and kept in the
//! `event_feed_entry` table, so that building a feed is reading stored text in order instead
//! of rendering every event again.
//!
//! An entry is valid for the event's `updated_at` it was rendered from and for one renderer
//! (see [`render_key`]). Nothing has to remember to refresh entries when an event changes:
//! every change moves `updated_at` (the feed cache's fingerprint relies on that too), and a
//! feed build renders and stores whatever is missing or outdated before the database joins
//! the entries.

use entity::{event, event_feed_entry};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, SimpleExpr};
use sea_orm::{DatabaseConnection, EntityTrait, Set};
use sha2::{Digest, Sha256};

use crate::calendar::ics::{self, FeedEvent};
use crate::config::Config;
use crate::db::begin_write;
use crate::events::queries;

/// Bump when the VEVENT text changes in a way the release number would not show (it always
/// does between releases, which are part of the key anyway).
/// 2: values escaped by `ics::escape`, repeat rules re-written from their parsed form, and the
/// address's lines kept in LOCATION (every stored entry is rendered again after an upgrade).
/// 3: postponed events and dates (TENTATIVE, "Postponed: "), moved events, the reasons for
/// cancelled dates in a series' description, all-day series ending on a DATE, lines folded
/// to 75 octets.
const FORMAT: u32 = 3;

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

/// Whether the joined entry is valid for its event: true, false, or NULL when there is none.
pub fn valid(key: i64) -> SimpleExpr {
    Expr::col((
        event_feed_entry::Entity,
        event_feed_entry::Column::RenderKey,
    ))
    .eq(key)
    .and(
        Expr::col((
            event_feed_entry::Entity,
            event_feed_entry::Column::RenderedFor,
        ))
        .eq(Expr::col((event::Entity, event::Column::UpdatedAt))),
    )
}

/// Renders the entries of these events now and stores them; returns how many it stored
/// (ids of events deleted meanwhile are skipped).
pub async fn refresh(
    db: &DatabaseConnection,
    config: &Config,
    ids: &[i64],
) -> Result<usize, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(0);
    }
    let events = queries::events_by_ids(db, ids).await?;
    let tags = queries::tags_for(db, ids).await?;
    let exceptions = queries::exceptions_for(db, ids).await?;
    let (no_tags, no_exceptions) = (Vec::new(), Vec::new());
    let rows: Vec<event_feed_entry::ActiveModel> = events
        .iter()
        .map(|e| {
            let entry = ics::entry(&FeedEvent {
                event: e,
                tags: tags.get(&e.id).unwrap_or(&no_tags),
                exceptions: exceptions.get(&e.id).unwrap_or(&no_exceptions),
                url: config.absolute_url(&format!("/events/{}", e.slug)),
            });
            let zone = entry.zone;
            event_feed_entry::ActiveModel {
                event_id: Set(e.id),
                rendered_for: Set(e.updated_at),
                render_key: Set(render_key(config)),
                vevents: Set(entry.vevents),
                zone_from: Set(zone.as_ref().map(|z| z.from)),
                zone_to: Set(zone.as_ref().map(|z| z.to)),
                zone: Set(zone.map(|z| z.name)),
            }
        })
        .collect();
    store(db, &rows).await?;
    Ok(rows.len())
}

async fn store(
    db: &DatabaseConnection,
    rows: &[event_feed_entry::ActiveModel],
) -> Result<(), sea_orm::DbErr> {
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
