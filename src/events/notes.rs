//! An event's history of notes between its author and the admins: the author's note with each
//! submission or change, the admins' reasons with each decision. Notes are only ever added,
//! in the transaction of the change they came with, so none replaces another.

use chrono::{DateTime, Utc};
use entity::event_note::{self, NoteKind};
use entity::user;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// One note, with its writer's name as it is now.
pub struct Note {
    pub kind: NoteKind,
    pub by: String,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// Adds the author's note sent with a submission or a change, unless it only repeats their
/// latest one (a draft saved twice with the same note).
pub async fn add_author_note(
    db: &impl ConnectionTrait,
    event_id: i64,
    author_id: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(body) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    let latest: Option<String> = event_note::Entity::find()
        .select_only()
        .column(event_note::Column::Body)
        .filter(event_note::Column::EventId.eq(event_id))
        .filter(event_note::Column::Kind.eq(NoteKind::Author))
        .order_by_desc(event_note::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    if latest.as_deref() == Some(body) {
        return Ok(());
    }
    add(db, event_id, author_id, NoteKind::Author, body, now).await
}

/// Adds an admin's reason for a decision (rejecting, asking for changes).
pub async fn add_review_note(
    db: &impl ConnectionTrait,
    event_id: i64,
    admin_id: i64,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(body) => add(db, event_id, admin_id, NoteKind::Review, body, now).await,
        None => Ok(()),
    }
}

async fn add(
    db: &impl ConnectionTrait,
    event_id: i64,
    author_id: i64,
    kind: NoteKind,
    body: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    event_note::ActiveModel {
        event_id: Set(event_id),
        author_id: Set(author_id),
        kind: Set(kind),
        body: Set(body.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// An event's notes, oldest first, with their writers' names (two queries).
pub async fn for_event(db: &impl ConnectionTrait, event_id: i64) -> Result<Vec<Note>, DbErr> {
    let notes = event_note::Entity::find()
        .filter(event_note::Column::EventId.eq(event_id))
        .order_by_asc(event_note::Column::Id)
        .all(db)
        .await?;
    let mut ids: Vec<i64> = notes.iter().map(|n| n.author_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names: std::collections::HashMap<i64, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::DisplayName)
        .filter(user::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(notes
        .into_iter()
        .map(|n| Note {
            kind: n.kind,
            by: names.get(&n.author_id).cloned().unwrap_or_default(),
            body: n.body,
            at: n.created_at,
        })
        .collect())
}
