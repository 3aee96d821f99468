//! Uploading, listing, downloading and deleting files.
//!
//! An upload streams from the request to a temporary object in the store, hashed (SHA-256)
//! and counted as it goes, never held whole in memory. Only once it is complete, within the
//! size limit and its content agrees with an allowed type and its extension is it moved to its
//! content address, and its row written (one transaction, with the audit entry). Anything
//! short of that (a refused type, a file over the limit, a client that goes away) drops the
//! temporary, which removes it.

use chrono::{DateTime, Utc};
use entity::stored_file;
use poem::web::Multipart;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;
use crate::files::kinds::{self, FileKind};
use crate::files::policy::Place;
use crate::files::store::{BlobStore, PendingBlob};
use crate::web::text::FieldErrors;

/// How much of the start of a file is kept to find its type.
const HEAD_BYTES: usize = 64 * 1024;
/// The longest file name kept (characters), extension included.
const MAX_NAME_CHARS: usize = 120;
pub const MAX_TITLE_CHARS: usize = 200;

/// A file that arrived whole, still under its temporary name.
pub struct Received {
    pending: Box<dyn PendingBlob>,
    pub sha256: String,
    pub size: u64,
    head: Vec<u8>,
    pub filename: String,
}

/// The upload form as it arrived.
#[derive(Default)]
pub struct UploadForm {
    pub title: String,
    pub file: Option<Received>,
    /// The chosen file's name, even if it was refused (to say which).
    pub chosen: String,
}

fn unavailable(err: std::io::Error) -> AppError {
    tracing::error!(error = %err, "the file store failed");
    AppError::Unavailable(
        "Files cannot be stored right now. Nothing was saved; please try again in a few \
         minutes."
            .into(),
    )
}

fn cut_off() -> AppError {
    AppError::BadRequest(
        "The upload did not arrive completely, so nothing was saved. Please try again.".into(),
    )
}

/// Makes an uploader's file name safe to keep and to send back: the last part of any path,
/// without control or text-direction characters, in NFC, no leading dots, at most
/// [`MAX_NAME_CHARS`] characters with its extension kept. `None` if nothing is left.
pub fn clean_filename(raw: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .nfc()
        .filter(|c| !c.is_control() && !crate::web::text::is_bidi_control(*c))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        return None;
    }
    if cleaned.chars().count() <= MAX_NAME_CHARS {
        return Some(cleaned);
    }
    let ext = kinds::extension(&cleaned);
    let keep = MAX_NAME_CHARS
        .saturating_sub(ext.chars().count() + 1)
        .max(1);
    let stem: String = cleaned.chars().take(keep).collect();
    Some(if ext.is_empty() || ext.chars().count() > 10 {
        cleaned.chars().take(MAX_NAME_CHARS).collect()
    } else {
        format!("{}.{ext}", stem.trim_end())
    })
}

/// Reads the upload form: `title`, and `file` streamed into the store. A file over `limit`
/// bytes is refused (413) as soon as it passes the limit, and what was written removed.
pub async fn read_form(
    store: &dyn BlobStore,
    mut multipart: Multipart,
    limit: u64,
) -> Result<UploadForm, AppError> {
    let mut form = UploadForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(cut_off()),
        };
        match field.name() {
            Some("title") => {
                let mut bytes = Vec::new();
                field
                    .into_async_read()
                    .take(4 * 1024)
                    .read_to_end(&mut bytes)
                    .await
                    .map_err(|_| cut_off())?;
                // A character cut by the 4 KB cap is replaced; the title check then says
                // that it is too long.
                form.title = String::from_utf8_lossy(&bytes).into_owned();
            }
            Some("file") if form.file.is_none() => {
                let chosen = field.file_name().unwrap_or_default().to_string();
                form.chosen = chosen.clone();
                let reader = field.into_async_read();
                if let Some(received) = receive(store, reader, limit, chosen).await? {
                    form.file = Some(received);
                }
            }
            _ => {
                // Anything else is read past and ignored.
                let mut sink = tokio::io::sink();
                tokio::io::copy(&mut field.into_async_read().take(64 * 1024), &mut sink)
                    .await
                    .map_err(|_| cut_off())?;
            }
        }
    }
    Ok(form)
}

