//! The home page: what the forum is, what is coming up, and the forum's latest threads.
//! Later features add the latest minutes and open data requests.

pub mod search;

use poem::handler;
use poem::web::Html;
use serde::Serialize;

use crate::error::AppResult;
use crate::events::listings::{self, Filter};
use crate::events::views::EventCard;
use crate::web::PageCtx;

const NEXT_EVENTS: u64 = 5;
const LATEST_THREADS: u64 = 5;

#[derive(Serialize)]
struct HomeView<'a> {
    tagline: &'a str,
    events: Vec<EventCard>,
    more_events: bool,
    forum: &'a [crate::forum::queries::Activity],
}

#[handler]
pub async fn index(ctx: PageCtx) -> AppResult<Html<String>> {
    let config = ctx.state.config.clone();
    let state = ctx.state.clone();
    let next = state
        .reads
        .get_or_load("home".to_string(), async {
            listings::upcoming(
                &state.db,
                state.clock.now(),
                &Filter::default(),
                1,
                NEXT_EVENTS,
            )
            .await
        })
        .await?;
    let forum = state
        .reads
        .get_or_load("home-forum".to_string(), async {
            crate::forum::queries::activity(&state.db, LATEST_THREADS, config.time_zone).await
        })
        .await?;
    let view = HomeView {
        forum: &forum,
        tagline: &config.site_tagline,
        events: next
            .items
            .iter()
            .map(|o| EventCard::from_occurrence(o, config.time_zone))
            .collect(),
        more_events: next.has_next,
    };
    ctx.render("home", "Home", Some(&config.site_tagline), &view)
}
