//! Dataset requests in the JSON API (`/api/v1/data-requests`): the lists the page shows (open,
//! all or one status; by votes or newest) with their vote counts, and one request with its
//! history. Every request is public, as on the site; who voted is not.

use chrono::{DateTime, Utc};
use entity::dataset_request::{self, RequestStatus};
use entity::dataset_request_change;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, Tags};

use crate::api::auth::Token;
use crate::api::paging::{Cursor, next_link};
use crate::api::problem::{ApiResult, WriteError};
use crate::data_requests::queries::{self, Show, Sort};
use crate::data_requests::routes::href;
use crate::data_requests::service;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Tags)]
enum DataRequestTags {
    /// Datasets members have asked public bodies to publish, with their votes and where each
    /// stands with its publisher.
    DataRequests,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Status {
    /// Asked for; members vote.
    Requested,
    /// The forum is in discussion with the publisher.
    Discussing,
    /// The publisher has published it (`outcome_link` says where).
    Published,
    /// The publisher declined (`outcome_note` says why).
    Declined,
}

impl From<RequestStatus> for Status {
    fn from(s: RequestStatus) -> Self {
        match s {
            RequestStatus::Requested => Status::Requested,
            RequestStatus::Discussing => Status::Discussing,
            RequestStatus::Published => Status::Published,
            RequestStatus::Declined => Status::Declined,
        }
    }
}

/// Which requests a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Which {
    /// Requested or in discussion.
    Open,
    All,
    Requested,
    Discussing,
    Published,
    Declined,
}

impl Which {
    fn show(self) -> Show {
        match self {
            Which::Open => Show::Open,
            Which::All => Show::All,
            Which::Requested => Show::Only(RequestStatus::Requested),
            Which::Discussing => Show::Only(RequestStatus::Discussing),
            Which::Published => Show::Only(RequestStatus::Published),
            Which::Declined => Show::Only(RequestStatus::Declined),
        }
    }
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Order {
    /// Most votes first, newest first among equals.
    Votes,
    /// Newest first.
    Newest,
}

/// A member's request for a dataset.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DataRequest {
    pub id: i64,
    /// What is asked for.
    pub title: String,
    /// The public body that holds it.
    pub holder: String,
    /// What the dataset holds, in Markdown.
    pub description: String,
    /// Why it matters, in Markdown.
    pub reason: String,
    /// Web addresses about it.
    pub links: Vec<String>,
    pub status: Status,
    /// Where the dataset is, once published.
    pub outcome_link: Option<String>,
    /// The publisher's reason when declined, or a note on the latest change.
    pub outcome_note: Option<String>,
    /// Members who want it (each counts once).
    pub votes: i32,
    /// Its page.
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
}

/// One step of a request's history.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct StatusChange {
    /// The status from this change on.
    pub status: Status,
    pub at: DateTime<Utc>,
    /// What was said: the publisher's reason, a summary of the discussion.
    pub note: Option<String>,
    /// The published dataset's address.
    pub link: Option<String>,
}

/// A request with its history.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DataRequestDetail {
    #[oai(flatten)]
    pub request: DataRequest,
    /// Every change of status, oldest first (the first is the request being made).
    pub history: Vec<StatusChange>,
}

/// A page of requests.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct DataRequestList {
    pub items: Vec<DataRequest>,
    /// The `cursor` of the next page, also given in the `Link` header; none on the last page.
    pub next_cursor: Option<String>,
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of requests. `Link` (`rel="next"`) leads to the next page when there is one.
    #[oai(status = 200)]
    Ok(
        Json<DataRequestList>,
        #[oai(header = "Link")] Option<String>,
    ),
}

#[derive(ApiResponse)]
enum OneResponse {
    /// The request and its history.
    #[oai(status = 200)]
    Ok(Json<DataRequestDetail>),
}

/// The member's vote, after the change.
#[derive(Debug, Object)]
pub struct VoteResult {
    pub request_id: i64,
    /// Whether the member's vote is counted now.
    pub voted: bool,
    /// Whether this call changed it (false: it already stood so, and counts once).
    pub changed: bool,
    /// The request's votes now.
    pub votes: i32,
}

#[derive(ApiResponse)]
enum VoteResponse {
    /// The vote as it stands.
    #[oai(status = 200)]
    Ok(Json<VoteResult>),
}

fn view(state: &AppState, r: dataset_request::Model) -> DataRequest {
    DataRequest {
        url: state.config.absolute_url(&href(&r)),
        links: r
            .links
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
        id: r.id,
        title: r.title,
        holder: r.holder,
        description: r.description,
        reason: r.reason,
        status: r.status.into(),
        outcome_link: r.outcome_link,
        outcome_note: r.outcome_note,
        votes: r.votes,
        created_at: r.created_at,
        status_changed_at: r.status_changed_at,
    }
}