/// Streams one file into a temporary object. `None` for an empty file (or none chosen).
async fn receive(
    store: &dyn BlobStore,
    reader: impl tokio::io::AsyncRead + Send,
    limit: u64,
    filename: String,
) -> Result<Option<Received>, AppError> {
    let mut reader = std::pin::pin!(reader);
    let mut pending: Option<Box<dyn PendingBlob>> = None;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf).await.map_err(|_| cut_off())?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            // What was written goes now; the rest is read and thrown away (up to the cap on
            // the whole request) so that the browser hears the answer instead of a reset.
            drop(pending.take());
            let mut sink = tokio::io::sink();
            let _ = tokio::io::copy(&mut reader, &mut sink).await;
            return Err(AppError::PayloadTooLarge(format!(
                "{filename} is larger than the {} MB this site accepts, so it was not saved.",
                limit / (1024 * 1024)
            )));
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        if head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - head.len()).min(n);
            head.extend_from_slice(&chunk[..take]);
        }
        if pending.is_none() {
            pending = Some(store.create().await.map_err(unavailable)?);
        }
        if let Some(p) = pending.as_mut() {
            p.write(chunk).await.map_err(unavailable)?;
        }
    }
    let Some(pending) = pending else {
        return Ok(None);
    };
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Some(Received {
        pending,
        sha256,
        size,
        head,
        filename,
    }))
}

/// A file given whole (the demo's), streamed into the store and checked like an upload.
pub async fn checked_bytes(
    store: &dyn BlobStore,
    filename: &str,
    title: &str,
    bytes: Vec<u8>,
) -> Result<Checked, AppError> {
    let limit = bytes.len() as u64;
    let received = receive(store, std::io::Cursor::new(bytes), limit, filename.into()).await?;
    let form = UploadForm {
        title: title.into(),
        file: received,
        chosen: filename.into(),
    };
    check(form).map_err(|(errors, _)| {
        AppError::BadRequest(errors.into_values().collect::<Vec<_>>().join(" "))
    })
}

/// A checked upload, ready to store.
pub struct Checked {
    received: Received,
    kind: &'static FileKind,
    filename: String,
    title: String,
}

/// Checks the form: a file, a name that can be kept, an allowed type agreeing with its
/// extension, a title (the file's name without extension when left empty).
pub fn check(form: UploadForm) -> Result<Checked, (FieldErrors, String)> {
    let mut errors = FieldErrors::new();
    let title_in = form.title.trim().to_string();
    let title = match crate::web::text::single_line(&title_in) {
        Ok(t) if t.chars().count() > MAX_TITLE_CHARS => {
            errors.insert(
                "title",
                format!("Keep the title under {MAX_TITLE_CHARS} characters."),
            );
            String::new()
        }
        Ok(t) => t.to_string(),
        Err(e) => {
            errors.insert("title", e);
            String::new()
        }
    };
    let Some(received) = form.file else {
        let message = if form.chosen.is_empty() {
            "Choose a file to upload.".to_string()
        } else {
            format!(
                "{} is empty. Choose the file again, or another one.",
                form.chosen
            )
        };
        errors.insert("file", message);
        return Err((errors, title_in));
    };
    let Some(filename) = clean_filename(&received.filename) else {
        errors.insert(
            "file",
            "The file's name cannot be used. Rename it (letters, numbers and an extension \
             such as .pdf) and choose it again."
                .into(),
        );
        return Err((errors, title_in));
    };
    let kind = match kinds::identify(&filename, &received.head) {
        Ok(kind) => kind,
        Err(refusal) => {
            errors.insert("file", refusal.to_string());
            return Err((errors, title_in));
        }
    };
    if !errors.is_empty() {
        return Err((errors, title_in));
    }
    let title = if title.is_empty() {
        filename
            .rsplit_once('.')
            .map_or(filename.as_str(), |(stem, _)| stem)
            .to_string()
    } else {
        title
    };
    Ok(Checked {
        received,
        kind,
        filename,
        title,
    })
}

