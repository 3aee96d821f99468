//! Event rules and queries: who may see and change what, the moderation workflow, published
//! revisions, slugs, and listings with series expanded into occurrences. No HTTP here.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::event::{self, EventStatus};
use entity::{event_exception, event_revision, event_slug, event_tag};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::audit::{self, Actor, Entry};
use crate::auth::session::SessionUser;
use crate::db::begin_write;
use crate::error::AppError;
use crate::events::forms::EventInput;
use crate::events::recurrence;

// ---------------------------------------------------------------------------------------
// Who may do what
// ---------------------------------------------------------------------------------------

fn is_author(user: &SessionUser, e: &event::Model) -> bool {
    user.id == e.author_id
}

/// Published and cancelled events are public; the rest only for their author and admins.
pub fn can_view(user: Option<&SessionUser>, e: &event::Model) -> bool {
    e.status.is_public() || user.is_some_and(|u| u.is_admin() || is_author(u, e))
}

pub fn can_edit(user: &SessionUser, e: &event::Model) -> bool {
    user.is_admin() || (is_author(user, e) && e.status != EventStatus::Cancelled)
}

pub fn can_submit(user: &SessionUser, e: &event::Model) -> bool {
    is_author(user, e)
        && matches!(
            e.status,
            EventStatus::Draft | EventStatus::ChangesRequested | EventStatus::Rejected
        )
}

pub fn can_review(user: &SessionUser, e: &event::Model) -> bool {
    user.is_admin() && e.status == EventStatus::Submitted
}

pub fn can_cancel(user: &SessionUser, e: &event::Model) -> bool {
    (user.is_admin() || is_author(user, e)) && e.status == EventStatus::Published
}

/// Moving one date of a series changes subscribers' calendars without review, so only admins
/// do it; an author asks them (or proposes an edit). Authors may cancel a date.
pub fn can_move_occurrence(user: &SessionUser, e: &event::Model) -> bool {
    user.is_admin() && e.status == EventStatus::Published
}

pub fn ensure_can_move_occurrence(user: &SessionUser, e: &event::Model) -> Result<(), AppError> {
    if can_move_occurrence(user, e) {
        Ok(())
    } else if can_cancel(user, e) {
        Err(AppError::Forbidden(
            "Only the admins can move a date of a published series: ask them, or edit the \
             event and they will review the change."
                .into(),
        ))
    } else {
        Err(forbidden())
    }
}

/// Only events that were never public can be deleted; public ones are cancelled instead, so
/// calendars that subscribed learn about it.
pub fn can_delete(user: &SessionUser, e: &event::Model) -> bool {
    (user.is_admin() || is_author(user, e))
        && matches!(
            e.status,
            EventStatus::Draft
                | EventStatus::Submitted
                | EventStatus::ChangesRequested
                | EventStatus::Rejected
        )
}

fn actor(user: &SessionUser) -> Actor {
    Actor::User {
        id: user.id,
        email: user.email.clone(),
    }
}

fn forbidden() -> AppError {
    AppError::Forbidden("You cannot do that to this event.".into())
}

// ---------------------------------------------------------------------------------------
// Finding events
// ---------------------------------------------------------------------------------------

