//! The secretary's report's figure about events: the public dates that took place in the
//! period (series counted a date each; cancelled and postponed dates are not).

use futures_util::future::BoxFuture;

use crate::error::AppResult;
use crate::events::listings::{self, Filter};
use crate::metrics::report::{Figure, Period, ReportSource};
use crate::state::AppState;

/// More dates than any forum holds between two meetings.
const MOST: usize = 2000;

pub struct Figures;

impl ReportSource for Figures {
    fn figures<'a>(
        &'a self,
        state: &'a AppState,
        period: &'a Period,
    ) -> BoxFuture<'a, AppResult<Vec<Figure>>> {
        Box::pin(async move {
            let dates = listings::window(
                &state.db,
                &Filter::default(),
                period.from,
                period.to,
                None,
                MOST,
            )
            .await?;
            let held = dates
                .items
                .iter()
                .filter(|o| !o.cancelled && !o.postponed)
                .filter(|o| o.starts_at >= period.from && o.starts_at <= period.to)
                .count();
            Ok(vec![Figure::counted(
                "Events held",
                held as u64,
                "event held",
                "events held",
                Some("/events/past"),
            )])
        })
    }
}
