//! Changing events: drafting, editing (published events' changes wait for review as
//! revisions), the moderation workflow, deleting. Every change is one transaction, checked
//! against `events::policy` inside it, with its audit entry. Callers pass the time (`now`)
//! from the app's clock.

use chrono::{DateTime, Utc};
use entity::event::{self, EventStatus};
use entity::event_revision::{self, RevisionStatus};
use entity::event_tag;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;
use crate::events::forms::EventInput;
use crate::events::notes;
use crate::events::policy;
use crate::events::queries::{current_version, get, tags_for};
use crate::events::slugs::{assign_slug, draft_slug};
use crate::notify::{outbox, topics};

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
    active.show_organiser_contact = Set(input.show_organiser_contact);
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
    actor: &Actor,
    input: &EventInput,
    intent: Intent,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    if intent == Intent::Publish {
        policy::ensure_can_publish_directly(actor)?;
    }
    let txn = begin_write(db).await?;
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
        author_id: Set(actor.id),
        reviewer_id: Set((intent == Intent::Publish).then_some(actor.id)),
        review_note: Set(None),
        cancel_note: Set(None),
        submitted_at: Set((intent != Intent::Save).then_some(now)),
        published_at: Set((intent == Intent::Publish).then_some(now)),
        cancelled_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        // Places, lunch and the answers' deadline are the organiser's, set on the event's
        // "Places and answers" page (see `rsvp`), not in the reviewed form.
        capacity: Set(None),
        lunch_provided: Set(false),
        extra_label: Set(None),
        rsvp_closes_hours: Set(None),
        ..Default::default()
    };
    apply_input(&mut active, input);
    let mut created = active.insert(&txn).await?;
    replace_tags(&txn, created.id, &input.tags).await?;
    notes::add_author_note(
        &txn,
        created.id,
        actor.id,
        input.note_to_admins.as_deref(),
        now,
    )
    .await?;
    if intent == Intent::Publish {
        created.slug = assign_slug(&txn, &created, &input.title, false).await?;
        audit::record(
            &txn,
            &Who::from(actor),
            now,
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
    if intent == Intent::Submit {
        notify_submitted(
            &txn,
            actor,
            &created,
            false,
            input.note_to_admins.as_deref(),
            now,
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

#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: &EventInput,
    intent: Intent,
    seen_version: &str,
    now: DateTime<Utc>,
) -> Result<UpdateOutcome, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    policy::ensure_can_edit(actor, &current)?;
    if intent == Intent::Publish {
        policy::ensure_can_publish_directly(actor)?;
    }
    if current_version(&txn, &current).await? != seen_version {
        return Err(AppError::Stale(
            "This event was changed after you opened this form (in another tab, or by an \
             admin). What you typed is below: check it against the event page, then save \
             again to replace the current version."
                .into(),
        ));
    }
    let tags = tags_for(&txn, &[id]).await?.remove(&id).unwrap_or_default();

    if policy::edit_needs_review(actor, &current) {
        // The author's change waits for an admin; the live version stays as it is.
        supersede_pending(&txn, id).await?;
        event_revision::ActiveModel {
            event_id: Set(id),
            author_id: Set(actor.id),
            payload: Set(
                serde_json::to_string(input).map_err(|e| AppError::Internal(e.to_string()))?
            ),
            status: Set(RevisionStatus::Pending),
            review_note: Set(None),
            reviewer_id: Set(None),
            created_at: Set(now),
            reviewed_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        notes::add_author_note(&txn, id, actor.id, input.note_to_admins.as_deref(), now).await?;
        notify_submitted(
            &txn,
            actor,
            &current,
            true,
            input.note_to_admins.as_deref(),
            now,
        )
        .await?;
        txn.commit().await?;
        return Ok(UpdateOutcome::RevisionPending);
    }

    let slug = apply_change(&txn, actor, false, &current, &tags, input, now).await?;
    notes::add_author_note(&txn, id, actor.id, input.note_to_admins.as_deref(), now).await?;
    if current.status.is_public() {
        audit::record(
            &txn,
            &Who::from(actor),
            now,
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
            transition(&txn, actor, &current, next, None, now).await?;
        }
    }
    txn.commit().await?;
    Ok(UpdateOutcome::Applied(slug))
}

/// Writes a change into the event row, raising SEQUENCE and keeping the old slug as a
/// redirect when a public event's visible details change.
#[allow(clippy::too_many_arguments)]
async fn apply_change(
    txn: &DatabaseTransaction,
    actor: &Actor,
    reviewed: bool,
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
    // A published one-off event given a new start has moved (or, if postponed, has its new
    // date): its page says where from. A series' dates move one by one instead.
    let moved = public
        && current.rrule.is_none()
        && input.rrule.is_none()
        && current.starts_at != input.starts_at;
    if moved {
        active.previous_starts_at = Set(Some(current.starts_at));
        active.postponed_at = Set(None);
        active.postpone_note = Set(None);
    }
    let updated = active.update(txn).await?;
    replace_tags(txn, current.id, &input.tags).await?;
    // Whoever is going hears of a change their calendar shows.
    if public && visible && current.status == EventStatus::Published {
        let change = if moved { Change::Moved } else { Change::Edited };
        // An approved proposal is the author's own change: they hear of the approval.
        let author_told = !reviewed;
        tell_of_change(txn, actor, &updated, None, change, None, author_told, now).await?;
    }
    Ok(slug)
}

/// Moves an event to another status, with the audit entry an admin decision needs.
async fn transition(
    txn: &DatabaseTransaction,
    actor: &Actor,
    current: &event::Model,
    next: EventStatus,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
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
            active.reviewer_id = Set(Some(actor.id));
            active.review_note = Set(None);
            Some("event.approve")
        }
        EventStatus::Rejected => {
            active.reviewer_id = Set(Some(actor.id));
            active.review_note = Set(note.clone());
            notes::add_review_note(txn, current.id, actor.id, note.as_deref(), now).await?;
            Some("event.reject")
        }
        EventStatus::ChangesRequested => {
            active.reviewer_id = Set(Some(actor.id));
            active.review_note = Set(note.clone());
            notes::add_review_note(txn, current.id, actor.id, note.as_deref(), now).await?;
            Some("event.request_changes")
        }
        EventStatus::Cancelled => {
            // A change proposed before the cancellation is not approved onto it later.
            supersede_pending(txn, current.id).await?;
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
    match next {
        EventStatus::Submitted => {
            notify_submitted(
                txn,
                actor,
                &updated,
                false,
                current.note_to_admins.as_deref(),
                now,
            )
            .await?
        }
        EventStatus::Published => {
            notify_decided(txn, actor, &updated, "approved", false, None, now).await?
        }
        EventStatus::Rejected => {
            notify_decided(
                txn,
                actor,
                &updated,
                "rejected",
                false,
                note.as_deref(),
                now,
            )
            .await?
        }
        EventStatus::ChangesRequested => {
            notify_decided(txn, actor, &updated, "changes", false, note.as_deref(), now).await?
        }
        EventStatus::Cancelled if current.status.is_public() => {
            tell_of_change(
                txn,
                actor,
                &updated,
                None,
                Change::Cancelled,
                note.as_deref(),
                true,
                now,
            )
            .await?
        }
        _ => {}
    }
    if let Some(action) = action {
        audit::record(
            txn,
            &Who::from(actor),
            now,
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

/// Tells the admins (but whoever did it) that an event, or a change to one, waits for them.
async fn notify_submitted(
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    change: bool,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let author = crate::auth::service::find_user(txn, actor.id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    for admin in outbox::admins(txn, Some(actor.id)).await? {
        outbox::enqueue(
            txn,
            outbox::Mail {
                kind: "event-submitted",
                topic: topics::SUBMISSIONS,
                to: &admin,
                data: serde_json::json!({
                    "title": e.title,
                    "author": author,
                    "change": change,
                    "note": note,
                    "path": "/admin/moderation",
                }),
                dedupe_key: format!(
                    "event-submitted:{}:{}:{}",
                    e.id,
                    admin.user_id,
                    now.timestamp_micros()
                ),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Tells the author what the admins decided, unless they decided it themselves.
async fn notify_decided(
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    decision: &str,
    proposed_change: bool,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if actor.id == e.author_id {
        return Ok(());
    }
    if let Some(author) = outbox::recipient(txn, e.author_id).await? {
        outbox::enqueue(
            txn,
            outbox::Mail {
                kind: "event-decided",
                topic: topics::DECISIONS,
                to: &author,
                data: serde_json::json!({
                    "title": e.title,
                    "approved": decision == "approved",
                    "rejected": decision == "rejected",
                    "changes": decision == "changes",
                    "proposed_change": proposed_change,
                    "note": note,
                    "path": format!("/events/{}", e.slug),
                }),
                dedupe_key: format!(
                    "event-decided:{}:{decision}:{proposed_change}:{}",
                    e.id,
                    now.timestamp_micros()
                ),
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// What happened to a published event (or one date of a series), for the people it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Cancelled,
    Postponed,
    Moved,
    /// Its details (time, place, description) changed.
    Edited,
    Reinstated,
}

impl Change {
    fn key(self) -> &'static str {
        match self {
            Change::Cancelled => "cancelled",
            Change::Postponed => "postponed",
            Change::Moved => "moved",
            Change::Edited => "changed",
            Change::Reinstated => "reinstated",
        }
    }
}

/// Tells the people a change to a published event concerns: an announcement for whoever
/// knows its attendees (RSVP), and a message to its author when someone else cancelled,
/// postponed, moved or reinstated it. `occurrence` is the planned start of the one date of
/// a series that changed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn tell_of_change(
    txn: &DatabaseTransaction,
    actor: &Actor,
    e: &event::Model,
    occurrence: Option<DateTime<Utc>>,
    change: Change,
    note: Option<&str>,
    tell_author: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // The times it has now: the event's, or (for one date) the date's after the change.
    let (starts_at, ends_at) = match occurrence {
        None => (e.starts_at, e.ends_at),
        Some(start) => {
            let exceptions = crate::events::queries::exceptions_of(txn, e).await?;
            let at = crate::events::page::occurrence_of(e, &exceptions, start);
            (at.starts_at, at.ends_at)
        }
    };
    let date = occurrence.map(|start| {
        start
            .with_timezone(&e.zone())
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    });
    crate::notify::announce::announce(
        txn,
        "event-changed",
        serde_json::json!({
            "event_id": e.id,
            "date": date,
            "change": change.key(),
            "note": note,
            "actor_id": actor.id,
        }),
        now,
    )
    .await?;
    if !tell_author || actor.id == e.author_id || change == Change::Edited {
        return Ok(());
    }
    let Some(author) = outbox::recipient(txn, e.author_id).await? else {
        return Ok(());
    };
    let day = occurrence.map(|start| {
        start
            .with_timezone(&e.zone())
            .format("%A %-d %B %Y")
            .to_string()
    });
    outbox::enqueue(
        txn,
        outbox::Mail {
            kind: "event-altered",
            topic: topics::DECISIONS,
            to: &author,
            data: serde_json::json!({
                "title": e.title,
                "day": day,
                "cancelled": change == Change::Cancelled,
                "postponed": change == Change::Postponed,
                "moved": change == Change::Moved,
                "reinstated": change == Change::Reinstated,
                "note": note,
                "starts_at": starts_at.to_rfc3339(),
                "ends_at": ends_at.to_rfc3339(),
                "all_day": e.all_day,
                "path": match &date {
                    Some(date) => format!("/events/{}/{date}", e.slug),
                    None => format!("/events/{}", e.slug),
                },
            }),
            dedupe_key: format!(
                "event-altered:{}:{}:{}:{}",
                e.id,
                date.as_deref().unwrap_or(""),
                change.key(),
                now.timestamp_micros()
            ),
        },
        now,
    )
    .await?;
    Ok(())
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

/// Takes a workflow step. `seen_version` is the [`version_token`](crate::events::queries::version_token) of the event as the person
/// deciding saw it: an approval of an event that changed since is refused. (`None` for the
/// demo loader, which decides on what it has just written.)
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    decision: Decision,
    note: Option<String>,
    seen_version: Option<&str>,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    let next = match decision {
        Decision::Submit => {
            policy::ensure_can_submit(actor, &current)?;
            EventStatus::Submitted
        }
        Decision::Approve => {
            policy::ensure_can_review(actor, &current)?;
            EventStatus::Published
        }
        Decision::Reject => {
            policy::ensure_can_review(actor, &current)?;
            EventStatus::Rejected
        }
        Decision::RequestChanges => {
            policy::ensure_can_review(actor, &current)?;
            EventStatus::ChangesRequested
        }
        Decision::Cancel => {
            policy::ensure_can_cancel(actor, &current)?;
            EventStatus::Cancelled
        }
    };
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
    let updated = transition(&txn, actor, &current, next, note, now).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    policy::ensure_can_delete(actor, &current)?;
    event::Entity::delete_by_id(id).exec(&txn).await?;
    // An admin removing someone else's draft is recorded; authors' own drafts are theirs.
    if policy::acts_for_someone_else(actor, &current) {
        audit::record(
            &txn,
            &Who::from(actor),
            now,
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

/// Postpones a published event: it stays on its planned date, marked "postponed, new date to
/// follow", until someone gives it a new date (an edit, which records where it moved from) or
/// an admin reinstates it on its planned date.
pub async fn postpone(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    policy::ensure_can_postpone(actor, &current)?;
    let mut active: event::ActiveModel = current.clone().into();
    active.postponed_at = Set(Some(now));
    active.postpone_note = Set(note.clone());
    active.sequence = Set(current.sequence + 1);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "event.postpone",
            target_type: "event",
            target_id: Some(id.to_string()),
            detail: Some(match &note {
                Some(note) => format!("\u{201c}{}\u{201d}: {note}", current.title),
                None => format!("\u{201c}{}\u{201d}", current.title),
            }),
        },
    )
    .await?;
    tell_of_change(
        &txn,
        actor,
        &updated,
        None,
        Change::Postponed,
        note.as_deref(),
        true,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Brings back a cancelled event, or a postponed one on its planned date (admins only).
pub async fn reinstate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    let txn = begin_write(db).await?;
    let current = get(&txn, id).await?;
    policy::ensure_can_reinstate(actor, &current)?;
    if current.status != EventStatus::Cancelled && current.postponed_at.is_none() {
        return Err(AppError::Conflict(
            "This event is neither cancelled nor postponed.".into(),
        ));
    }
    let mut active: event::ActiveModel = current.clone().into();
    active.status = Set(EventStatus::Published);
    active.cancelled_at = Set(None);
    active.cancel_note = Set(None);
    active.postponed_at = Set(None);
    active.postpone_note = Set(None);
    active.sequence = Set(current.sequence + 1);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: "event.reinstate",
            target_type: "event",
            target_id: Some(id.to_string()),
            detail: Some(format!(
                "reinstated the {} \u{201c}{}\u{201d}",
                if current.status == EventStatus::Cancelled {
                    "cancelled"
                } else {
                    "postponed"
                },
                current.title
            )),
        },
    )
    .await?;
    tell_of_change(
        &txn,
        actor,
        &updated,
        None,
        Change::Reinstated,
        None,
        true,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Changes waiting for review are set aside: replaced by a newer one, or overtaken by a
/// cancellation (a change proposed before it is not approved onto it later).
async fn supersede_pending(txn: &DatabaseTransaction, event_id: i64) -> Result<(), sea_orm::DbErr> {
    event_revision::Entity::update_many()
        .col_expr(
            event_revision::Column::Status,
            Expr::value(RevisionStatus::Superseded),
        )
        .filter(event_revision::Column::EventId.eq(event_id))
        .filter(event_revision::Column::Status.eq(RevisionStatus::Pending))
        .exec(txn)
        .await?;
    Ok(())
}

pub fn revision_input(rev: &event_revision::Model) -> Result<EventInput, AppError> {
    serde_json::from_str(&rev.payload).map_err(|e| AppError::Internal(e.to_string()))
}

/// Approves or rejects a proposed change to a published event. An approval carries the
/// [`version_token`](crate::events::queries::version_token) the admin saw: if the author proposed something newer, or the event
/// changed, since, it is refused.
#[allow(clippy::too_many_arguments)]
pub async fn review_revision(
    db: &DatabaseConnection,
    actor: &Actor,
    revision_id: i64,
    approve: bool,
    note: Option<String>,
    seen_version: Option<&str>,
    now: DateTime<Utc>,
) -> Result<event::Model, AppError> {
    policy::ensure_can_moderate(actor)?;
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
    if rev.status == RevisionStatus::Superseded && approve {
        return Err(AppError::Stale(format!(
            "\u{201c}{}\u{201d} changed while you were reviewing it: its author proposed a newer \
             change, shown below.",
            current.title
        )));
    }
    if rev.status != RevisionStatus::Pending {
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
    if approve {
        let input = revision_input(&rev)?;
        let tags = tags_for(&txn, &[current.id])
            .await?
            .remove(&current.id)
            .unwrap_or_default();
        apply_change(&txn, actor, true, &current, &tags, &input, now).await?;
    }
    let mut active: event_revision::ActiveModel = rev.into();
    active.status = Set(if approve {
        RevisionStatus::Approved
    } else {
        RevisionStatus::Rejected
    });
    active.reviewer_id = Set(Some(actor.id));
    active.reviewed_at = Set(Some(now));
    active.review_note = Set(note.clone());
    active.update(&txn).await?;
    notes::add_review_note(&txn, current.id, actor.id, note.as_deref(), now).await?;
    audit::record(
        &txn,
        &Who::from(actor),
        now,
        Entry {
            action: if approve {
                "event.revision.approve"
            } else {
                "event.revision.reject"
            },
            target_type: "event",
            target_id: Some(current.id.to_string()),
            detail: Some(match &note {
                Some(note) => format!("change to \u{201c}{}\u{201d}: {note}", current.title),
                None => format!("change to \u{201c}{}\u{201d}", current.title),
            }),
        },
    )
    .await?;
    let updated = get(&txn, current.id).await?;
    notify_decided(
        &txn,
        actor,
        &updated,
        if approve { "approved" } else { "rejected" },
        true,
        note.as_deref(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
