//! One error type for every handler. What a user sees is decided in `web::errors`, which
//! renders an HTML page or an RFC 9457 problem document; internal causes are logged there and
//! never shown.

use poem::error::ResponseError;
use poem::http::StatusCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// Not found, with a word on why and what to do (an expired or mistyped secret link).
    #[error("{0}")]
    NotFoundWith(String),
    #[error("you need to sign in to do that")]
    Unauthorized,
    /// An API token that is malformed, unknown, revoked or expired, with why.
    #[error("{0}")]
    InvalidToken(String),
    /// A token whose scope does not allow what was asked (RFC 6750 `insufficient_scope`).
    #[error("{0}")]
    InsufficientScope(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// Well formed, but breaking a rule the request's description cannot say (an end before
    /// its start, a title of spaces): the API's 422, naming the field.
    #[error("{0}")]
    Unprocessable(String),
    /// The record changed after the form that acts on it was shown: the person should look
    /// again before deciding.
    #[error("{0}")]
    Stale(String),
    /// Refused by a rate limit; the caller may try again after this many seconds.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A request body larger than the route accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// It was here and was removed on purpose (a deleted file): 410, not 404.
    #[error("{0}")]
    Gone(String),
    /// Something this instance relies on (file storage) cannot be reached now.
    #[error("{0}")]
    Unavailable(String),
    /// Another service we depend on (an identity provider) is down or too slow.
    #[error("{0}")]
    Upstream(String),
    #[error(transparent)]
    Database(sea_orm::DbErr),
    #[error(transparent)]
    Template(#[from] handlebars::RenderError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    /// Whether the message is safe and useful to show to the person who made the request.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_)
        )
    }
}

impl ResponseError for AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::NotFoundWith(_) => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) | AppError::Stale(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Upstream(_) => StatusCode::BAD_GATEWAY,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Database(_) | AppError::Template(_) | AppError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// A unique key that another writer took first is a conflict the person can resolve by trying
/// again, not a server error; every other database failure is one.
impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        match err.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => AppError::Conflict(
                "Somebody saved something that clashes with this at the same moment. Check \
                 what you entered and save again."
                    .into(),
            ),
            _ => AppError::Database(err),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