fn place_columns(place: &Place) -> (Option<i64>, Option<i64>, Option<i64>, String) {
    match place {
        Place::Meeting(m) => (Some(m.id), None, None, String::new()),
        Place::Item(_, item) => (None, Some(item.id), None, String::new()),
        Place::Event(e, occurrence) => (None, None, Some(e.id), occurrence.clone()),
    }
}

fn place_filter(place: &Place) -> sea_orm::Condition {
    same_place(&place_columns(place))
}

fn same_place(
    (meeting, item, event, occurrence): &(Option<i64>, Option<i64>, Option<i64>, String),
) -> sea_orm::Condition {
    let (meeting, item, event, occurrence) = (*meeting, *item, *event, occurrence.clone());
    let c = sea_orm::Condition::all();
    match (meeting, item, event) {
        (Some(id), _, _) => c.add(stored_file::Column::MeetingId.eq(id)),
        (_, Some(id), _) => c.add(stored_file::Column::AgendaItemId.eq(id)),
        (_, _, Some(id)) => c
            .add(stored_file::Column::EventId.eq(id))
            .add(stored_file::Column::Occurrence.eq(occurrence)),
        _ => c,
    }
}

/// Stores a checked upload and records it: the content moves to its address first (or is
/// dropped for the copy already there), then its row and audit entry are written in one
/// transaction. The store's work (with S3, completing the upload and copying it) is done
/// before the transaction, so no write lock is held meanwhile; if the transaction then
/// fails, the content is removed again unless another file has it.
pub async fn store(
    db: &sea_orm::DatabaseConnection,
    store: &dyn BlobStore,
    actor: &Actor,
    place: &Place,
    upload: Checked,
    now: DateTime<Utc>,
) -> Result<stored_file::Model, AppError> {
    let content = put_content(upload).await?;
    let sha256 = content.sha256.clone();
    let recorded = async {
        let txn = begin_write(db).await?;
        let last: Option<Option<i32>> = stored_file::Entity::find()
            .select_only()
            .column_as(stored_file::Column::Position.max(), "max")
            .filter(place_filter(place))
            .into_tuple()
            .one(&txn)
            .await?;
        let position = last.flatten().unwrap_or(0) + 1;
        let row = insert_row(&txn, actor, place_columns(place), position, content, now).await?;
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "file.upload",
                target_type: "file",
                target_id: Some(row.id.to_string()),
                detail: Some(format!(
                    "{} ({}, {} bytes)",
                    row.title, row.filename, row.size
                )),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
    .await;
    if recorded.is_err() {
        forget_content(db, store, &sha256).await;
    }
    recorded
}

/// A checked upload whose content is at its address, ready for its row.
struct Content {
    kind: &'static FileKind,
    filename: String,
    title: String,
    sha256: String,
    size: u64,
}

/// Moves a checked upload's content from its temporary name to its address.
async fn put_content(upload: Checked) -> Result<Content, AppError> {
    let Checked {
        received,
        kind,
        filename,
        title,
    } = upload;
    let Received {
        pending,
        sha256,
        size,
        ..
    } = received;
    pending.commit(sha256.clone()).await.map_err(unavailable)?;
    Ok(Content {
        kind,
        filename,
        title,
        sha256,
        size,
    })
}

/// Removes content that no file refers to (its row was never written, or was deleted).
async fn forget_content(db: &sea_orm::DatabaseConnection, store: &dyn BlobStore, sha256: &str) {
    let live = stored_file::Entity::find()
        .filter(stored_file::Column::Sha256.eq(sha256))
        .filter(stored_file::Column::DeletedAt.is_null())
        .count(db)
        .await;
    match live {
        Ok(0) => {
            if let Err(e) = store.remove(sha256).await {
                // Unreachable content, only not yet gone.
                tracing::warn!(sha256, error = %e, "content nobody refers to could not be removed");
            }
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(sha256, error = %e, "could not check whether content is still used")
        }
    }
}

/// Writes the row of an upload whose content is stored.
async fn insert_row(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    (meeting_id, agenda_item_id, event_id, occurrence): (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        String,
    ),
    position: i32,
    content: Content,
    now: DateTime<Utc>,
) -> Result<stored_file::Model, AppError> {
    Ok(stored_file::ActiveModel {
        meeting_id: Set(meeting_id),
        agenda_item_id: Set(agenda_item_id),
        event_id: Set(event_id),
        occurrence: Set(occurrence),
        title: Set(content.title),
        filename: Set(content.filename),
        content_type: Set(content.kind.content_type.to_string()),
        size: Set(i64::try_from(content.size).unwrap_or(i64::MAX)),
        sha256: Set(content.sha256),
        position: Set(position),
        downloads: Set(0),
        uploaded_by: Set(Some(actor.id)),
        created_at: Set(now),
        deleted_at: Set(None),
        replaced_by: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Replaces a file with a new version in the same place and position: the old one stays,
/// downloadable and listed as an earlier version. The title is kept unless a new one is
/// given. Refused (409) if someone replaced or deleted it meanwhile; the new content is then
/// removed again, as for a failed upload.
pub async fn replace(
    db: &sea_orm::DatabaseConnection,
    store: &dyn BlobStore,
    actor: &Actor,
    old: &stored_file::Model,
    mut upload: Checked,
    title_given: bool,
    now: DateTime<Utc>,
) -> Result<stored_file::Model, AppError> {
    if !title_given {
        upload.title = old.title.clone();
    }
    let content = put_content(upload).await?;
    let sha256 = content.sha256.clone();
    let recorded = async {
        let txn = begin_write(db).await?;
        let columns = (
            old.meeting_id,
            old.agenda_item_id,
            old.event_id,
            old.occurrence.clone(),
        );
        let row = insert_row(&txn, actor, columns, old.position, content, now).await?;
        // Only the current version can be replaced, and only once: a second, simultaneous
        // replacement finds it replaced already and is rolled back.
        let claimed = stored_file::Entity::update_many()
            .col_expr(stored_file::Column::ReplacedBy, Expr::value(row.id))
            .filter(stored_file::Column::Id.eq(old.id))
            .filter(stored_file::Column::ReplacedBy.is_null())
            .filter(stored_file::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !claimed {
            return Err(AppError::Conflict(format!(
                "“{}” was replaced or deleted while you were uploading. Nothing was saved; \
                 look at the page again before trying once more.",
                old.title
            )));
        }
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "file.replace",
                target_type: "file",
                target_id: Some(row.id.to_string()),
                detail: Some(format!(
                    "{} ({}, {} bytes) replaces file {} ({})",
                    row.title, row.filename, row.size, old.id, old.filename
                )),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }
    .await;
    if recorded.is_err() {
        forget_content(db, store, &sha256).await;
    }
    recorded
}

/// A current file and its earlier versions, newest first.
pub struct Listed {
    pub file: stored_file::Model,
    pub earlier: Vec<stored_file::Model>,
}

/// Groups the files of a place (as the queries below return them, in order) into current
/// files, each with the versions it replaced.
pub fn current(files: Vec<stored_file::Model>) -> Vec<Listed> {
    use std::collections::HashMap;
    let mut replaced: HashMap<i64, stored_file::Model> = HashMap::new();
    let mut listed = Vec::new();
    for f in files {
        match f.replaced_by {
            Some(by) => {
                replaced.insert(by, f);
            }
            None => listed.push(Listed {
                file: f,
                earlier: Vec::new(),
            }),
        }
    }
    for entry in &mut listed {
        let mut next = entry.file.id;
        while let Some(older) = replaced.remove(&next) {
            next = older.id;
            entry.earlier.push(older);
        }
    }
    listed
}

/// Moves a current file one place up or down among the current files of its place (for
/// those who may add files there). Positions are renumbered 1, 2, 3... as it goes. Returns
/// false when it is already first (or last). The place's rows are locked meanwhile, so
/// moves at once on PostgreSQL take turns (SQLite's write lock does that already).
pub async fn move_file(
    db: &sea_orm::DatabaseConnection,
    file: &stored_file::Model,
    up: bool,
) -> Result<bool, AppError> {
    let txn = begin_write(db).await?;
    let columns = (
        file.meeting_id,
        file.agenda_item_id,
        file.event_id,
        file.occurrence.clone(),
    );
    let mut order: Vec<stored_file::Model> = stored_file::Entity::find()
        .filter(same_place(&columns))
        .filter(stored_file::Column::DeletedAt.is_null())
        .filter(stored_file::Column::ReplacedBy.is_null())
        .order_by_asc(stored_file::Column::Position)
        .order_by_asc(stored_file::Column::Id)
        .lock_exclusive()
        .all(&txn)
        .await?;
    let Some(at) = order.iter().position(|f| f.id == file.id) else {
        return Err(AppError::Conflict(format!(
            "“{}” was replaced or deleted meanwhile; look at the page again.",
            file.title
        )));
    };
    let to = if up { at.checked_sub(1) } else { Some(at + 1) };
    let Some(to) = to.filter(|to| *to < order.len()) else {
        return Ok(false);
    };
    order.swap(at, to);
    for (n, f) in order.iter().enumerate() {
        let position = i32::try_from(n + 1).unwrap_or(i32::MAX);
        // Earlier versions need no position: they are listed under their current one.
        if f.position != position {
            stored_file::Entity::update_many()
                .col_expr(stored_file::Column::Position, Expr::value(position))
                .filter(stored_file::Column::Id.eq(f.id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(true)
}

/// The files of a place, in their order (deleted ones left out).
pub async fn of_place(
    db: &impl ConnectionTrait,
    place: &Place,
) -> Result<Vec<stored_file::Model>, AppError> {
    Ok(stored_file::Entity::find()
        .filter(place_filter(place))
        .filter(stored_file::Column::DeletedAt.is_null())
        .order_by_asc(stored_file::Column::Position)
        .order_by_asc(stored_file::Column::Id)
        .all(db)
        .await?)
}

/// The files of an event, or of one date of a series and then of the whole series.
pub async fn of_event(
    db: &impl ConnectionTrait,
    event_id: i64,
    occurrence: &str,
) -> Result<Vec<stored_file::Model>, AppError> {
    Ok(stored_file::Entity::find()
        .filter(stored_file::Column::EventId.eq(event_id))
        .filter(stored_file::Column::Occurrence.is_in(["", occurrence]))
        .filter(stored_file::Column::DeletedAt.is_null())
        .order_by_desc(stored_file::Column::Occurrence)
        .order_by_asc(stored_file::Column::Position)
        .order_by_asc(stored_file::Column::Id)
        .all(db)
        .await?)
}

/// The files of several agenda items at once, by item.
pub async fn of_items(
    db: &impl ConnectionTrait,
    item_ids: &[i64],
) -> Result<Vec<stored_file::Model>, AppError> {
    if item_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(stored_file::Entity::find()
        .filter(stored_file::Column::AgendaItemId.is_in(item_ids.iter().copied()))
        .filter(stored_file::Column::DeletedAt.is_null())
        .order_by_asc(stored_file::Column::Position)
        .order_by_asc(stored_file::Column::Id)
        .all(db)
        .await?)
}

/// Counts one download. Only who-knows-how-many, never who.
pub async fn count_download(db: &impl ConnectionTrait, id: i64) -> Result<(), AppError> {
    stored_file::Entity::update_many()
        .col_expr(
            stored_file::Column::Downloads,
            Expr::col(stored_file::Column::Downloads).add(1),
        )
        .filter(stored_file::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a file (admins) with the versions it replaced: the rows stay so that their
/// addresses answer 410 Gone, and each content is removed from the store unless another
/// file has the same. Returns false if it was deleted already.
pub async fn delete(
    db: &sea_orm::DatabaseConnection,
    store: &dyn BlobStore,
    actor: &Actor,
    file: &stored_file::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let txn = begin_write(db).await?;
    // As it is now, not as the page showed it: a version replaced meanwhile is not deleted
    // alone, leaving its newer version published.
    let Some(file) = stored_file::Entity::find_by_id(file.id)
        .lock_exclusive()
        .one(&txn)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    if file.deleted_at.is_some() {
        return Ok(false);
    }
    if file.replaced_by.is_some() {
        return Err(AppError::Conflict(format!(
            "“{}” has a newer version now. Look at the page again: deleting the newest \
             version deletes the earlier ones with it.",
            file.title
        )));
    }
    let file = &file;
    // This version and every earlier one, newest first.
    let mut chain = vec![file.clone()];
    while let Some(older) = stored_file::Entity::find()
        .filter(stored_file::Column::ReplacedBy.eq(chain[chain.len() - 1].id))
        .filter(stored_file::Column::DeletedAt.is_null())
        .one(&txn)
        .await?
    {
        chain.push(older);
    }
    let ids: Vec<i64> = chain.iter().map(|f| f.id).collect();
    let done = stored_file::Entity::update_many()
        .col_expr(stored_file::Column::DeletedAt, Expr::value(now))
        .filter(stored_file::Column::Id.is_in(ids))
        .filter(stored_file::Column::DeletedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if done {
        let earlier = match chain.len() - 1 {
            0 => String::new(),
            1 => " and its earlier version".into(),
            n => format!(" and its {n} earlier versions"),
        };
        audit::record(
            &txn,
            &Who::from(actor),
            now,
            Entry {
                action: "file.delete",
                target_type: "file",
                target_id: Some(file.id.to_string()),
                detail: Some(format!("{} ({}){earlier}", file.title, file.filename)),
            },
        )
        .await?;
    }
    txn.commit().await?;
    if done {
        let mut hashes: Vec<&str> = chain.iter().map(|f| f.sha256.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        for sha256 in hashes {
            let twins = stored_file::Entity::find()
                .filter(stored_file::Column::Sha256.eq(sha256))
                .filter(stored_file::Column::DeletedAt.is_null())
                .count(db)
                .await?;
            if twins == 0
                && let Err(e) = store.remove(sha256).await
            {
                // The row says deleted either way: the content is unreachable, only not yet
                // gone.
                tracing::warn!(file = file.id, error = %e, "a deleted file's content could not be removed");
            }
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_controls_and_direction_marks() {
        assert_eq!(
            clean_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_filename("C:\\Users\\ann\\Slides.pdf").as_deref(),
            Some("Slides.pdf")
        );
        assert_eq!(clean_filename(".."), None);
        assert_eq!(clean_filename("..."), None);
        assert_eq!(clean_filename("a/"), None);
        assert_eq!(
            clean_filename("report\u{202e}fdp.exe").as_deref(),
            Some("reportfdp.exe")
        );
        assert_eq!(
            clean_filename("tab\there.pdf").as_deref(),
            Some("tabhere.pdf")
        );
        let long = format!("{}.pdf", "x".repeat(500));
        let kept = clean_filename(&long).unwrap();
        assert_eq!(kept.chars().count(), MAX_NAME_CHARS);
        assert!(kept.ends_with(".pdf"));
        assert_eq!(
            clean_filename("Präsentation – données.pdf").as_deref(),
            Some("Präsentation – données.pdf")
        );
    }
}
