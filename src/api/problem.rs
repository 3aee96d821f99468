//! Errors in the API: every operation fails with an [`ApiError`], which is an [`AppError`]
//! that the OpenAPI document describes as an RFC 9457 problem document. The document itself
//! is written by `web::errors` (the same one the HTML site's JSON callers get), so there is
//! one place that decides what a caller is told.

use poem::error::ResponseError;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};

use crate::error::AppError;

/// What the API says when it refuses or fails a request (RFC 9457,
/// `application/problem+json`).
#[derive(Debug, Object)]
#[oai(rename = "Problem")]
pub struct ProblemDetails {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[oai(rename = "type")]
    pub kind: String,
    /// The status code's name, such as "Bad Request".
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What was wrong, naming the parameter or the reason, in words a person can act on.
    pub detail: String,
    /// The path that was asked for.
    pub instance: String,
}

/// An operation's failure: its status and words come from the [`AppError`]. `WRITE` says
/// whether the operation acts for a token's member, which adds the statuses of tokens and
/// rules to its description.
#[derive(Debug)]
pub struct Problem<const WRITE: bool>(pub AppError);

/// How a read fails.
pub type ApiError = Problem<false>;
/// How an operation with a token fails.
pub type WriteError = Problem<true>;

impl<const W: bool, E: Into<AppError>> From<E> for Problem<W> {
    fn from(err: E) -> Self {
        Problem(err.into())
    }
}

impl<const W: bool> From<Problem<W>> for poem::Error {
    fn from(err: Problem<W>) -> Self {
        poem::Error::from(err.0)
    }
}

impl<const W: bool> Problem<W> {
    /// A request that names a parameter wrongly, with what was wrong.
    pub fn bad(parameter: &str, message: impl std::fmt::Display) -> Self {
        Problem(AppError::BadRequest(format!("{parameter}: {message}")))
    }

    /// A body that breaks the form's rules: each field named with its problem (422).
    pub fn refused(errors: &crate::web::text::FieldErrors) -> Self {
        let detail: Vec<String> = errors
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect();
        Problem(AppError::Unprocessable(detail.join(" ")))
    }

    pub fn status(&self) -> poem::http::StatusCode {
        self.0.status()
    }
}

/// The problem statuses every operation may answer with.
const READ_STATUSES: &[(u16, &str)] = &[
    (
        400,
        "The request is not one the API understands: the detail names the parameter.",
    ),
    (404, "Nothing public is at that address."),
];

/// And those of operations with a token.
const WRITE_STATUSES: &[(u16, &str)] = &[
    (
        401,
        "No token, or one that is malformed, unknown, revoked or expired: the detail says which.",
    ),
    (
        403,
        "The token may only read, or its member may not do this: the detail says why.",
    ),
    (
        415,
        "A body that is not JSON: send `Content-Type: application/json`.",
    ),
    (
        409,
        "What was asked clashes with how things stand (a vote on a closed request, an answer \
         after the deadline): the detail says what.",
    ),
    (
        422,
        "Well formed, but breaking one of the site's rules for it (a title of spaces, an end \
         before its start, a date that has passed): the detail names the field and the rule.",
    ),
    (
        429,
        "Too many at once (forum posts are limited per member per hour): `Retry-After` says \
         when to try again.",
    ),
];

impl<const W: bool> ApiResponse for Problem<W> {
    fn meta() -> MetaResponses {
        let extra: &[(u16, &str)] = if W { WRITE_STATUSES } else { &[] };
        MetaResponses {
            responses: READ_STATUSES
                .iter()
                .chain(extra)
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/problem+json",
                        schema: ProblemDetails::schema_ref(),
                    }],
                    headers: Vec::new(),
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ProblemDetails::register(registry);
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