fn change(c: dataset_request_change::Model) -> StatusChange {
    StatusChange {
        status: c.status.into(),
        at: c.at,
        note: c.note,
        link: c.link,
    }
}

pub struct DataRequestsApi;

#[OpenApi(tag = "DataRequestTags::DataRequests")]
impl DataRequestsApi {
    /// Dataset requests
    ///
    /// The requests, as the site lists them: open ones by default, most votes first.
    #[oai(
        path = "/data-requests",
        method = "get",
        operation_id = "listDataRequests"
    )]
    async fn list(
        &self,
        state: Data<&AppState>,
        req: &Request,
        /// Which requests: open (requested or in discussion), all, or one status.
        #[oai(default = "default_status")]
        status: Query<Which>,
        /// Most votes first, or newest first.
        #[oai(default = "default_order")]
        sort: Query<Order>,
        /// Where to go on from: the `next_cursor` of the previous page.
        #[oai(validator(pattern = r"^[0-9]{1,9}\.[0-9]{1,18}$"))]
        cursor: Query<Option<String>>,
        /// Requests a page (1 to 100).
        #[oai(
            default = "crate::api::paging::default_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u32>,
    ) -> ApiResult<ListResponse> {
        let sort = match sort.0 {
            Order::Votes => Sort::Votes,
            Order::Newest => Sort::Newest,
        };
        let after = Cursor::decode_opt(cursor.0.as_deref(), 2)?.map(|c| {
            (
                c.0[0].clamp(i32::MIN.into(), i32::MAX.into()) as i32,
                c.0[1],
            )
        });
        let (rows, more) =
            queries::page_after(&state.db, status.0.show(), sort, after, limit.0.into()).await?;
        let next = more
            .then(|| rows.last())
            .flatten()
            .map(|r| Cursor(vec![r.votes.into(), r.id]));
        let link = next_link(
            state.config.base_url.as_str(),
            req.original_uri(),
            &[],
            next.as_ref(),
        );
        Ok(ListResponse::Ok(
            Json(DataRequestList {
                items: rows.into_iter().map(|r| view(&state, r)).collect(),
                next_cursor: next.map(|c| c.encode()),
            }),
            link,
        ))
    }

    /// One dataset request
    ///
    /// The request with every change of its status.
    #[oai(
        path = "/data-requests/:id",
        method = "get",
        operation_id = "getDataRequest"
    )]
    async fn one(
        &self,
        state: Data<&AppState>,
        /// The request's number, as in its page's address.
        #[oai(validator(minimum(value = "1")))]
        id: Path<i64>,
    ) -> ApiResult<OneResponse> {
        let request = queries::find(&state.db, id.0)
            .await?
            .ok_or_else(|| AppError::NotFoundWith("No dataset request has this number.".into()))?;
        let history = queries::history(&state.db, request.id).await?;
        Ok(OneResponse::Ok(Json(DataRequestDetail {
            request: view(&state, request),
            history: history.into_iter().map(change).collect(),
        })))
    }

    /// Vote for a request
    ///
    /// The token's member votes for an open request; a vote they already cast counts once.
    /// Needs a token with the write scope.
    #[oai(
        path = "/data-requests/:id/vote",
        method = "put",
        operation_id = "voteForDataRequest"
    )]
    async fn vote(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The request's number.
        #[oai(validator(minimum(value = "1")))]
        id: Path<i64>,
    ) -> Result<VoteResponse, WriteError> {
        Self::cast(&state, &token, id.0, true).await
    }

    /// Withdraw a vote
    ///
    /// The token's member takes back their vote while the request is open. Needs a token
    /// with the write scope.
    #[oai(
        path = "/data-requests/:id/vote",
        method = "delete",
        operation_id = "withdrawDataRequestVote"
    )]
    async fn withdraw(
        &self,
        state: Data<&AppState>,
        token: Token,
        /// The request's number.
        #[oai(validator(minimum(value = "1")))]
        id: Path<i64>,
    ) -> Result<VoteResponse, WriteError> {
        Self::cast(&state, &token, id.0, false).await
    }
}

impl DataRequestsApi {
    async fn cast(
        state: &AppState,
        token: &Token,
        id: i64,
        voting: bool,
    ) -> Result<VoteResponse, WriteError> {
        let actor = token.writer()?;
        let changed = if voting {
            service::vote(&state.db, actor, id, state.clock.now()).await?
        } else {
            service::withdraw(&state.db, actor, id).await?
        };
        let votes = queries::find(&state.db, id).await?.map_or(0, |r| r.votes);
        Ok(VoteResponse::Ok(Json(VoteResult {
            request_id: id,
            voted: voting,
            changed,
            votes,
        })))
    }
}

fn default_status() -> Which {
    Which::Open
}

fn default_order() -> Order {
    Order::Votes
}
