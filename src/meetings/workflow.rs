//! Changing meetings: creating and postponing them, the agenda, members' updates,
//! attendance, the minutes' life cycle (draft, published, agreed, amended) and actions with
//! their progress. Each change is one write transaction that checks the rules first.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::meeting::{self, MinutesStatus};
use entity::meeting_action::{self, ActionStatus};
use entity::meeting_attendance::{self, Presence, Source};
use entity::rsvp::{self, Response};
use entity::{action_note, action_owner, agenda_item, meeting_update, minutes_amendment, user};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::actor::Actor;
use crate::audit::{self, Entry, Who};
use crate::db::begin_write;
use crate::error::AppError;
use crate::meetings::forms::{
    ActionInput, AttendeeInput, ImportInput, ItemInput, MeetingInput, PostponeInput, ProgressInput,
};
use crate::meetings::{policy, queries};
use crate::organisations::service::Named;

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
    action: &str,
    m: &meeting::Model,
    detail: Option<String>,
) -> Result<(), AppError> {
    audit::record(
        txn,
        &Who::Person(actor.id),
        now,
        Entry {
            action,
            target_type: "meeting",
            target_id: Some(m.id.to_string()),
            // In words, as the audit log shows it: the meeting and its address.
            detail: Some(match detail {
                Some(more) => format!("{} at /meetings/{}: {more}", m.title, m.slug),
                None => format!("{} at /meetings/{}", m.title, m.slug),
            }),
        },
    )
    .await?;
    Ok(())
}

/// The meeting, read again inside the transaction and locked (`FOR UPDATE` on PostgreSQL;
/// SQLite's write transactions are one at a time already), so that changes to one meeting
/// are decided one after another: a double click agrees minutes once.
async fn reload(txn: &DatabaseTransaction, id: i64) -> Result<meeting::Model, AppError> {
    let mut q = meeting::Entity::find_by_id(id);
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(txn).await?.ok_or(AppError::NotFound)
}

/// The event (or date of a series) a meeting is: its id and RSVP key. The message says what
/// is wrong with the address.
pub async fn resolve_event(
    db: &impl ConnectionTrait,
    actor: &Actor,
    slug: &str,
    date: Option<NaiveDate>,
) -> Result<Result<(i64, String), &'static str>, AppError> {
    use crate::events::queries::{self as events, Lookup};
    let e = match events::find_by_slug(db, slug).await? {
        Some(Lookup::Found(e)) if crate::events::policy::can_view(Some(actor), &e) => *e,
        Some(Lookup::Moved(_)) => {
            return Ok(Err(
                "That event has a new address: paste the address it has now.",
            ));
        }
        _ => return Ok(Err("There is no event at that address.")),
    };
    let exceptions = events::exceptions_of(db, &e).await?;
    match crate::rsvp::slots::resolve(&e, &exceptions, date) {
        Some(slot) => Ok(Ok((e.id, slot.key))),
        None if e.rrule.is_some() && date.is_none() => Ok(Err(
            "That event is a series: paste the address of one of its dates.",
        )),
        None => Ok(Err("That event does not meet on that date.")),
    }
}

/// A readable, unique address: `2027-01-14-forum-meeting`.
async fn free_slug(
    txn: &DatabaseTransaction,
    starts_at: DateTime<Utc>,
    title: &str,
    tz: chrono_tz::Tz,
) -> Result<String, AppError> {
    let base = format!(
        "{}-{}",
        starts_at.with_timezone(&tz).format("%Y-%m-%d"),
        crate::events::slugs::slugify(title)
    );
    let mut slug = base.clone();
    let mut n = 2;
    while queries::find(txn, &slug).await?.is_some() {
        slug = format!("{base}-{n}");
        n += 1;
    }
    Ok(slug)
}

