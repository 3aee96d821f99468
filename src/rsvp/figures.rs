//! The secretary's report's figures about answers: the answers people gave in the period, and
//! how many checked in at the door.

use entity::rsvp::{self, Response};
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
            let answers: Vec<Response> = rsvp::Entity::find()
                .select_only()
                .column(rsvp::Column::Response)
                .filter(rsvp::Column::CreatedAt.gte(period.from))
                .filter(rsvp::Column::CreatedAt.lte(period.to))
                .into_tuple()
                .all(&state.db)
                .await?;
            let of = |r: Response| answers.iter().filter(|a| **a == r).count();
            let total = answers.len() as u64;
            let checked_in = rsvp::Entity::find()
                .filter(rsvp::Column::CheckedInAt.gte(period.from))
                .filter(rsvp::Column::CheckedInAt.lte(period.to))
                .count(&state.db)
                .await?;
            let rsvps = crate::web::format::counted(answers.len(), false, "RSVP", "RSVPs");
            Ok(vec![
                Figure {
                    label: "RSVPs".to_string(),
                    value: total,
                    phrase: if total == 0 {
                        rsvps
                    } else {
                        format!(
                            "{rsvps} ({} going, {} waiting for a place, {} can't come)",
                            of(Response::Going),
                            of(Response::Waiting),
                            of(Response::Apologies)
                        )
                    },
                    href: None,
                },
                Figure::counted(
                    "Checked in at events",
                    checked_in,
                    "person checked in at events",
                    "people checked in at events",
                    None,
                ),
            ])
        })
    }
}
