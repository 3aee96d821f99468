//! `convene seed-demo`: realistic content for a regional open data forum, so a newcomer sees
//! a lived-in site. Each feature seeds its own part (`auth::seed`, `events::seed`, ...), in
//! the order they depend on each other, through the same services people use. Running it
//! again updates the same records instead of duplicating them.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::error::AppError;

pub use crate::auth::seed::{DemoPerson, PEOPLE};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub people_added: usize,
    pub people_updated: usize,
    pub events_added: usize,
    pub answers_added: usize,
    pub meetings_added: usize,
    pub files_added: usize,
}

pub async fn seed(
    db: &DatabaseConnection,
    files: &dyn crate::files::store::BlobStore,
    now: DateTime<Utc>,
) -> Result<SeedReport, AppError> {
    crate::organisations::seed::register(db, now).await?;
    let (people_added, people_updated) = crate::auth::seed::people(db, now).await?;
    let events_added = crate::events::seed::events(db, now).await?;
    let answers_added = crate::rsvp::seed::answers(db, now).await?;
    // The demo's programme is set in the forum's zone, as the events are.
    let meetings_added =
        crate::meetings::seed::meetings(db, now, chrono_tz::Europe::London).await?;
    let files_added = crate::files::seed::files(db, files, now).await?;
    crate::data_requests::seed::requests(db, now).await?;
    // After the requests: one of them is discussed.
    crate::forum::seed::forum(db, now).await?;
    // After the pages and files they count.
    crate::metrics::seed::page_views(db, now).await?;
    // After the rest, so the demo's own messages went as they would by default.
    crate::notify::seed::choices(db, now).await?;
    Ok(SeedReport {
        people_added,
        people_updated,
        events_added,
        answers_added,
        meetings_added,
        files_added,
    })
}