pub struct NewMeeting {
    pub input: MeetingInput,
    /// The event and RSVP key, already resolved.
    pub event: Option<(i64, String)>,
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewMeeting,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    policy::ensure_can_create(actor)?;
    let txn = begin_write(db).await?;
    let input = new.input;
    let slug = free_slug(&txn, input.starts_at, &input.title, tz).await?;
    let (event_id, occurrence) = match new.event {
        Some((id, key)) => (Some(id), key),
        None => (None, String::new()),
    };
    let m = meeting::ActiveModel {
        slug: Set(slug),
        title: Set(input.title),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        place: Set(input.place),
        chair_id: Set(input.chair_id),
        secretary_id: Set(input.secretary_id),
        event_id: Set(event_id),
        occurrence: Set(occurrence),
        postponed_from: Set(None),
        postponed_reason: Set(None),
        agenda_published_at: Set(None),
        minutes_status: Set(MinutesStatus::None),
        minutes_notes: Set(None),
        minutes_published_at: Set(None),
        minutes_agreed_at: Set(None),
        agreed_at_meeting_id: Set(None),
        archived: Set(false),
        created_by: Set(Some(actor.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, now, "meeting.create", &m, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// An old meeting brought in from pasted minutes: archived, its minutes agreed long ago (so
/// corrected only by amendments), its attendance and actions left for tidying by hand.
pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ImportInput,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    policy::ensure_can_create(actor)?;
    let txn = begin_write(db).await?;
    let slug = free_slug(&txn, input.starts_at, &input.title, tz).await?;
    let m = meeting::ActiveModel {
        slug: Set(slug),
        title: Set(input.title),
        starts_at: Set(input.starts_at),
        ends_at: Set(None),
        place: Set(input.place),
        chair_id: Set(None),
        secretary_id: Set(None),
        event_id: Set(None),
        occurrence: Set(String::new()),
        postponed_from: Set(None),
        postponed_reason: Set(None),
        agenda_published_at: Set(Some(now)),
        minutes_status: Set(MinutesStatus::Agreed),
        minutes_notes: Set(Some(input.minutes)),
        minutes_published_at: Set(Some(now)),
        minutes_agreed_at: Set(None),
        agreed_at_meeting_id: Set(None),
        archived: Set(true),
        created_by: Set(Some(actor.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, now, "meeting.import", &m, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// Changes a meeting's details (admins: this names its officers too).
pub async fn edit(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    new: NewMeeting,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    policy::ensure_can_create(actor)?;
    let txn = begin_write(db).await?;
    let m = reload(&txn, id).await?;
    let input = new.input;
    let mut active = m.into_active_model();
    active.title = Set(input.title);
    active.starts_at = Set(input.starts_at);
    active.ends_at = Set(input.ends_at);
    active.place = Set(input.place);
    active.chair_id = Set(input.chair_id);
    active.secretary_id = Set(input.secretary_id);
    let (event_id, occurrence) = match new.event {
        Some((id, key)) => (Some(id), key),
        None => (None, String::new()),
    };
    active.event_id = Set(event_id);
    active.occurrence = Set(occurrence);
    active.updated_at = Set(now);
    let m = active.update(&txn).await?;
    record(&txn, actor, now, "meeting.edit", &m, None).await?;
    txn.commit().await?;
    Ok(m)
}

/// Moves a meeting to a new date, keeping its agenda, updates and address; the reason and
/// the date it was to be are shown on its page.
pub async fn postpone(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    input: PostponeInput,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, id).await?;
    policy::ensure_can_edit(actor, &m)?;
    if m.minutes_status != MinutesStatus::None {
        return Err(AppError::Conflict(
            "This meeting has minutes, so it has taken place and cannot be postponed.".into(),
        ));
    }
    let from = m.starts_at;
    let mut active = m.into_active_model();
    active.postponed_from = Set(Some(from));
    active.postponed_reason = Set(Some(input.reason.clone()));
    active.starts_at = Set(input.starts_at);
    active.ends_at = Set(input.ends_at);
    active.updated_at = Set(now);
    let m = active.update(&txn).await?;
    let detail = format!(
        "from {} to {}. {}",
        crate::web::format::date_time(from, tz),
        crate::web::format::date_time(m.starts_at, tz),
        input.reason
    );
    record(
        &txn,
        actor,
        now,
        "meeting.postpone",
        &m,
        Some(detail.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

// ---------------------------------------------------------------------------------------
// The agenda
// ---------------------------------------------------------------------------------------

/// Numbers the items 1, 2, 3... in the given order, writing only those that moved.
async fn renumber(
    txn: &DatabaseTransaction,
    items: Vec<agenda_item::Model>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    for (i, item) in items.into_iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if item.position != position {
            let mut active = item.into_active_model();
            active.position = Set(position);
            active.updated_at = Set(now);
            active.update(txn).await?;
        }
    }
    Ok(())
}

/// Puts `item` at `position` (1-based; past the end or none puts it last).
async fn place_item(
    txn: &DatabaseTransaction,
    meeting_id: i64,
    item: agenda_item::Model,
    position: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut items: Vec<_> = queries::items(txn, meeting_id)
        .await?
        .into_iter()
        .filter(|i| i.id != item.id)
        .collect();
    let at = position
        .map(|p| usize::try_from(p - 1).unwrap_or(0).min(items.len()))
        .unwrap_or(items.len());
    items.insert(at, item);
    renumber(txn, items, now).await
}

pub async fn add_item(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    input: ItemInput,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let item = agenda_item::ActiveModel {
        meeting_id: Set(m.id),
        position: Set(i32::MAX),
        start_time: Set(input.start_time),
        title: Set(input.title),
        presenters: Set(input.presenters),
        duration_minutes: Set(input.duration_minutes),
        note: Set(input.note),
        minutes: Set(None),
        round_robin: Set(input.round_robin),
        deferred_from_id: Set(None),
        deferred_note: Set(None),
        deferred_to_meeting_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    place_item(&txn, m.id, item.clone(), input.position, now).await?;
    txn.commit().await?;
    Ok(item)
}

async fn item_of(
    txn: &DatabaseTransaction,
    m: &meeting::Model,
    item_id: i64,
) -> Result<agenda_item::Model, AppError> {
    agenda_item::Entity::find_by_id(item_id)
        .one(txn)
        .await?
        .filter(|i| i.meeting_id == m.id)
        .ok_or(AppError::NotFound)
}

pub async fn edit_item(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    item_id: i64,
    input: ItemInput,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let item = item_of(&txn, &m, item_id).await?;
    let mut active = item.into_active_model();
    active.title = Set(input.title);
    active.start_time = Set(input.start_time);
    active.presenters = Set(input.presenters);
    active.duration_minutes = Set(input.duration_minutes);
    active.note = Set(input.note);
    active.round_robin = Set(input.round_robin);
    active.updated_at = Set(now);
    let item = active.update(&txn).await?;
    place_item(&txn, m.id, item, input.position, now).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn remove_item(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    item_id: i64,
    now: DateTime<Utc>,
) -> Result<agenda_item::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let item = item_of(&txn, &m, item_id).await?;
    if m.minutes_status == MinutesStatus::Agreed {
        return Err(AppError::Conflict(
            "These minutes are agreed, so their items stay as they are.".into(),
        ));
    }
    let raised = meeting_action::Entity::find()
        .filter(meeting_action::Column::AgendaItemId.eq(item.id))
        .one(&txn)
        .await?;
    if raised.is_some() {
        return Err(AppError::Conflict(
            "Actions were raised under this item, so it stays on the agenda.".into(),
        ));
    }
    agenda_item::Entity::delete_by_id(item.id)
        .exec(&txn)
        .await?;
    let rest = queries::items(&txn, m.id).await?;
    renumber(&txn, rest, now).await?;
    txn.commit().await?;
    Ok(item)
}

/// An item not reached goes onto the next meeting's agenda, last, with the reason; the
/// original says where it went.
pub async fn defer_item(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    item_id: i64,
    note: String,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let item = item_of(&txn, &m, item_id).await?;
    if item.deferred_to_meeting_id.is_some() {
        return Err(AppError::Conflict(
            "This item has already been deferred.".into(),
        ));
    }
    let Some(next) = queries::next(&txn, &m).await? else {
        return Err(AppError::Conflict(
            "There is no later meeting yet. Add the next meeting first; the item then goes on its agenda.".into(),
        ));
    };
    let copy = agenda_item::ActiveModel {
        meeting_id: Set(next.id),
        position: Set(i32::MAX),
        start_time: Set(None),
        title: Set(item.title.clone()),
        presenters: Set(item.presenters.clone()),
        duration_minutes: Set(item.duration_minutes),
        note: Set(item.note.clone()),
        minutes: Set(None),
        round_robin: Set(false),
        deferred_from_id: Set(Some(item.id)),
        deferred_note: Set(Some(note)),
        deferred_to_meeting_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    place_item(&txn, next.id, copy, None, now).await?;
    let mut active = item.into_active_model();
    active.deferred_to_meeting_id = Set(Some(next.id));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(next)
}

pub async fn publish_agenda(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    if m.agenda_published_at.is_some() {
        return Ok(m);
    }
    let mut active = m.into_active_model();
    active.agenda_published_at = Set(Some(now));
    active.updated_at = Set(now);
    let m = active.update(&txn).await?;
    record(&txn, actor, now, "meeting.publish_agenda", &m, None).await?;
    let items = queries::items(&txn, m.id).await?;
    super::notices::agenda_published(&txn, &m, &items, actor.id, now).await?;
    txn.commit().await?;
    Ok(m)
}

// ---------------------------------------------------------------------------------------
// Members' updates
// ---------------------------------------------------------------------------------------

/// Writes (or rewrites) a member's own update, until the meeting starts.
pub async fn save_update(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    body: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_write_update(actor, &m, now)?;
    meeting_update::Entity::insert(meeting_update::ActiveModel {
        meeting_id: Set(m.id),
        author_id: Set(actor.id),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            meeting_update::Column::MeetingId,
            meeting_update::Column::AuthorId,
        ])
        .update_columns([
            meeting_update::Column::Body,
            meeting_update::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn withdraw_update(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_write_update(actor, &m, now)?;
    meeting_update::Entity::delete_many()
        .filter(meeting_update::Column::MeetingId.eq(m.id))
        .filter(meeting_update::Column::AuthorId.eq(actor.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Attendance
// ---------------------------------------------------------------------------------------

/// What filling the list from answers did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Filled {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

/// Fills attendance from the answers to the meeting's event: once anyone was ticked in at
/// the door, those ticked in attended; before that, those going. Apologies are apologies.
/// People an officer added or changed by hand keep what the officer said; those filled
/// earlier whom the answers no longer bear out are taken off.
pub async fn fill_attendance(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    now: DateTime<Utc>,
) -> Result<Filled, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let Some(event_id) = m.event_id else {
        return Err(AppError::Conflict(
            "This meeting is not linked to an event, so there are no answers to fill it from. Add people by hand.".into(),
        ));
    };
    let answers = rsvp::Entity::find()
        .filter(rsvp::Column::EventId.eq(event_id))
        .filter(rsvp::Column::Occurrence.eq(m.occurrence.clone()))
        .order_by_asc(rsvp::Column::Id)
        .all(&txn)
        .await?;
    let door = answers.iter().any(|a| a.checked_in_at.is_some());
    let people = queries::users_by_ids(&txn, answers.iter().filter_map(|a| a.user_id)).await?;
    let existing = queries::attendance(&txn, m.id).await?;
    let mut filled = Filled::default();
    // Whom the answers and the door account for, to drop entries they no longer support.
    let mut accounted: Vec<(Option<i64>, String)> = Vec::new();
    for a in &answers {
        let (status, source) = match (a.response, a.checked_in_at.is_some()) {
            (Response::Apologies, _) => (Presence::Apologies, Source::Rsvp),
            (_, true) => (Presence::Attended, Source::Door),
            (Response::Going, false) if !door => (Presence::Attended, Source::Rsvp),
            _ => continue,
        };
        let (name, organisation, organisation_id) = match a.user_id.and_then(|id| people.get(&id)) {
            Some(u) => (
                u.display_name.clone(),
                u.organisation.clone(),
                u.organisation_id,
            ),
            None => match &a.guest_name {
                Some(n) => (
                    n.clone(),
                    a.guest_organisation.clone(),
                    a.guest_organisation_id,
                ),
                None => continue,
            },
        };
        accounted.push((a.user_id, name.to_lowercase()));
        let same = existing.iter().find(|e| match a.user_id {
            Some(id) => e.user_id == Some(id),
            None => e.user_id.is_none() && e.name.eq_ignore_ascii_case(&name),
        });
        match same {
            Some(e) if e.source == Source::Manual => {}
            Some(e) if e.status == status && e.source == source => {}
            Some(e) => {
                let mut active = e.clone().into_active_model();
                active.status = Set(status);
                active.source = Set(source);
                active.update(&txn).await?;
                filled.changed += 1;
            }
            None => {
                meeting_attendance::ActiveModel {
                    meeting_id: Set(m.id),
                    user_id: Set(a.user_id),
                    name: Set(name),
                    organisation: Set(organisation),
                    organisation_id: Set(organisation_id),
                    status: Set(status),
                    source: Set(source),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                filled.added += 1;
            }
        }
    }
    // Filled earlier from answers, but no longer borne out (going, then not ticked in at
    // the door): taken off. Entries made by hand stay.
    for e in &existing {
        let still = accounted.iter().any(|(id, name)| match id {
            Some(id) => e.user_id == Some(*id),
            None => e.user_id.is_none() && e.name.to_lowercase() == *name,
        });
        if e.source != Source::Manual && !still {
            meeting_attendance::Entity::delete_by_id(e.id)
                .exec(&txn)
                .await?;
            filled.removed += 1;
        }
    }
    txn.commit().await?;
    Ok(filled)
}

/// A member named by initials or by name, if there is exactly one.
fn member_named<'a>(members: &'a [user::Model], text: &str) -> Option<&'a user::Model> {
    let t = text.trim();
    let by_initials: Vec<_> = members
        .iter()
        .filter(|u| {
            u.initials
                .as_deref()
                .is_some_and(|i| i.eq_ignore_ascii_case(t))
        })
        .collect();
    if let [one] = by_initials.as_slice() {
        return Some(one);
    }
    let by_name: Vec<_> = members
        .iter()
        .filter(|u| u.display_name.trim().eq_ignore_ascii_case(t))
        .collect();
    match by_name.as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

async fn active_members(txn: &DatabaseTransaction) -> Result<Vec<user::Model>, AppError> {
    Ok(queries::members(txn).await?)
}

pub async fn add_attendee(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    input: AttendeeInput,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let members = active_members(&txn).await?;
    let member = member_named(&members, &input.person);
    let status = if input.attended {
        Presence::Attended
    } else {
        Presence::Apologies
    };
    // The organisation typed, else the member's own: as the register names it.
    let typed = match &input.organisation {
        Some(typed) => crate::organisations::service::link(&txn, typed, now).await?,
        None => None,
    };
    let (user_id, name, organisation) = match member {
        Some(u) => (
            Some(u.id),
            u.display_name.clone(),
            typed.or_else(|| {
                u.organisation_id
                    .zip(u.organisation.clone())
                    .map(|(id, name)| Named { id, name })
            }),
        ),
        None => (None, input.person.clone(), typed),
    };
    let (organisation, organisation_id) = match organisation {
        Some(o) => (Some(o.name), Some(o.id)),
        None => (None, None),
    };
    let existing = queries::attendance(&txn, m.id).await?;
    let same = existing.into_iter().find(|e| match user_id {
        Some(id) => e.user_id == Some(id),
        None => e.user_id.is_none() && e.name.eq_ignore_ascii_case(&name),
    });
    match same {
        Some(e) => {
            let mut active = e.into_active_model();
            active.status = Set(status);
            active.source = Set(Source::Manual);
            active.organisation = Set(organisation);
            active.organisation_id = Set(organisation_id);
            active.update(&txn).await?;
        }
        None => {
            meeting_attendance::ActiveModel {
                meeting_id: Set(m.id),
                user_id: Set(user_id),
                name: Set(name.clone()),
                organisation: Set(organisation),
                organisation_id: Set(organisation_id),
                status: Set(status),
                source: Set(Source::Manual),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(name)
}

pub async fn remove_attendee(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    entry_id: i64,
) -> Result<String, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let entry = meeting_attendance::Entity::find_by_id(entry_id)
        .one(&txn)
        .await?
        .filter(|e| e.meeting_id == m.id)
        .ok_or(AppError::NotFound)?;
    meeting_attendance::Entity::delete_by_id(entry.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(entry.name)
}

// ---------------------------------------------------------------------------------------
// Minutes
// ---------------------------------------------------------------------------------------

fn agreed_is_read_only(m: &meeting::Model) -> Result<(), AppError> {
    if m.minutes_status == MinutesStatus::Agreed {
        Err(AppError::Conflict(
            "These minutes have been agreed, so they can no longer be edited. Add an amendment instead: it is kept beside them, dated.".into(),
        ))
    } else {
        Ok(())
    }
}

/// Saves the minutes as written: general notes and each item's. Draft from the first save.
pub async fn save_minutes(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    notes: Option<String>,
    items: Vec<(i64, Option<String>)>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    agreed_is_read_only(&m)?;
    let current = queries::items(&txn, m.id).await?;
    for (id, text) in items {
        let Some(item) = current.iter().find(|i| i.id == id) else {
            continue;
        };
        if item.minutes != text {
            let mut active = item.clone().into_active_model();
            active.minutes = Set(text);
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
    }
    let status = m.minutes_status;
    let mut active = m.into_active_model();
    active.minutes_notes = Set(notes);
    if status == MinutesStatus::None {
        active.minutes_status = Set(MinutesStatus::Draft);
    }
    active.updated_at = Set(now);
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn publish_minutes(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    match m.minutes_status {
        MinutesStatus::None => {
            return Err(AppError::Conflict(
                "There are no minutes to publish yet: write them first.".into(),
            ));
        }
        MinutesStatus::Published | MinutesStatus::Agreed => return Ok(m),
        MinutesStatus::Draft => {}
    }
    let mut active = m.into_active_model();
    active.minutes_status = Set(MinutesStatus::Published);
    active.minutes_published_at = Set(Some(now));
    active.updated_at = Set(now);
    let m = active.update(&txn).await?;
    record(&txn, actor, now, "meeting.publish_minutes", &m, None).await?;
    super::notices::minutes_published(&txn, &m, actor.id, now).await?;
    txn.commit().await?;
    Ok(m)
}

/// At meeting `at`, the minutes of the meeting before it are agreed: from then on they are
/// read-only, and the record says which meeting agreed them.
pub async fn agree_previous_minutes(
    db: &DatabaseConnection,
    actor: &Actor,
    at_id: i64,
    now: DateTime<Utc>,
) -> Result<meeting::Model, AppError> {
    let txn = begin_write(db).await?;
    let at = reload(&txn, at_id).await?;
    policy::ensure_can_edit(actor, &at)?;
    let Some(previous) = queries::previous(&txn, &at).await? else {
        return Err(AppError::Conflict(
            "There is no earlier meeting whose minutes this one could agree.".into(),
        ));
    };
    let previous = reload(&txn, previous.id).await?;
    match previous.minutes_status {
        MinutesStatus::Published => {}
        MinutesStatus::Agreed => {
            return Err(AppError::Conflict(
                "Those minutes have already been agreed.".into(),
            ));
        }
        _ => {
            return Err(AppError::Conflict(
                "The secretary has not published the previous meeting's minutes yet, so they cannot be agreed.".into(),
            ));
        }
    }
    let mut active = previous.into_active_model();
    active.minutes_status = Set(MinutesStatus::Agreed);
    active.minutes_agreed_at = Set(Some(now));
    active.agreed_at_meeting_id = Set(Some(at.id));
    active.updated_at = Set(now);
    let previous = active.update(&txn).await?;
    let detail = format!("agreed at /meetings/{}", at.slug);
    record(
        &txn,
        actor,
        now,
        "meeting.agree_minutes",
        &previous,
        Some(detail.to_string()),
    )
    .await?;
    txn.commit().await?;
    Ok(previous)
}

/// A correction to agreed minutes, kept beside them with its date.
pub async fn amend_minutes(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    item_id: Option<i64>,
    text: String,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    if m.minutes_status != MinutesStatus::Agreed {
        return Err(AppError::Conflict(
            "These minutes are not agreed yet: correct them in the minutes themselves.".into(),
        ));
    }
    let item_id = match item_id {
        Some(id) => Some(item_of(&txn, &m, id).await?.id),
        None => None,
    };
    minutes_amendment::ActiveModel {
        meeting_id: Set(m.id),
        agenda_item_id: Set(item_id),
        text: Set(text),
        author_id: Set(Some(actor.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(&txn, actor, now, "meeting.amend_minutes", &m, None).await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------

/// Raises an action at a meeting. Owners named by a member's initials (or exact name)
/// become that member; anyone else is kept by name.
pub async fn raise_action(
    db: &DatabaseConnection,
    actor: &Actor,
    meeting_id: i64,
    input: ActionInput,
    now: DateTime<Utc>,
) -> Result<meeting_action::Model, AppError> {
    let txn = begin_write(db).await?;
    let m = reload(&txn, meeting_id).await?;
    policy::ensure_can_edit(actor, &m)?;
    let item_id = match input.item_id {
        Some(id) => Some(item_of(&txn, &m, id).await?.id),
        None => None,
    };
    // Who owns it: members by initials or name, else organisations of the register, else
    // people named as the minutes name them.
    let members = active_members(&txn).await?;
    let mut owners: Vec<(Option<i64>, Option<i64>, Option<String>)> = Vec::new();
    for owner in &input.owners {
        let owner = match member_named(&members, owner) {
            Some(u) => (Some(u.id), None, None),
            None => match crate::organisations::service::find_sorted(&txn, owner).await? {
                Some(o) => (None, Some(o.id), Some(o.name)),
                None => (None, None, Some(owner.clone())),
            },
        };
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    // A second press of the button (the meeting's row is locked, so two at once queue here)
    // finds the action the first one recorded: the same words, item, owners and due date,
    // from the same person, moments ago.
    let recent = meeting_action::Entity::find()
        .filter(meeting_action::Column::MeetingId.eq(m.id))
        .filter(match item_id {
            Some(id) => meeting_action::Column::AgendaItemId.eq(id),
            None => meeting_action::Column::AgendaItemId.is_null(),
        })
        .filter(meeting_action::Column::Text.eq(input.text.clone()))
        .filter(meeting_action::Column::CreatedBy.eq(actor.id))
        .filter(meeting_action::Column::CreatedAt.gte(now - Duration::minutes(2)))
        .all(&txn)
        .await?;
    if !recent.is_empty() {
        let ids: Vec<i64> = recent.iter().map(|a| a.id).collect();
        let recorded = queries::owners_of(&txn, &ids).await?;
        for a in recent {
            let theirs: Vec<_> = recorded
                .iter()
                .filter(|o| o.action_id == a.id)
                .map(|o| (o.user_id, o.organisation_id, o.name.clone()))
                .collect();
            if theirs == owners && a.due_on == input.due_on {
                return Ok(a);
            }
        }
    }
    let action = meeting_action::ActiveModel {
        meeting_id: Set(m.id),
        agenda_item_id: Set(item_id),
        text: Set(input.text),
        due_on: Set(input.due_on),
        status: Set(ActionStatus::Open),
        closed_at: Set(None),
        created_by: Set(Some(actor.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // As the minutes write them: initials for members, names for the others.
    let names: Vec<String> = owners
        .iter()
        .map(
            |(user, _, name)| match user.and_then(|id| members.iter().find(|u| u.id == id)) {
                Some(u) => u.initials.clone().unwrap_or_else(|| u.display_name.clone()),
                None => name.clone().unwrap_or_default(),
            },
        )
        .collect();
    let member_ids: Vec<i64> = owners.iter().filter_map(|(user, _, _)| *user).collect();
    for (i, (user_id, organisation_id, name)) in owners.into_iter().enumerate() {
        action_owner::ActiveModel {
            action_id: Set(action.id),
            user_id: Set(user_id),
            name: Set(name),
            organisation_id: Set(organisation_id),
            position: Set(i32::try_from(i).unwrap_or(0)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    super::notices::action_assigned(
        &txn,
        &action,
        &m,
        &names.join(", "),
        &member_ids,
        actor.id,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(action)
}

/// Records progress on an action, at a meeting or between meetings. Closing it at a
/// meeting dates the close to that meeting, so it shows under that meeting's "Matters
/// arising" and under "closed since" at the next.
pub async fn record_progress(
    db: &DatabaseConnection,
    actor: &Actor,
    action_id: i64,
    at: Option<i64>,
    input: ProgressInput,
    now: DateTime<Utc>,
) -> Result<meeting_action::Model, AppError> {
    let txn = begin_write(db).await?;
    let action = meeting_action::Entity::find_by_id(action_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let raised_at = reload(&txn, action.meeting_id).await?;
    let recorded_at = match at {
        Some(id) => Some(reload(&txn, id).await?),
        None => None,
    };
    let owners: Vec<i64> = queries::owners_of(&txn, &[action.id])
        .await?
        .iter()
        .filter_map(|o| o.user_id)
        .collect();
    if !policy::can_record_progress(actor, &owners, &raised_at, recorded_at.as_ref()) {
        return Err(AppError::Forbidden(
            "Only the action's owners, the admins and the meeting's officers can record progress on it.".into(),
        ));
    }
    action_note::ActiveModel {
        action_id: Set(action.id),
        meeting_id: Set(recorded_at.as_ref().map(|m| m.id)),
        status: Set(input.status),
        note: Set(input.note),
        author_id: Set(Some(actor.id)),
        at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let closed_at = if input.status.is_closed() {
        Some(match (&recorded_at, action.closed_at) {
            (_, Some(already)) if action.status.is_closed() => already,
            (Some(m), _) => m.starts_at,
            (None, _) => now,
        })
    } else {
        None
    };
    let mut active = action.into_active_model();
    active.status = Set(input.status);
    active.closed_at = Set(closed_at);
    active.updated_at = Set(now);
    let action = active.update(&txn).await?;
    txn.commit().await?;
    Ok(action)
}
