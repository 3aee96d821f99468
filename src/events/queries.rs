//! Reading events: by slug or id, with their tags, exceptions and waiting changes, the
//! author's own list and the moderation queue. Nothing here changes anything.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::event::{self, EventStatus};
use entity::event_revision::{self, RevisionStatus};
use entity::{event_exception, event_slug, event_tag};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::actor::Actor;
use crate::error::AppError;

pub enum Lookup<T = event::Model> {
    Found(Box<T>),
    /// The slug used to belong to this event, which now lives at another slug.
    Moved(String),
}

/// Series that have a date ending at or after `from`: those whose last date ends then or
/// later, and every open-ended series (no last date).
pub fn series_running_at_or_after(from: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(event::Column::SeriesEndsAt.gte(from))
        .add(
            sea_orm::Condition::all()
                .add(event::Column::Rrule.is_not_null())
                .add(event::Column::SeriesEndsAt.is_null()),
        )
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<Lookup>, sea_orm::DbErr> {
    if let Some(found) = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        return Ok(Some(Lookup::Found(Box::new(found))));
    }
    let Some(alias) = event_slug::Entity::find_by_id(slug.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(event::Entity::find_by_id(alias.event_id)
        .select_only()
        .column(event::Column::Slug)
        .into_tuple::<String>()
        .one(db)
        .await?
        .map(Lookup::Moved))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<event::Model, AppError> {
    event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The statuses of public events.
pub const PUBLIC: [EventStatus; 2] = [EventStatus::Published, EventStatus::Cancelled];

/// Databases limit bound parameters per statement (SQLite to 32,766): ids go in slices.
const IDS_PER_QUERY: usize = 5000;

/// These events, in no particular order (missing ids are skipped).
pub async fn events_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    let mut events = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        events.extend(
            event::Entity::find()
                .filter(event::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(events)
}

pub async fn tags_for(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, sea_orm::DbErr> {
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        for row in event_tag::Entity::find()
            .filter(event_tag::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_tag::Column::Tag)
            .all(db)
            .await?
        {
            map.entry(row.event_id).or_default().push(row.tag);
        }
    }
    Ok(map)
}

/// Each event's cancelled and moved dates, in date order.
pub async fn exceptions_for(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<event_exception::Model>>, sea_orm::DbErr> {
    let mut map: HashMap<i64, Vec<event_exception::Model>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        for row in event_exception::Entity::find()
            .filter(event_exception::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_exception::Column::OccurrenceStart)
            .all(db)
            .await?
        {
            map.entry(row.event_id).or_default().push(row);
        }
    }
    Ok(map)
}

/// One event's cancelled and moved dates, in date order (none for a one-off event, without
/// asking the database).
pub async fn exceptions_of(
    db: &impl ConnectionTrait,
    e: &entity::event::Model,
) -> Result<Vec<event_exception::Model>, sea_orm::DbErr> {
    if e.rrule.is_none() {
        return Ok(Vec::new());
    }
    Ok(exceptions_for(db, &[e.id])
        .await?
        .remove(&e.id)
        .unwrap_or_default())
}

/// Where one occurrence of a series really is: (start, end, cancelled, moved), after the
/// series' exceptions. Listings, event pages and feeds all read occurrences this way.
pub fn apply_exception(
    start: DateTime<Utc>,
    duration: Duration,
    exceptions: &[event_exception::Model],
) -> (DateTime<Utc>, DateTime<Utc>, bool, bool) {
    match exceptions.iter().find(|x| x.occurrence_start == start) {
        Some(x) if x.cancelled => (start, start + duration, true, false),
        Some(x) => {
            let moved_start = x.new_starts_at.unwrap_or(start);
            (
                moved_start,
                x.new_ends_at.unwrap_or(moved_start + duration),
                false,
                true,
            )
        }
        None => (start, start + duration, false, false),
    }
}

/// Whether one date of a series is postponed (its new date to follow).
pub fn is_postponed(start: DateTime<Utc>, exceptions: &[event_exception::Model]) -> bool {
    exceptions
        .iter()
        .any(|x| x.occurrence_start == start && x.postponed)
}

/// Which version of an event a form showed: its last change, and the change waiting for
/// review if there is one. A form that acts on the event carries it back; if the event has
/// changed since, the action is refused rather than applied to something nobody saw.
pub fn version_token(e: &event::Model, pending_revision: Option<i64>) -> String {
    format!(
        "{}/{}",
        e.updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        pending_revision.unwrap_or(0)
    )
}

/// The version of the event now, inside the transaction that is about to change it.
pub(crate) async fn current_version(
    txn: &impl ConnectionTrait,
    e: &event::Model,
) -> Result<String, sea_orm::DbErr> {
    let pending = if e.status.is_public() {
        pending_revision(txn, e.id).await?.map(|r| r.id)
    } else {
        None
    };
    Ok(version_token(e, pending))
}

pub async fn pending_revision(
    db: &impl ConnectionTrait,
    event_id: i64,
) -> Result<Option<event_revision::Model>, sea_orm::DbErr> {
    event_revision::Entity::find()
        .filter(event_revision::Column::EventId.eq(event_id))
        .filter(event_revision::Column::Status.eq(RevisionStatus::Pending))
        .order_by_desc(event_revision::Column::Id)
        .one(db)
        .await
}

/// Whether any public event carries this tag.
pub async fn tag_in_use(db: &impl ConnectionTrait, tag: &str) -> Result<bool, sea_orm::DbErr> {
    let found = event_tag::Entity::find()
        .filter(event_tag::Column::Tag.eq(tag))
        .filter(
            event_tag::Column::EventId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(event::Column::Id)
                    .from(event::Entity)
                    .and_where(event::Column::Status.is_in(PUBLIC))
                    .to_owned(),
            ),
        )
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Tags used by public events, for the feed list.
pub async fn public_tags(db: &impl ConnectionTrait) -> Result<Vec<String>, sea_orm::DbErr> {
    event_tag::Entity::find()
        .select_only()
        .column(event_tag::Column::Tag)
        .distinct()
        .filter(
            event_tag::Column::EventId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(event::Column::Id)
                    .from(event::Entity)
                    .and_where(event::Column::Status.is_in(PUBLIC))
                    .to_owned(),
            ),
        )
        .order_by_asc(event_tag::Column::Tag)
        .into_tuple::<String>()
        .all(db)
        .await
}

pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    event::Entity::find()
        .filter(event::Column::AuthorId.eq(actor.id))
        .order_by_desc(event::Column::UpdatedAt)
        .all(db)
        .await
}

pub struct Queue {
    pub submitted: Vec<event::Model>,
    pub revisions: Vec<(event_revision::Model, event::Model)>,
}

pub async fn moderation_queue(db: &impl ConnectionTrait) -> Result<Queue, sea_orm::DbErr> {
    let submitted = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Submitted))
        .order_by_asc(event::Column::SubmittedAt)
        .all(db)
        .await?;
    let revisions = event_revision::Entity::find()
        .filter(event_revision::Column::Status.eq(RevisionStatus::Pending))
        .order_by_asc(event_revision::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<i64> = revisions.iter().map(|r| r.event_id).collect();
    let events: HashMap<i64, event::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        event::Entity::find()
            .filter(event::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect()
    };
    Ok(Queue {
        submitted,
        revisions: revisions
            .into_iter()
            .filter_map(|r| events.get(&r.event_id).cloned().map(|e| (r, e)))
            .collect(),
    })
}

/// For the count beside "Moderation" in the admins' navigation.
pub async fn pending_count(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    let submitted = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Submitted))
        .count(db)
        .await?;
    let revisions = event_revision::Entity::find()
        .filter(event_revision::Column::Status.eq(RevisionStatus::Pending))
        .count(db)
        .await?;
    Ok(submitted + revisions)
}

/// Counted beside "Admin": new events and changes waiting for an admin.
pub struct ModerationCount;

impl crate::web::page::WaitingCount for ModerationCount {
    fn count<'a>(
        &'a self,
        db: &'a sea_orm::DatabaseConnection,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sea_orm::DbErr>> {
        Box::pin(pending_count(db))
    }

    fn label(&self) -> &'static str {
        "Events and changes waiting for approval"
    }

    fn href(&self) -> &'static str {
        "/admin/moderation"
    }
}
