//! The secretary's report's figures about membership: who joined in the period, and how many
//! members there are.

use entity::user;
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
            let active = || user::Entity::find().filter(user::Column::Disabled.eq(false));
            let joined = active()
                .filter(user::Column::CreatedAt.gte(period.from))
                .filter(user::Column::CreatedAt.lte(period.to))
                .count(&state.db)
                .await?;
            let members = active()
                .filter(user::Column::CreatedAt.lte(period.to))
                .count(&state.db)
                .await?;
            Ok(vec![
                Figure::counted("New members", joined, "new member", "new members", None),
                Figure::counted(
                    "Members in all",
                    members,
                    "member in all",
                    "members in all",
                    None,
                ),
            ])
        })
    }
}
