//! Reading the audit log: a page of entries under the admin's filters, with the people and
//! records they name looked up in a fixed number of queries, however long the page.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use entity::{audit_log, event, user};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::actor::Actor;
use crate::admin::forms::{ActorFilter, AuditFilter};
use crate::error::AppError;

/// How the log names the command line, as written by `audit::record`.
pub const COMMAND_LINE_LABEL: &str = "command line";

/// A person as the log shows them: as they are called now.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PersonRef {
    pub id: i64,
    pub display_name: String,
    pub email: String,
}

/// An event as the log links to it: its current address and title.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EventRef {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub time_zone: String,
}

pub struct AuditPage {
    pub entries: Vec<audit_log::Model>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    /// Everyone the page's entries name, as actor or as record, by account id.
    pub people: HashMap<i64, PersonRef>,
    /// The events the page's entries name that still exist, by id.
    pub events: HashMap<i64, EventRef>,
}

/// Who can be chosen in the "Done by" filter: the people who appear in the log as actors.
pub struct LogPeople {
    pub people: Vec<PersonRef>,
    pub command_line: bool,
}

/// Everyone who has acted in the log, by name, and whether the command line has.
pub async fn log_people(db: &impl ConnectionTrait, actor: &Actor) -> Result<LogPeople, AppError> {
    crate::auth::policy::ensure_can_read_audit_log(actor)?;
    let people = user::Entity::find()
        .select_only()
        .columns([
            user::Column::Id,
            user::Column::DisplayName,
            user::Column::Email,
        ])
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .distinct()
                    .column(audit_log::Column::ActorUserId)
                    .from(audit_log::Entity)
                    .and_where(audit_log::Column::ActorUserId.is_not_null())
                    .to_owned(),
            ),
        )
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Email)
        .into_model::<PersonRef>()
        .all(db)
        .await?;
    let command_line = audit_log::Entity::find()
        .select_only()
        .column(audit_log::Column::Id)
        .filter(command_line())
        .into_tuple::<i64>()
        .one(db)
        .await?
        .is_some();
    Ok(LogPeople {
        people,
        command_line,
    })
}

fn command_line() -> Condition {
    Condition::all()
        .add(audit_log::Column::ActorUserId.is_null())
        .add(audit_log::Column::ActorLabel.eq(COMMAND_LINE_LABEL))
}

/// One page of entries, newest first, with the people and events they name.
pub async fn audit_log(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &AuditFilter,
    bounds: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    page: u64,
    per_page: u64,
) -> Result<AuditPage, AppError> {
    crate::auth::policy::ensure_can_read_audit_log(actor)?;
    let mut query = audit_log::Entity::find();
    if let Some(action) = filter.action {
        query = query.filter(audit_log::Column::Action.eq(action));
    }
    match filter.actor {
        Some(ActorFilter::Person(id)) => {
            query = query.filter(audit_log::Column::ActorUserId.eq(id));
        }
        Some(ActorFilter::CommandLine) => query = query.filter(command_line()),
        None => {}
    }
    if let Some(from) = bounds.0 {
        query = query.filter(audit_log::Column::At.gte(from));
    }
    if let Some(until) = bounds.1 {
        query = query.filter(audit_log::Column::At.lt(until));
    }
    let paginator = query
        .order_by_desc(audit_log::Column::Id)
        .paginate(db, per_page);
    let counts = paginator.num_items_and_pages().await?;
    let pages = counts.number_of_pages.max(1);
    let page = page.clamp(1, pages);
    let entries = paginator.fetch_page(page - 1).await?;

    let mut person_ids = BTreeSet::new();
    let mut event_ids = BTreeSet::new();
    for e in &entries {
        person_ids.extend(e.actor_user_id);
        let id = e.target_id.as_deref().and_then(|id| id.parse::<i64>().ok());
        match (e.target_type.as_str(), id) {
            ("user", Some(id)) => {
                person_ids.insert(id);
            }
            ("event", Some(id)) => {
                event_ids.insert(id);
            }
            _ => {}
        }
    }
    let people = if person_ids.is_empty() {
        Vec::new()
    } else {
        user::Entity::find()
            .select_only()
            .columns([
                user::Column::Id,
                user::Column::DisplayName,
                user::Column::Email,
            ])
            .filter(user::Column::Id.is_in(person_ids))
            .into_model::<PersonRef>()
            .all(db)
            .await?
    };
    let events = if event_ids.is_empty() {
        Vec::new()
    } else {
        event::Entity::find()
            .select_only()
            .columns([
                event::Column::Id,
                event::Column::Slug,
                event::Column::Title,
                event::Column::TimeZone,
            ])
            .filter(event::Column::Id.is_in(event_ids))
            .into_model::<EventRef>()
            .all(db)
            .await?
    };
    Ok(AuditPage {
        entries,
        page,
        pages,
        total: counts.number_of_items,
        people: people.into_iter().map(|p| (p.id, p)).collect(),
        events: events.into_iter().map(|e| (e.id, e)).collect(),
    })
}
