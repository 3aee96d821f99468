//! Files in the JSON API (`/api/v1/files`): the current version of every file a visitor may
//! download (slides and papers of meetings, their agenda items and events), newest first,
//! with its metadata and its download address. The same rule as the pages: a file is as
//! public as the place it belongs to.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{agenda_item, event, stored_file};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::api::paging::{Cursor, next_link};
use crate::api::problem::{ApiError, ApiResult};
use crate::error::AppError;
use crate::files::policy::{self, Place};
use crate::files::views;
use crate::state::AppState;

#[derive(Tags)]
enum FileTags {
    /// Slides and papers uploaded to meetings, agenda items and events.
    Files,
}

/// What a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum PlaceKind {
    Meeting,
    AgendaItem,
    Event,
}

/// Where a file belongs.
#[derive(Debug, Object)]
pub struct FilePlace {
    pub kind: PlaceKind,
    /// The meeting's or event's title; for an agenda item, the item's.
    pub title: String,
    /// The page that lists the file.
    pub url: String,
}

/// A file's metadata.
#[derive(Debug, Object)]
pub struct FileInfo {
    pub id: i64,
    /// What the uploader called it.
    pub title: String,
    pub filename: String,
    /// Its media type, checked from its contents when it was uploaded.
    pub content_type: String,
    /// "PDF", "PowerPoint", ...
    pub type_label: String,
    /// In bytes.
    pub size: i64,
    /// Hex SHA-256 of its contents (also its ETag).
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where to download it (ranges and conditional requests supported).
    pub download_url: String,
    pub place: FilePlace,
}

/// A page of files, newest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct FileList {
    pub items: Vec<FileInfo>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of files. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(Json<FileList>, #[oai(header = "Link")] Option<String>),
}

#[derive(ApiResponse)]
enum OneResponse {
    /// The file's metadata.
    #[oai(status = 200)]
    Ok(Json<FileInfo>),
}

/// Every current file everyone may download, with its place, newest first. Read whole: a
/// forum's files number in the hundreds, and which are public depends on their places.
async fn public_files(state: &AppState) -> Result<Vec<FileInfo>, AppError> {
    let db = &state.db;
    let files = stored_file::Entity::find()
        .filter(stored_file::Column::DeletedAt.is_null())
        .filter(stored_file::Column::ReplacedBy.is_null())
        .all(db)
        .await?;
    let items: HashMap<i64, agenda_item::Model> = agenda_item::Entity::find()
        .filter(agenda_item::Column::Id.is_in(files.iter().filter_map(|f| f.agenda_item_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let meetings = crate::meetings::queries::meetings_by_ids(
        db,
        files
            .iter()
            .filter_map(|f| f.meeting_id)
            .chain(items.values().map(|i| i.meeting_id)),
    )
    .await?;
    let events: HashMap<i64, event::Model> = event::Entity::find()
        .filter(event::Column::Id.is_in(files.iter().filter_map(|f| f.event_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut out: Vec<FileInfo> = files
        .into_iter()
        .filter_map(|f| {
            let place = if let Some(id) = f.meeting_id {
                Place::Meeting(meetings.get(&id)?.clone())
            } else if let Some(id) = f.agenda_item_id {
                let item = items.get(&id)?;
                Place::Item(meetings.get(&item.meeting_id)?.clone(), item.clone())
            } else {
                Place::Event(events.get(&f.event_id?)?.clone(), f.occurrence.clone())
            };
            policy::can_see(None, &place).then(|| info(state, f, &place))
        })
        .collect();
    // By the cursor's own key (the microsecond, then the id), so pages follow it exactly.
    out.sort_by_key(|f| std::cmp::Reverse((f.uploaded_at.timestamp_micros(), f.id)));
    Ok(out)
}

fn info(state: &AppState, f: stored_file::Model, place: &Place) -> FileInfo {
    let meeting_url =
        |m: &entity::meeting::Model| state.config.absolute_url(&crate::meetings::views::href(m));
    let place = match place {
        Place::Meeting(m) => FilePlace {
            kind: PlaceKind::Meeting,
            title: m.title.clone(),
            url: meeting_url(m),
        },
        Place::Item(m, item) => FilePlace {
            kind: PlaceKind::AgendaItem,
            title: item.title.clone(),
            url: meeting_url(m),
        },
        Place::Event(e, occurrence) => FilePlace {
            kind: PlaceKind::Event,
            title: e.title.clone(),
            url: state.config.absolute_url(&if occurrence.is_empty() {
                format!("/events/{}", e.slug)
            } else {
                format!("/events/{}/{occurrence}", e.slug)
            }),
        },
    };
    FileInfo {
        download_url: state.config.absolute_url(&views::href(&f)),
        type_label: views::type_label(&f.content_type).to_string(),
        id: f.id,
        title: f.title,
        filename: f.filename,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
        uploaded_at: f.created_at,
        place,
    }
}

pub struct FilesApi;

#[OpenApi(tag = "FileTags::Files")]
impl FilesApi {
    /// Files
    ///
    /// The current version of every file everyone may download, newest first.
    #[oai(path = "/files", method = "get", operation_id = "listFiles")]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,18}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Files a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ListResponse> {
        let after = Cursor::decode_opt(cursor.0.as_deref(), 2)?.map(|c| (c.0[0], c.0[1]));
        let limit = limit.0 as usize;
        let mut files: Vec<FileInfo> = public_files(&state)
            .await?
            .into_iter()
            .filter(|f| {
                after.is_none_or(|(at, id)| (f.uploaded_at.timestamp_micros(), f.id) < (at, id))
            })
            .take(limit + 1)
            .collect();
        let more = files.len() > limit;
        files.truncate(limit);
        let next = more
            .then(|| files.last())
            .flatten()
            .map(|f| Cursor(vec![f.uploaded_at.timestamp_micros(), f.id]));
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[],
            next.as_ref(),
        );
        Ok(ListResponse::Ok(
            Json(FileList {
                items: files,
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }

    /// One file
    ///
    /// A file's metadata and download address, if everyone may download it.
    #[oai(path = "/files/:id", method = "get", operation_id = "getFile")]
    async fn one(
        &self,
        state: Data<&AppState>,
        /// The file's number, as in its download address.
        #[oai(validator(minimum(value = "1")))]
        id: Path<i64>,
    ) -> ApiResult<OneResponse> {
        let gone = || -> ApiError {
            AppError::NotFoundWith("No file everyone may download has this number.".into()).into()
        };
        let f = stored_file::Entity::find_by_id(id.0)
            .one(&state.db)
            .await?
            .filter(|f| f.deleted_at.is_none() && f.replaced_by.is_none())
            .ok_or_else(gone)?;
        let place = crate::files::routes::place_of(&state, &f)
            .await
            .map_err(|_| gone())?;
        if !policy::can_see(None, &place) {
            return Err(gone());
        }
        Ok(OneResponse::Ok(Json(info(&state, f, &place))))
    }
}
