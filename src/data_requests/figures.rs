//! The secretary's report's figures about dataset requests: those made and those whose
//! status changed in the period, and how many are open now.

use entity::dataset_request::{self, RequestStatus};
use entity::dataset_request_change;
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::error::AppResult;
use crate::metrics::report::{Figure, Period, ReportSource};
use crate::state::AppState;

pub struct Figures;

impl ReportSource for Figures {
    fn figures<'a>(
        &'a self,
        state: &'a AppState,
        period: &'a Period,
    ) -> BoxFuture<'a, AppResult<Vec<Figure>>> {
        Box::pin(async move {
            let db = &state.db;
            let made = dataset_request::Entity::find()
                .filter(dataset_request::Column::CreatedAt.gte(period.from))
                .filter(dataset_request::Column::CreatedAt.lte(period.to))
                .count(db)
                .await?;
            // A request's first entry is its asking; only later entries are changes.
            let changed: Vec<(i64, RequestStatus)> = dataset_request_change::Entity::find()
                .select_only()
                .column(dataset_request_change::Column::RequestId)
                .column(dataset_request_change::Column::Status)
                .filter(dataset_request_change::Column::At.gte(period.from))
                .filter(dataset_request_change::Column::At.lte(period.to))
                .filter(dataset_request_change::Column::Status.ne(RequestStatus::Requested))
                .into_tuple()
                .all(db)
                .await?;
            let mut changed_requests: Vec<i64> = changed.iter().map(|c| c.0).collect();
            changed_requests.sort_unstable();
            changed_requests.dedup();
            let published = changed
                .iter()
                .filter(|c| c.1 == RequestStatus::Published)
                .count();
            let open = dataset_request::Entity::find()
                .filter(
                    dataset_request::Column::Status
                        .is_in([RequestStatus::Requested, RequestStatus::Discussing]),
                )
                .count(db)
                .await?;
            let moved = changed_requests.len() as u64;
            Ok(vec![
                Figure::counted(
                    "Dataset requests made",
                    made,
                    "dataset requested",
                    "datasets requested",
                    Some("/data-requests?sort=newest"),
                ),
                Figure {
                    label: "Dataset requests that moved on".to_string(),
                    value: moved,
                    phrase: format!(
                        "{} ({} published)",
                        crate::web::format::counted(
                            changed_requests.len(),
                            false,
                            "dataset request moved on",
                            "dataset requests moved on"
                        ),
                        published
                    ),
                    href: Some("/data-requests/summary".to_string()),
                },
                Figure::counted(
                    "Dataset requests open now",
                    open,
                    "dataset request open now",
                    "dataset requests open now",
                    Some("/data-requests"),
                ),
            ])
        })
    }
}
