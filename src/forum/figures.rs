//! The secretary's report's figures about the forum: threads started and posts written in
//! the period (what was hidden, deleted or still held for a moderator is not counted).

use entity::{forum_post, forum_thread};
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
            let threads = forum_thread::Entity::find()
                .filter(forum_thread::Column::CreatedAt.gte(period.from))
                .filter(forum_thread::Column::CreatedAt.lte(period.to))
                .filter(forum_thread::Column::HiddenAt.is_null())
                .filter(forum_thread::Column::Held.eq(false))
                .count(&state.db)
                .await?;
            let posts = forum_post::Entity::find()
                .filter(forum_post::Column::CreatedAt.gte(period.from))
                .filter(forum_post::Column::CreatedAt.lte(period.to))
                .filter(forum_post::Column::HiddenAt.is_null())
                .filter(forum_post::Column::DeletedAt.is_null())
                .filter(forum_post::Column::Held.eq(false))
                .count(&state.db)
                .await?;
            Ok(vec![
                Figure::counted(
                    "Forum threads started",
                    threads,
                    "forum thread started",
                    "forum threads started",
                    Some("/forum"),
                ),
                Figure::counted("Forum posts", posts, "forum post", "forum posts", None),
            ])
        })
    }
}