pub enum Lookup<T = event::Model> {
    Found(Box<T>),
    /// The slug used to belong to this event, which now lives at another slug.
    Moved(String),
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<Lookup>, sea_orm::DbErr> {
    if let Some(found) = event::Entity::find()
        .filter(event::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        return Ok(Some(Lookup::Found(Box::new(found))));
    }
    let Some(alias) = event_slug::Entity::find_by_id(slug.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(event::Entity::find_by_id(alias.event_id)
        .select_only()
        .column(event::Column::Slug)
        .into_tuple::<String>()
        .one(db)
        .await?
        .map(Lookup::Moved))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<event::Model, AppError> {
    event::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Databases limit bound parameters per statement (SQLite to 32,766): ids go in slices.
const IDS_PER_QUERY: usize = 5000;

/// These events, in no particular order (missing ids are skipped).
pub async fn events_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    let mut events = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_QUERY) {
        events.extend(
            event::Entity::find()
                .filter(event::Column::Id.is_in(chunk.iter().copied()))
                .all(db)
                .await?,
        );
    }
    Ok(events)
}

pub async fn tags_for(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<String>>, sea_orm::DbErr> {
    let mut map: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        for row in event_tag::Entity::find()
            .filter(event_tag::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_tag::Column::Tag)
            .all(db)
            .await?
        {
            map.entry(row.event_id).or_default().push(row.tag);
        }
    }
    Ok(map)
}

/// Each event's cancelled and moved dates, in date order.
pub async fn exceptions_for(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<event_exception::Model>>, sea_orm::DbErr> {
    let mut map: HashMap<i64, Vec<event_exception::Model>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        for row in event_exception::Entity::find()
            .filter(event_exception::Column::EventId.is_in(chunk.iter().copied()))
            .order_by_asc(event_exception::Column::OccurrenceStart)
            .all(db)
            .await?
        {
            map.entry(row.event_id).or_default().push(row);
        }
    }
    Ok(map)
}

/// Where one occurrence of a series really is: (start, end, cancelled, moved), after the
/// series' exceptions. Listings, event pages and feeds all read occurrences this way.
pub fn apply_exception(
    start: DateTime<Utc>,
    duration: Duration,
    exceptions: &[event_exception::Model],
) -> (DateTime<Utc>, DateTime<Utc>, bool, bool) {
    match exceptions.iter().find(|x| x.occurrence_start == start) {
        Some(x) if x.cancelled => (start, start + duration, true, false),
        Some(x) => {
            let moved_start = x.new_starts_at.unwrap_or(start);
            (
                moved_start,
                x.new_ends_at.unwrap_or(moved_start + duration),
                false,
                true,
            )
        }
        None => (start, start + duration, false, false),
    }
}

/// Which version of an event a form showed: its last change, and the change waiting for
/// review if there is one. A form that acts on the event carries it back; if the event has
/// changed since, the action is refused rather than applied to something nobody saw.
pub fn version_token(e: &event::Model, pending_revision: Option<i64>) -> String {
    format!(
        "{}/{}",
        e.updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
        pending_revision.unwrap_or(0)
    )
}

/// The version of the event now, inside the transaction that is about to change it.
async fn current_version(
    txn: &DatabaseTransaction,
    e: &event::Model,
) -> Result<String, sea_orm::DbErr> {
    let pending = if e.status.is_public() {
        pending_revision(txn, e.id).await?.map(|r| r.id)
    } else {
        None
    };
    Ok(version_token(e, pending))
}

pub async fn pending_revision(
    db: &impl ConnectionTrait,
    event_id: i64,
) -> Result<Option<event_revision::Model>, sea_orm::DbErr> {
    event_revision::Entity::find()
        .filter(event_revision::Column::EventId.eq(event_id))
        .filter(event_revision::Column::Status.eq("pending"))
        .order_by_desc(event_revision::Column::Id)
        .one(db)
        .await
}

// ---------------------------------------------------------------------------------------
// Slugs
// ---------------------------------------------------------------------------------------

/// Words the event routes use after `/events/`, which no event may take as its slug.
pub const RESERVED_SLUGS: &[&str] = &[
    "new",
    "mine",
    "past",
    "tags",
    "search",
    "feed",
    "calendar",
    "drafts",
    "draft",
    "series",
    "occurrences",
    "edit",
    "api",
    "admin",
    "all",
    "upcoming",
    "export",
    "data",
];

const MAX_SLUG: usize = 80;

/// A readable ASCII slug for a title, with the letters of other alphabets kept in their ASCII
/// form ("Café & Co-ops" -> `cafe-co-ops`), never one of [`RESERVED_SLUGS`].
pub fn slugify(title: &str) -> String {
    let mut slug = slug::slugify(title);
    if slug.len() > MAX_SLUG {
        let cut = slug[..MAX_SLUG].rfind('-').unwrap_or(MAX_SLUG);
        slug.truncate(cut);
    }
    if slug.is_empty() {
        "event".into()
    } else if RESERVED_SLUGS.contains(&slug.as_str()) || slug.starts_with("draft-") {
        format!("{slug}-event")
    } else {
        slug
    }
}

/// The slug of an event nobody else may see yet: random, so it tells nothing about the title
/// or about other drafts. The event gets a readable slug when it is published.
fn draft_slug() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let tail: String = (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("draft-{tail}")
}

/// The first free slug for `base`, counting from `from` (`base`, `base-2`, `base-3`...):
/// free of other events and of the old slugs that redirect to them.
async fn free_slug(
    txn: &DatabaseTransaction,
    base: &str,
    own_id: i64,
    from: u32,
) -> Result<(String, u32), sea_orm::DbErr> {
    let mut n = from;
    loop {
        let candidate = if n == 1 {
            base.to_string()
        } else {
            format!("{base}-{n}")
        };
        let taken = event::Entity::find()
            .filter(event::Column::Slug.eq(&candidate))
            .one(txn)
            .await?
            .is_some_and(|e| e.id != own_id);
        let alias_taken = event_slug::Entity::find_by_id(candidate.clone())
            .one(txn)
            .await?
            .is_some_and(|a| a.event_id != own_id);
        if !taken && !alias_taken {
            return Ok((candidate, n));
        }
        n += 1;
    }
}

/// How often a slug is tried again when another writer takes it at the same moment.
const SLUG_ATTEMPTS: u32 = 20;

/// Gives the event a readable slug for `title`, chosen inside the transaction. Another
/// writer may take the same slug between the check and the write (on PostgreSQL, where
/// writers do not queue): the write then fails on the unique index inside a savepoint, which
/// is rolled back, and the next number is tried. The event's previous slug, when people may
/// have seen it, becomes a redirect.
async fn assign_slug(
    txn: &DatabaseTransaction,
    current: &event::Model,
    title: &str,
    keep_old_as_redirect: bool,
) -> Result<String, AppError> {
    use sea_orm::TransactionTrait;
    let base = slugify(title);
    if current.slug == base {
        return Ok(base);
    }
    let mut from = 1;
    for _ in 0..SLUG_ATTEMPTS {
        let (candidate, n) = free_slug(txn, &base, current.id, from).await?;
        if candidate == current.slug {
            return Ok(candidate);
        }
        let savepoint = txn.begin().await?;
        let written = async {
            event_slug::Entity::delete_by_id(candidate.clone())
                .exec(&savepoint)
                .await?;
            event::Entity::update_many()
                .col_expr(event::Column::Slug, Expr::value(candidate.clone()))
                .filter(event::Column::Id.eq(current.id))
                .exec(&savepoint)
                .await?;
            if keep_old_as_redirect {
                event_slug::ActiveModel {
                    slug: Set(current.slug.clone()),
                    event_id: Set(current.id),
                }
                .insert(&savepoint)
                .await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        }
        .await;
        match written {
            Ok(()) => {
                savepoint.commit().await?;
                return Ok(candidate);
            }
            Err(err) if is_unique_violation(&err) => {
                savepoint.rollback().await?;
                from = n + 1;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(
        "Many events with this title are being saved at this moment. Please save again.".into(),
    ))
}

fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

// ---------------------------------------------------------------------------------------
// Writing events
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Keep it as a draft.
    Save,
    /// Send it to the admins.
    Submit,
    /// Publish at once (admins only).
    Publish,
}

fn apply_input(active: &mut event::ActiveModel, input: &EventInput) {
    active.title = Set(input.title.clone());
    active.summary = Set(input.summary.clone());
    active.description = Set(input.description.clone());
    active.time_zone = Set(input.time_zone.clone());
    active.all_day = Set(input.all_day);
    active.starts_at = Set(input.starts_at);
    active.ends_at = Set(input.ends_at);
    active.place_name = Set(input.place_name.clone());
    active.address = Set(input.address.clone());
    active.online_url = Set(input.online_url.clone());
    active.organiser_contact = Set(input.organiser_contact.clone());
    active.capacity = Set(input.capacity);
    active.lunch_provided = Set(input.lunch_provided);
    active.note_to_admins = Set(input.note_to_admins.clone());
    active.rrule = Set(input.rrule.clone());
    active.series_ends_at = Set(input.series_ends_at);
}

async fn replace_tags(
    txn: &DatabaseTransaction,
    event_id: i64,
    tags: &[String],
) -> Result<(), sea_orm::DbErr> {
    event_tag::Entity::delete_many()
        .filter(event_tag::Column::EventId.eq(event_id))
        .exec(txn)
        .await?;
    if !tags.is_empty() {
        event_tag::Entity::insert_many(tags.iter().map(|tag| event_tag::ActiveModel {
            event_id: Set(event_id),
            tag: Set(tag.clone()),
        }))
        .exec(txn)
        .await?;
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    user: &SessionUser,
    input: &EventInput,
    intent: Intent,
) -> Result<event::Model, AppError> {
    if intent == Intent::Publish && !user.is_admin() {
        return Err(forbidden());
    }
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let status = match intent {
        Intent::Save => EventStatus::Draft,
        Intent::Submit => EventStatus::Submitted,
        Intent::Publish => EventStatus::Published,
    };
    let mut active = event::ActiveModel {
        uid: Set(format!("{}@convene", uuid::Uuid::new_v4())),
        slug: Set(draft_slug()),
        status: Set(status),
        sequence: Set(0),
        author_id: Set(user.id),
        reviewer_id: Set((intent == Intent::Publish).then_some(user.id)),
        review_note: Set(None),
        cancel_note: Set(None),
        submitted_at: Set((intent != Intent::Save).then_some(now)),
        published_at: Set((intent == Intent::Publish).then_some(now)),
        cancelled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_input(&mut active, input);
    let mut created = active.insert(&txn).await?;
    replace_tags(&txn, created.id, &input.tags).await?;
    if intent == Intent::Publish {
        created.slug = assign_slug(&txn, &created, &input.title, false).await?;
        audit::record(
            &txn,
            &actor(user),
            Entry {
                action: "event.publish",
                target_type: "event",
                target_id: Some(created.id.to_string()),
                detail: Some(format!(
                    "published \u{201c}{}\u{201d} directly",
                    created.title
                )),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// Whether two versions differ in anything a subscribed calendar shows.
fn calendar_visible_change(
    before: &event::Model,
    before_tags: &[String],
    after: &EventInput,
) -> bool {
    before.title != after.title
        || before.summary != after.summary
        || before.description != after.description
        || before.time_zone != after.time_zone
        || before.all_day != after.all_day
        || before.starts_at != after.starts_at
        || before.ends_at != after.ends_at
        || before.place_name != after.place_name
        || before.address != after.address
        || before.online_url != after.online_url
        || before.rrule != after.rrule
        || before_tags != after.tags.as_slice()
}

#[derive(Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The change is live (or the unpublished event was saved).
    Applied(String),
    /// The author changed a published event: an admin will review it.
    RevisionPending,
}

pub async fn update(
    db: &DatabaseConnection,
    user: &SessionUser,
    id: i64,
    input: &EventInput,
    intent: Intent,
    seen_version: &str,
) -> Result<UpdateOutcome, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    if !can_view(Some(user), &current) {
        return Err(AppError::NotFound);
    }
    if !can_edit(user, &current) {
        return Err(forbidden());
    }
    if intent == Intent::Publish && !user.is_admin() {
        return Err(forbidden());
    }
    if current_version(&txn, &current).await? != seen_version {
        return Err(AppError::Stale(
            "This event was changed after you opened this form (in another tab, or by an \
             admin). What you typed is below: check it against the event page, then save \
             again to replace the current version."
                .into(),
        ));
    }
    let now = Utc::now();
    let tags = tags_for(&txn, &[id]).await?.remove(&id).unwrap_or_default();

    if current.status.is_public() && !user.is_admin() {
        // The author's change waits for an admin; the live version stays as it is.
        event_revision::Entity::update_many()
            .col_expr(event_revision::Column::Status, Expr::value("superseded"))
            .filter(event_revision::Column::EventId.eq(id))
            .filter(event_revision::Column::Status.eq("pending"))
            .exec(&txn)
            .await?;
        event_revision::ActiveModel {
            event_id: Set(id),
            author_id: Set(user.id),
            payload: Set(
                serde_json::to_string(input).map_err(|e| AppError::Internal(e.to_string()))?
            ),
            status: Set("pending".into()),
            review_note: Set(None),
            reviewer_id: Set(None),
            created_at: Set(now),
            reviewed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        return Ok(UpdateOutcome::RevisionPending);
    }

    let slug = apply_change(&txn, &current, &tags, input, now).await?;
    if current.status.is_public() {
        audit::record(
            &txn,
            &actor(user),
            Entry {
                action: "event.edit",
                target_type: "event",
                target_id: Some(id.to_string()),
                detail: Some(format!(
                    "edited the published \u{201c}{}\u{201d}",
                    input.title
                )),
            },
        )
        .await?;
    } else {
        let next = match intent {
            Intent::Save if current.status == EventStatus::Submitted => EventStatus::Submitted,
            Intent::Save => current.status,
            Intent::Submit => EventStatus::Submitted,
            Intent::Publish => EventStatus::Published,
        };
        if next != current.status {
            transition(&txn, user, &current, next, None).await?;
        }
    }
    txn.commit().await?;
    Ok(UpdateOutcome::Applied(slug))
}

/// Writes a change into the event row, raising SEQUENCE and keeping the old slug as a
/// redirect when a public event's visible details change.
async fn apply_change(
    txn: &DatabaseTransaction,
    current: &event::Model,
    current_tags: &[String],
    input: &EventInput,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let public = current.status.is_public();
    let visible = calendar_visible_change(current, current_tags, input);
    // Unpublished events keep their draft slug; a published one follows its title, and its
    // old address redirects.
    let slug = if public && current.title != input.title {
        assign_slug(txn, current, &input.title, true).await?
    } else {
        current.slug.clone()
    };
    let mut active: event::ActiveModel = current.clone().into();
    apply_input(&mut active, input);
    active.slug = Set(slug.clone());
    active.updated_at = Set(now);
    if public && visible {
        active.sequence = Set(current.sequence + 1);
    }
    active.update(txn).await?;
    replace_tags(txn, current.id, &input.tags).await?;
    Ok(slug)
}

/// Moves an event to another status, with the audit entry an admin decision needs.
async fn transition(
    txn: &DatabaseTransaction,
    user: &SessionUser,
    current: &event::Model,
    next: EventStatus,
    note: Option<String>,
) -> Result<event::Model, AppError> {
    let now = Utc::now();
    if next == EventStatus::Published && !current.status.is_public() {
        // Published now: a readable slug from the title as it is now, and the draft's
        // address redirects for whoever bookmarked it.
        let fresh = get(txn, current.id).await?;
        assign_slug(txn, &fresh, &fresh.title, true).await?;
    }
    let mut active: event::ActiveModel = current.clone().into();
    active.status = Set(next);
    active.updated_at = Set(now);
    let action = match next {
        EventStatus::Submitted => {
            active.submitted_at = Set(Some(now));
            active.review_note = Set(None);
            None
        }
        EventStatus::Published => {
            active.published_at = Set(Some(now));
            active.reviewer_id = Set(Some(user.id));
            active.review_note = Set(None);
            Some("event.approve")
        }
        EventStatus::Rejected => {
            active.reviewer_id = Set(Some(user.id));
            active.review_note = Set(note.clone());
            Some("event.reject")
        }
        EventStatus::ChangesRequested => {
            active.reviewer_id = Set(Some(user.id));
            active.review_note = Set(note.clone());
            Some("event.request_changes")
        }
        EventStatus::Cancelled => {
            // A change proposed before the cancellation is not approved onto it later.
            event_revision::Entity::update_many()
                .col_expr(event_revision::Column::Status, Expr::value("superseded"))
                .filter(event_revision::Column::EventId.eq(current.id))
                .filter(event_revision::Column::Status.eq("pending"))
                .exec(txn)
                .await?;
            active.cancelled_at = Set(Some(now));
            active.cancel_note = Set(note.clone());
            active.sequence = Set(current.sequence + 1);
            // Whoever cancels: subscribers' calendars change.
            Some("event.cancel")
        }
        EventStatus::Draft => None,
    };
    active.update(txn).await?;
    let updated = get(txn, current.id).await?;
    if let Some(action) = action {
        audit::record(
            txn,
            &actor(user),
            Entry {
                action,
                target_type: "event",
                target_id: Some(current.id.to_string()),
                detail: Some(match &note {
                    Some(note) => format!("\u{201c}{}\u{201d}: {note}", current.title),
                    None => format!("\u{201c}{}\u{201d}", current.title),
                }),
            },
        )
        .await?;
    }
    Ok(updated)
}

/// One of the workflow's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Submit,
    Approve,
    Reject,
    RequestChanges,
    Cancel,
}

/// Takes a workflow step. `seen_version` is the [`version_token`] of the event as the person
/// deciding saw it: an approval of an event that changed since is refused. (`None` for the
/// demo loader, which decides on what it has just written.)
pub async fn decide(
    db: &DatabaseConnection,
    user: &SessionUser,
    id: i64,
    decision: Decision,
    note: Option<String>,
    seen_version: Option<&str>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    if !can_view(Some(user), &current) {
        return Err(AppError::NotFound);
    }
    let (allowed, next) = match decision {
        Decision::Submit => (can_submit(user, &current), EventStatus::Submitted),
        Decision::Approve => (can_review(user, &current), EventStatus::Published),
        Decision::Reject => (can_review(user, &current), EventStatus::Rejected),
        Decision::RequestChanges => (can_review(user, &current), EventStatus::ChangesRequested),
        Decision::Cancel => (can_cancel(user, &current), EventStatus::Cancelled),
    };
    if !allowed {
        return Err(if user.is_admin() || is_author(user, &current) {
            AppError::Conflict(format!(
                "This event is {}, so that is not possible now.",
                current.status.label().to_lowercase()
            ))
        } else {
            forbidden()
        });
    }
    if decision == Decision::Approve
        && let Some(seen) = seen_version
        && current_version(&txn, &current).await? != seen
    {
        return Err(AppError::Stale(format!(
            "\u{201c}{}\u{201d} changed while you were reviewing it: look at it again below \
             before you approve it.",
            current.title
        )));
    }
    let updated = transition(&txn, user, &current, next, note).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete(db: &DatabaseConnection, user: &SessionUser, id: i64) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    if !can_view(Some(user), &current) {
        return Err(AppError::NotFound);
    }
    if !can_delete(user, &current) {
        return Err(AppError::Conflict(
            "A published event cannot be deleted; cancel it instead, so calendars hear about it."
                .into(),
        ));
    }
    event::Entity::delete_by_id(id).exec(&txn).await?;
    if user.is_admin() && !is_author(user, &current) {
        audit::record(
            &txn,
            &actor(user),
            Entry {
                action: "event.delete",
                target_type: "event",
                target_id: Some(id.to_string()),
                detail: Some(format!(
                    "deleted the unpublished \u{201c}{}\u{201d}",
                    current.title
                )),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Revisions of published events
// ---------------------------------------------------------------------------------------

pub fn revision_input(rev: &event_revision::Model) -> Result<EventInput, AppError> {
    serde_json::from_str(&rev.payload).map_err(|e| AppError::Internal(e.to_string()))
}

/// Approves or rejects a proposed change to a published event. An approval carries the
/// [`version_token`] the admin saw: if the author proposed something newer, or the event
/// changed, since, it is refused.
pub async fn review_revision(
    db: &DatabaseConnection,
    admin: &SessionUser,
    revision_id: i64,
    approve: bool,
    note: Option<String>,
    seen_version: Option<&str>,
) -> Result<event::Model, AppError> {
    if !admin.is_admin() {
        return Err(forbidden());
    }
    let txn = begin_write(db).await?;
    let rev = event_revision::Entity::find_by_id(revision_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = get(&txn, rev.event_id).await?;
    if approve && current.status != EventStatus::Published {
        return Err(AppError::Conflict(format!(
            "This event is {} now, so a change to it cannot be approved.",
            current.status.label().to_lowercase()
        )));
    }
    if rev.status == "superseded" && approve {
        return Err(AppError::Stale(format!(
            "\u{201c}{}\u{201d} changed while you were reviewing it: its author proposed a newer \
             change, shown below.",
            current.title
        )));
    }
    if rev.status != "pending" {
        return Err(AppError::Conflict(
            "This change has already been reviewed.".into(),
        ));
    }
    if approve
        && let Some(seen) = seen_version
        && current_version(&txn, &current).await? != seen
    {
        return Err(AppError::Stale(format!(
            "\u{201c}{}\u{201d} changed while you were reviewing it: look at the change again \
             below before you approve it.",
            current.title
        )));
    }
    let now = Utc::now();
    if approve {
        let input = revision_input(&rev)?;
        let tags = tags_for(&txn, &[current.id])
            .await?
            .remove(&current.id)
            .unwrap_or_default();
        apply_change(&txn, &current, &tags, &input, now).await?;
    }
    let mut active: event_revision::ActiveModel = rev.into();
    active.status = Set(if approve { "approved" } else { "rejected" }.into());
    active.reviewer_id = Set(Some(admin.id));
    active.reviewed_at = Set(Some(now));
    active.review_note = Set(note.clone());
    active.update(&txn).await?;
    audit::record(
        &txn,
        &actor(admin),
        Entry {
            action: if approve {
                "event.revision.approve"
            } else {
                "event.revision.reject"
            },
            target_type: "event",
            target_id: Some(current.id.to_string()),
            detail: Some(match note {
                Some(note) => format!("change to \u{201c}{}\u{201d}: {note}", current.title),
                None => format!("change to \u{201c}{}\u{201d}", current.title),
            }),
        },
    )
    .await?;
    let updated = get(&txn, current.id).await?;
    txn.commit().await?;
    Ok(updated)
}

/// One changed field, for the reviewing admin.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

pub fn diff(
    live: &event::Model,
    live_tags: &[String],
    proposed: &EventInput,
    shown_in: chrono_tz::Tz,
) -> Vec<FieldChange> {
    let when = |s: DateTime<Utc>, e: DateTime<Utc>, all_day: bool| {
        crate::events::views::when_text(s, e, all_day, shown_in)
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let repeats = |rule: &Option<String>, zone: &str| {
        rule.as_deref().map_or_else(String::new, |rule| {
            let tz = zone.parse().unwrap_or(shown_in);
            format!("{} ({rule})", crate::events::views::rule_in_words(rule, tz))
        })
    };
    let rows: Vec<(&'static str, String, String)> = vec![
        ("Title", live.title.clone(), proposed.title.clone()),
        ("Summary", live.summary.clone(), proposed.summary.clone()),
        (
            "Description",
            live.description.clone(),
            proposed.description.clone(),
        ),
        (
            "When",
            when(live.starts_at, live.ends_at, live.all_day),
            when(proposed.starts_at, proposed.ends_at, proposed.all_day),
        ),
        (
            "Time zone",
            live.time_zone.clone(),
            proposed.time_zone.clone(),
        ),
        (
            "Repeats",
            repeats(&live.rrule, &live.time_zone),
            repeats(&proposed.rrule, &proposed.time_zone),
        ),
        ("Place", opt(&live.place_name), opt(&proposed.place_name)),
        ("Address", opt(&live.address), opt(&proposed.address)),
        (
            "Online link",
            opt(&live.online_url),
            opt(&proposed.online_url),
        ),
        ("Tags", live_tags.join(", "), proposed.tags.join(", ")),
        (
            "Organiser contact",
            opt(&live.organiser_contact),
            opt(&proposed.organiser_contact),
        ),
        (
            "Capacity",
            live.capacity.map(|c| c.to_string()).unwrap_or_default(),
            proposed.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ),
        (
            "Lunch provided",
            if live.lunch_provided { "Yes" } else { "No" }.into(),
            if proposed.lunch_provided { "Yes" } else { "No" }.into(),
        ),
    ];
    rows.into_iter()
        .filter(|(_, b, a)| b != a)
        .map(|(label, before, after)| FieldChange {
            label,
            before,
            after,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Occurrence exceptions
// ---------------------------------------------------------------------------------------

/// What happens to one date of a series.
#[derive(Debug, Clone, Copy)]
pub enum OccurrenceChange {
    Cancel,
    MoveTo {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
}

pub async fn change_occurrence(
    db: &DatabaseConnection,
    user: &SessionUser,
    id: i64,
    occurrence_start: DateTime<Utc>,
    change: OccurrenceChange,
    note: Option<String>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    match change {
        OccurrenceChange::Cancel if !can_cancel(user, &current) => return Err(forbidden()),
        OccurrenceChange::MoveTo { .. } => ensure_can_move_occurrence(user, &current)?,
        OccurrenceChange::Cancel => {}
    }
    let Some(rule) = current.rrule.as_deref() else {
        return Err(AppError::BadRequest("This event is not a series.".into()));
    };
    let tz: chrono_tz::Tz = current
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::London);
    let duration = current.ends_at - current.starts_at;
    let is_occurrence = recurrence::starts_between(
        rule,
        current.starts_at,
        duration,
        tz,
        occurrence_start,
        occurrence_start + Duration::seconds(1),
        1,
    )
    .first()
        == Some(&occurrence_start);
    if !is_occurrence {
        return Err(AppError::BadRequest(
            "There is no occurrence at that time.".into(),
        ));
    }
    let (cancelled, new_starts_at, new_ends_at) = match change {
        OccurrenceChange::Cancel => (true, None, None),
        OccurrenceChange::MoveTo { starts_at, ends_at } => {
            if ends_at <= starts_at {
                return Err(AppError::BadRequest(
                    "The end must be after the start.".into(),
                ));
            }
            let latest = crate::events::forms::latest_instant(Utc::now());
            if ends_at > latest || starts_at.year() < crate::events::forms::EARLIEST_YEAR {
                return Err(AppError::BadRequest(
                    "A date can move to a day between 1970 and twenty years from now.".into(),
                ));
            }
            (false, Some(starts_at), Some(ends_at))
        }
    };
    // A later change to the same date replaces the earlier one.
    event_exception::Entity::delete_many()
        .filter(event_exception::Column::EventId.eq(id))
        .filter(event_exception::Column::OccurrenceStart.eq(occurrence_start))
        .exec(&txn)
        .await?;
    event_exception::ActiveModel {
        event_id: Set(id),
        occurrence_start: Set(occurrence_start),
        cancelled: Set(cancelled),
        new_starts_at: Set(new_starts_at),
        new_ends_at: Set(new_ends_at),
        note: Set(note.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut active: event::ActiveModel = current.clone().into();
    active.sequence = Set(current.sequence + 1);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    // Whoever does it: subscribers' calendars change.
    audit::record(
        &txn,
        &actor(user),
        Entry {
            action: if cancelled {
                "event.cancel_occurrence"
            } else {
                "event.move_occurrence"
            },
            target_type: "event",
            target_id: Some(id.to_string()),
            detail: Some(match new_starts_at {
                Some(to) => format!(
                    "moved the {} occurrence of \u{201c}{}\u{201d} to {}",
                    occurrence_start.with_timezone(&tz).format("%-d %B %Y"),
                    current.title,
                    to.with_timezone(&tz).format("%-d %B %Y, %H:%M")
                ),
                None => format!(
                    "cancelled the {} occurrence of \u{201c}{}\u{201d}",
                    occurrence_start.with_timezone(&tz).format("%-d %B %Y"),
                    current.title
                ),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

// ---------------------------------------------------------------------------------------
// Listings
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tag: Option<String>,
    pub query: Option<String>,
}

/// One entry in a listing: a single event, or one occurrence of a series.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub event: event::Model,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// For series: the occurrence's original start (its RECURRENCE-ID).
    pub occurrence_start: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub moved: bool,
    pub tags: Vec<String>,
}

pub struct Listing {
    pub items: Vec<Occurrence>,
    pub has_next: bool,
}

const PUBLIC: [EventStatus; 2] = [EventStatus::Published, EventStatus::Cancelled];

fn filtered_by(
    mut select: sea_orm::Select<event::Entity>,
    filter: &Filter,
    status: EventStatus,
) -> sea_orm::Select<event::Entity> {
    use sea_orm::sea_query::ExprTrait;
    select = select.filter(event::Column::Status.eq(status));
    if let Some(tag) = &filter.tag {
        select = select.filter(
            event::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(event_tag::Column::EventId)
                    .from(event_tag::Entity)
                    .and_where(event_tag::Column::Tag.eq(tag.clone()))
                    .to_owned(),
            ),
        );
    }
    if let Some(q) = filter
        .query
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        let pattern = format!(
            "%{}%",
            q.to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let like = |col: event::Column| {
            Expr::expr(Func::lower(Expr::col(col)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select = select.filter(
            Condition::any()
                .add(like(event::Column::Title))
                .add(like(event::Column::Summary))
                .add(like(event::Column::Description)),
        );
    }
    select
}

/// Expands series and merges them with single events, in a fixed number of queries whatever
/// the number of events: singles, series, their exceptions, and the tags of what is shown.
async fn occurrences(
    db: &impl ConnectionTrait,
    filter: &Filter,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    newest_first: bool,
    want: usize,
) -> Result<Vec<Occurrence>, sea_orm::DbErr> {
    // One query per status, so each walks the (status, starts_at) index in order and stops
    // after `want` rows; an IN over both statuses would sort every upcoming event instead.
    // Events last at most MAX_EVENT_DAYS, which bounds where the walk starts.
    let earliest_start = from - Duration::days(crate::events::forms::MAX_EVENT_DAYS + 1);
    let mut singles = Vec::new();
    let mut series = Vec::new();
    for status in PUBLIC {
        let select = filtered_by(event::Entity::find(), filter, status)
            .filter(event::Column::Rrule.is_null())
            .filter(event::Column::StartsAt.gte(earliest_start))
            .filter(event::Column::StartsAt.lt(to))
            .filter(event::Column::EndsAt.gte(from));
        let select = if newest_first {
            select.order_by_desc(event::Column::StartsAt)
        } else {
            select.order_by_asc(event::Column::StartsAt)
        };
        singles.extend(select.limit(want as u64).all(db).await?);
        // Live series through the (status, series_ends_at) index.
        series.extend(
            filtered_by(event::Entity::find(), filter, status)
                .filter(event::Column::SeriesEndsAt.gte(from))
                .all(db)
                .await?
                .into_iter()
                .filter(|e| e.rrule.is_some() && e.starts_at < to),
        );
    }
    let series_ids: Vec<i64> = series.iter().map(|e| e.id).collect();
    let mut exceptions = exceptions_for(db, &series_ids).await?;

    let mut items: Vec<Occurrence> = singles
        .into_iter()
        .map(|e| Occurrence {
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            occurrence_start: None,
            cancelled: e.status == EventStatus::Cancelled,
            moved: false,
            tags: Vec::new(),
            event: e,
        })
        .collect();
    for e in series {
        let tz: chrono_tz::Tz = e.time_zone.parse().unwrap_or(chrono_tz::Europe::London);
        let duration = e.ends_at - e.starts_at;
        let changes = exceptions.remove(&e.id).unwrap_or_default();
        let rule = e.rrule.clone().unwrap_or_default();
        let starts = if newest_first {
            let mut all =
                recurrence::starts_between(&rule, e.starts_at, duration, tz, from, to, usize::MAX);
            all.reverse();
            all.truncate(want);
            all
        } else {
            recurrence::starts_between(&rule, e.starts_at, duration, tz, from, to, want)
        };
        for start in starts {
            let (starts_at, ends_at, cancelled, moved) = apply_exception(start, duration, &changes);
            items.push(Occurrence {
                event: e.clone(),
                starts_at,
                ends_at,
                occurrence_start: Some(start),
                cancelled: e.status == EventStatus::Cancelled || cancelled,
                moved,
                tags: Vec::new(),
            });
        }
    }
    if newest_first {
        items.sort_by(|a, b| {
            b.starts_at
                .cmp(&a.starts_at)
                .then(a.event.id.cmp(&b.event.id))
        });
    } else {
        items.sort_by(|a, b| {
            a.starts_at
                .cmp(&b.starts_at)
                .then(a.event.id.cmp(&b.event.id))
        });
    }
    items.truncate(want);
    let mut ids: Vec<i64> = items.iter().map(|o| o.event.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let tags = tags_for(db, &ids).await?;
    for item in &mut items {
        item.tags = tags.get(&item.event.id).cloned().unwrap_or_default();
    }
    Ok(items)
}

fn page_of(mut items: Vec<Occurrence>, page: u64, per_page: u64) -> Listing {
    let skip = ((page.max(1) - 1) * per_page) as usize;
    let has_next = items.len() > skip + per_page as usize;
    let items: Vec<Occurrence> = items.drain(..).skip(skip).take(per_page as usize).collect();
    Listing { items, has_next }
}

pub async fn upcoming(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Listing, sea_orm::DbErr> {
    let want = (page.clamp(1, 1000) * per_page + 1) as usize;
    let far = now + Duration::days(366 * 5);
    let items = occurrences(db, filter, now, far, false, want).await?;
    Ok(page_of(items, page, per_page))
}

pub async fn past(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    year: i32,
    tz: chrono_tz::Tz,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> Result<Listing, sea_orm::DbErr> {
    let start = tz
        .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc));
    let end = tz
        .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(now, |t| t.with_timezone(&Utc))
        .min(now);
    let want = (page.clamp(1, 1000) * per_page + 1) as usize;
    let items = occurrences(db, filter, start, end, true, want).await?;
    // Only what has finished counts as past.
    let items = items.into_iter().filter(|o| o.ends_at <= now).collect();
    Ok(page_of(items, page, per_page))
}

/// The years that have past events, newest first, for the archive links.
pub fn archive_years(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Vec<i32> {
    let this_year = now.with_timezone(&tz).year();
    (this_year - 4..=this_year).rev().collect()
}

/// Tags used by public events, for the feed list.
pub async fn public_tags(db: &impl ConnectionTrait) -> Result<Vec<String>, sea_orm::DbErr> {
    event_tag::Entity::find()
        .select_only()
        .column(event_tag::Column::Tag)
        .distinct()
        .filter(
            event_tag::Column::EventId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(event::Column::Id)
                    .from(event::Entity)
                    .and_where(event::Column::Status.is_in(PUBLIC))
                    .to_owned(),
            ),
        )
        .order_by_asc(event_tag::Column::Tag)
        .into_tuple::<String>()
        .all(db)
        .await
}

pub async fn mine(
    db: &impl ConnectionTrait,
    user: &SessionUser,
) -> Result<Vec<event::Model>, sea_orm::DbErr> {
    event::Entity::find()
        .filter(event::Column::AuthorId.eq(user.id))
        .order_by_desc(event::Column::UpdatedAt)
        .all(db)
        .await
}

pub struct Queue {
    pub submitted: Vec<event::Model>,
    pub revisions: Vec<(event_revision::Model, event::Model)>,
}

pub async fn moderation_queue(db: &impl ConnectionTrait) -> Result<Queue, sea_orm::DbErr> {
    let submitted = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Submitted))
        .order_by_asc(event::Column::SubmittedAt)
        .all(db)
        .await?;
    let revisions = event_revision::Entity::find()
        .filter(event_revision::Column::Status.eq("pending"))
        .order_by_asc(event_revision::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<i64> = revisions.iter().map(|r| r.event_id).collect();
    let events: HashMap<i64, event::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        event::Entity::find()
            .filter(event::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect()
    };
    Ok(Queue {
        submitted,
        revisions: revisions
            .into_iter()
            .filter_map(|r| events.get(&r.event_id).cloned().map(|e| (r, e)))
            .collect(),
    })
}

/// For the count beside "Moderation" in the admins' navigation.
pub async fn pending_count(db: &impl ConnectionTrait) -> Result<u64, sea_orm::DbErr> {
    let submitted = event::Entity::find()
        .filter(event::Column::Status.eq(EventStatus::Submitted))
        .count(db)
        .await?;
    let revisions = event_revision::Entity::find()
        .filter(event_revision::Column::Status.eq("pending"))
        .count(db)
        .await?;
    Ok(submitted + revisions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_safe() {
        assert_eq!(
            slugify("Open Data Camp 2026: Day One!"),
            "open-data-camp-2026-day-one"
        );
        assert_eq!(slugify("  ¿¡!!  "), "event");
        assert_eq!(slugify("Café & Co-ops"), "cafe-co-ops");
        assert_eq!(slugify("Łódź Data Meetup"), "lodz-data-meetup");
        assert!(slugify(&"x".repeat(300)).len() <= 80);
        assert!(!slugify(&"word ".repeat(40)).ends_with('-'));
    }

    #[test]
    fn route_words_are_never_slugs() {
        for word in ["New", "Mine", "PAST", "tags", "Drafts"] {
            let slug = slugify(word);
            assert!(!RESERVED_SLUGS.contains(&slug.as_str()), "{word} -> {slug}");
            assert!(slug.ends_with("-event"), "{word} -> {slug}");
        }
        assert_eq!(slugify("Draft x7k2"), "draft-x7k2-event");
        assert!(draft_slug().starts_with("draft-"));
        assert_ne!(draft_slug(), draft_slug());
    }
}
