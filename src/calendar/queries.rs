//! Which events a calendar feed holds, and the database's part of building one: the
//! fingerprint that tells the cache whether anything changed, and the one query that joins
//! the feed's stored entries in order (see [`crate::calendar::entries`]).

use chrono::{DateTime, NaiveDate, Utc};
use entity::event::{self, EventStatus};
use entity::event_feed_entry;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QuerySelect,
};

use crate::config::Config;

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fingerprint {
    pub count: i64,
    pub latest: Option<DateTime<Utc>>,
    pub day: NaiveDate,
}

#[derive(FromQueryResult)]
struct Stats {
    count: i64,
    latest: Option<DateTime<Utc>>,
}

pub async fn fingerprint(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Fingerprint, sea_orm::DbErr> {
    let stats = event::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::count(Expr::col(event::Column::Id))),
            "count",
        )
        .column_as(
            Expr::expr(Func::max(Expr::col(event::Column::UpdatedAt))),
            "latest",
        )
        .filter(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .into_model::<Stats>()
        .one(db)
        .await?;
    let (count, latest) = stats.map_or((0, None), |s| (s.count, s.latest));
    // The retention windows move daily, so the feed does too.
    Ok(Fingerprint {
        count,
        latest,
        day: now.date_naive(),
    })
}

/// Which public events a feed holds at `now`: published ones, and cancelled ones for long
/// enough that subscribed calendars remove them; none that finished longer ago than the past
/// window. Optionally only those tagged `tag`.
pub fn scope(config: &Config, tag: Option<&str>, now: DateTime<Utc>) -> Condition {
    let oldest = now - config.calendar_past;
    // A series' end is `series_ends_at`; its `ends_at` (the first occurrence's) comes
    // earlier, so either being recent enough keeps one-off events and series alike.
    let mut scope = Condition::all()
        .add(event::Column::Status.is_in([EventStatus::Published, EventStatus::Cancelled]))
        .add(
            Condition::any()
                .add(event::Column::EndsAt.gte(oldest))
                .add(crate::events::queries::series_running_at_or_after(oldest)),
        )
        .add(
            Condition::any()
                .add(event::Column::Status.eq(EventStatus::Published))
                .add(
                    Expr::expr(Func::coalesce([
                        Expr::col((event::Entity, event::Column::CancelledAt)),
                        Expr::col((event::Entity, event::Column::UpdatedAt)),
                    ]))
                    .gte(now - config.calendar_cancelled),
                ),
        );
    if let Some(tag) = tag {
        scope = scope.add(
            event::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(entity::event_tag::Column::EventId)
                    .from(entity::event_tag::Entity)
                    .and_where(entity::event_tag::Column::Tag.eq(tag))
                    .to_owned(),
            ),
        );
    }
    scope
}

/// A feed's events joined in the database: one row, whatever the number of events.
#[derive(FromQueryResult)]
pub struct Joined {
    /// The VEVENT texts in order (events without an entry are left out).
    pub body: Option<String>,
    /// Ids of events whose entry is missing or outdated, comma-separated.
    pub stale: Option<String>,
    /// The first and last of the time zones the entries use (the same when there is one),
    /// and the years all of them need.
    pub first_zone: Option<String>,
    pub last_zone: Option<String>,
    pub zone_from: Option<i32>,
    pub zone_to: Option<i32>,
}

pub async fn joined(
    db: &DatabaseConnection,
    scope: Condition,
    key: i64,
) -> Result<Joined, sea_orm::DbErr> {
    let s = Alias::new("s");
    let ordered = |c: event::Column| Expr::col((s.clone(), c));
    let entry = |c: event_feed_entry::Column| Expr::col((event_feed_entry::Entity, c));
    // The feed's events in order, as a subquery of ids only: sorting whole entries would
    // make the database carry every text through its sorter.
    let events = Query::select()
        .columns([
            (event::Entity, event::Column::Id),
            (event::Entity, event::Column::StartsAt),
            (event::Entity, event::Column::UpdatedAt),
        ])
        .from(event::Entity)
        .cond_where(scope)
        .order_by((event::Entity, event::Column::StartsAt), Order::Asc)
        .order_by((event::Entity, event::Column::Id), Order::Asc)
        .to_owned();
    let backend = db.get_database_backend();
    let body = match backend {
        // SQLite joins the subquery's rows in the order it produces them.
        DbBackend::Sqlite => Expr::cust(r#"group_concat("event_feed_entry"."vevents", '')"#),
        _ => Expr::cust(
            r#"string_agg("event_feed_entry"."vevents", '' ORDER BY "s"."starts_at", "s"."id")"#,
        ),
    };
    let valid = entry(event_feed_entry::Column::RenderKey)
        .eq(key)
        .and(entry(event_feed_entry::Column::RenderedFor).eq(ordered(event::Column::UpdatedAt)));
    let query = Query::select()
        .expr_as(body, Alias::new("body"))
        .expr_as(
            // `string_agg` is in PostgreSQL and in SQLite since 3.44 (the bundled one is
            // newer).
            Func::cust("string_agg").args([
                Expr::case(valid, Expr::val(None::<String>))
                    .finally(Func::cast_as(ordered(event::Column::Id), "TEXT"))
                    .into(),
                Expr::val(","),
            ]),
            Alias::new("stale"),
        )
        .expr_as(
            Func::min(entry(event_feed_entry::Column::Zone)),
            Alias::new("first_zone"),
        )
        .expr_as(
            Func::max(entry(event_feed_entry::Column::Zone)),
            Alias::new("last_zone"),
        )
        .expr_as(
            Func::min(entry(event_feed_entry::Column::ZoneFrom)),
            Alias::new("zone_from"),
        )
        .expr_as(
            Func::max(entry(event_feed_entry::Column::ZoneTo)),
            Alias::new("zone_to"),
        )
        .from_subquery(events, s.clone())
        .join(
            JoinType::LeftJoin,
            event_feed_entry::Entity,
            Expr::col((s.clone(), event::Column::Id))
                .equals((event_feed_entry::Entity, event_feed_entry::Column::EventId)),
        )
        .to_owned();
    let row = db
        .query_one(&query)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("feed aggregate".into()))?;
    Joined::from_query_result(&row, "")
}
