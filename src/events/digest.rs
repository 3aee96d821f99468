//! The events' part of the weekly digest: public events published in the past week that are
//! still to come (series with their rule in words), soonest first.

use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use futures_util::future::BoxFuture;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppResult;
use crate::events::views;
use crate::notify::digest::{DigestSource, Item, Section};
use crate::state::AppState;

/// At most this many events in one digest.
const MOST: u64 = 20;

pub struct NewEvents;

impl DigestSource for NewEvents {
    fn section<'a>(
        &'a self,
        state: &'a AppState,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Option<Section>>> {
        Box::pin(async move {
            let events = event::Entity::find()
                .filter(event::Column::Status.eq(EventStatus::Published))
                .filter(event::Column::PublishedAt.gte(since))
                .filter(
                    event::Column::EndsAt
                        .gt(now)
                        .or(event::Column::Rrule.is_not_null()),
                )
                .order_by_asc(event::Column::StartsAt)
                .limit(MOST)
                .all(&state.db)
                .await?;
            let site = state.config.time_zone;
            let items = events
                .iter()
                .map(|e| {
                    let tz = views::shown_zone(e, site);
                    let when = match &e.rrule {
                        Some(rule) => views::rule_in_words(rule, tz),
                        None => views::when_text(e.starts_at, e.ends_at, e.all_day, tz),
                    };
                    let detail = match &e.place_name {
                        Some(place) => format!("{when}, {place}"),
                        None => when,
                    };
                    Item {
                        title: e.title.clone(),
                        detail,
                        href: state.config.absolute_url(&format!("/events/{}", e.slug)),
                    }
                })
                .collect();
            Ok(Some(Section {
                heading: "New events".into(),
                items,
            }))
        })
    }
}
