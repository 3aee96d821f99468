//! The secretary's report's figures about meetings and actions: meetings held, actions
//! agreed and closed in the period, and the actions open now.

use entity::meeting;
use entity::meeting_action::{self, ActionStatus};
use futures_util::future::BoxFuture;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

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
            let held = meeting::Entity::find()
                .filter(meeting::Column::StartsAt.gte(period.from))
                .filter(meeting::Column::StartsAt.lte(period.to))
                .count(db)
                .await?;
            let agreed = meeting_action::Entity::find()
                .filter(meeting_action::Column::CreatedAt.gte(period.from))
                .filter(meeting_action::Column::CreatedAt.lte(period.to))
                .count(db)
                .await?;
            let closed = meeting_action::Entity::find()
                .filter(meeting_action::Column::ClosedAt.gte(period.from))
                .filter(meeting_action::Column::ClosedAt.lte(period.to))
                .count(db)
                .await?;
            let open = meeting_action::Entity::find()
                .filter(
                    meeting_action::Column::Status
                        .is_in([ActionStatus::Open, ActionStatus::InProgress]),
                )
                .count(db)
                .await?;
            Ok(vec![
                Figure::counted(
                    "Meetings held",
                    held,
                    "meeting held",
                    "meetings held",
                    Some("/meetings"),
                ),
                Figure::counted(
                    "Actions recorded",
                    agreed,
                    "action recorded",
                    "actions recorded",
                    None,
                ),
                Figure::counted(
                    "Actions closed",
                    closed,
                    "action closed",
                    "actions closed",
                    None,
                ),
                Figure::counted(
                    "Actions open now",
                    open,
                    "action open now",
                    "actions open now",
                    Some("/actions"),
                ),
            ])
        })
    }
}
