//! `GET /healthz`: for load balancers and uptime checks. 200 when the database answers,
//! 503 when it does not.

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, handler};
use serde_json::json;

use crate::state::AppState;

#[handler]
pub async fn check(state: Data<&AppState>) -> Response {
    let (status, body) = match state.db.ping().await {
        Ok(()) => (StatusCode::OK, json!({ "status": "ok", "database": "ok" })),
        Err(err) => {
            tracing::warn!(error = %err, "health check: the database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "status": "unavailable", "database": "unreachable" }),
            )
        }
    };
    Json(body)
        .with_status(status)
        .with_header("cache-control", "no-store")
        .into_response()
}
