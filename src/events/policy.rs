//! Who may do what with events, in one place: the services check these before every change,
//! the pages show exactly the buttons they allow (through [`EventPermissions`]), and the JSON
//! API will ask the same functions. Each rule is a `can_*` predicate; the `ensure_can_*`
//! form returns the error with its message.

use entity::event::{self, EventStatus};
use serde::Serialize;

use crate::actor::Actor;
use crate::error::AppError;

fn is_author(actor: &Actor, e: &event::Model) -> bool {
    actor.id == e.author_id
}

/// The author and the admins: who sees an event before it is public, and its notes to and
/// from the reviewers afterwards.
pub fn is_insider(actor: Option<&Actor>, e: &event::Model) -> bool {
    actor.is_some_and(|a| a.is_admin() || is_author(a, e))
}

/// Published and cancelled events are public; the rest only for their author and admins.
pub fn can_view(actor: Option<&Actor>, e: &event::Model) -> bool {
    e.status.is_public() || is_insider(actor, e)
}

/// Any signed-in member may draft an event.
pub fn can_draft(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

/// Admins publish without review; everyone else submits.
pub fn can_publish_directly(actor: &Actor) -> bool {
    actor.is_admin()
}

pub fn can_edit(actor: &Actor, e: &event::Model) -> bool {
    actor.is_admin() || (is_author(actor, e) && e.status != EventStatus::Cancelled)
}

/// Whether an edit of this event waits for review instead of going live: authors' changes to
/// a public event do.
pub fn edit_needs_review(actor: &Actor, e: &event::Model) -> bool {
    e.status.is_public() && !actor.is_admin()
}

pub fn can_submit(actor: &Actor, e: &event::Model) -> bool {
    is_author(actor, e)
        && matches!(
            e.status,
            EventStatus::Draft | EventStatus::ChangesRequested | EventStatus::Rejected
        )
}

/// Approving, rejecting or sending back a submitted event.
pub fn can_review(actor: &Actor, e: &event::Model) -> bool {
    actor.is_admin() && e.status == EventStatus::Submitted
}

/// The moderation queue, and decisions on proposed changes to published events.
pub fn can_moderate(actor: &Actor) -> bool {
    actor.is_admin()
}

pub fn can_cancel(actor: &Actor, e: &event::Model) -> bool {
    (actor.is_admin() || is_author(actor, e)) && e.status == EventStatus::Published
}

/// Postponing (the new date to follow) is for whoever may cancel, while the event is live and
/// not already postponed.
pub fn can_postpone(actor: &Actor, e: &event::Model) -> bool {
    can_cancel(actor, e) && e.postponed_at.is_none()
}

/// Bringing back a cancelled event or date, or a postponed one on its planned date: admins
/// only, as it changes subscribers' calendars again.
pub fn can_reinstate(actor: &Actor, e: &event::Model) -> bool {
    actor.is_admin()
        && (e.status == EventStatus::Cancelled
            || (e.status == EventStatus::Published && e.rrule.is_some())
            || (e.status == EventStatus::Published && e.postponed_at.is_some()))
}

/// Moving one date of a series changes subscribers' calendars without review, so only admins
/// do it; an author asks them (or proposes an edit). Authors may cancel a date.
pub fn can_move_occurrence(actor: &Actor, e: &event::Model) -> bool {
    actor.is_admin() && e.status == EventStatus::Published
}

/// Only events that were never public can be deleted; public ones are cancelled instead, so
/// calendars that subscribed learn about it.
pub fn can_delete(actor: &Actor, e: &event::Model) -> bool {
    (actor.is_admin() || is_author(actor, e))
        && matches!(
            e.status,
            EventStatus::Draft
                | EventStatus::Submitted
                | EventStatus::ChangesRequested
                | EventStatus::Rejected
        )
}

/// Whether a change someone made to an event they do not own is worth an audit entry:
/// admins deleting others' drafts.
pub fn acts_for_someone_else(actor: &Actor, e: &event::Model) -> bool {
    !is_author(actor, e)
}

fn forbidden() -> AppError {
    AppError::Forbidden("You cannot do that to this event.".into())
}

/// Not allowed: a 404 for someone who may not even see the event (no hint that it exists),
/// a 409 for its author or an admin when its status is what stands in the way, else a 403.
fn refused(actor: &Actor, e: &event::Model) -> AppError {
    if !can_view(Some(actor), e) {
        AppError::NotFound
    } else if actor.is_admin() || is_author(actor, e) {
        AppError::Conflict(format!(
            "This event is {}, so that is not possible now.",
            e.status.label().to_lowercase()
        ))
    } else {
        forbidden()
    }
}

fn ensure(allowed: bool, actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if allowed {
        Ok(())
    } else {
        Err(refused(actor, e))
    }
}

pub fn ensure_can_view(actor: Option<&Actor>, e: &event::Model) -> Result<(), AppError> {
    if can_view(actor, e) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub fn ensure_can_publish_directly(actor: &Actor) -> Result<(), AppError> {
    if can_publish_directly(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the admins publish events directly; submit yours for approval.".into(),
        ))
    }
}

pub fn ensure_can_edit(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    ensure_can_view(Some(actor), e)?;
    if can_edit(actor, e) {
        Ok(())
    } else {
        Err(AppError::Forbidden("You cannot edit this event.".into()))
    }
}

pub fn ensure_can_submit(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    ensure(can_submit(actor, e), actor, e)
}

pub fn ensure_can_review(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    ensure(can_review(actor, e), actor, e)
}

pub fn ensure_can_moderate(actor: &Actor) -> Result<(), AppError> {
    if can_moderate(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins review events and changes.".into(),
        ))
    }
}

pub fn ensure_can_cancel(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    ensure(can_cancel(actor, e), actor, e)
}

pub fn ensure_can_postpone(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if e.postponed_at.is_some() && can_cancel(actor, e) {
        return Err(AppError::Conflict(
            "This event is already postponed.".into(),
        ));
    }
    ensure(can_postpone(actor, e), actor, e)
}

pub fn ensure_can_reinstate(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if can_reinstate(actor, e) {
        Ok(())
    } else if !actor.is_admin() && can_view(Some(actor), e) && is_author(actor, e) {
        Err(AppError::Forbidden(
            "Only the admins can reinstate an event or a date: ask them.".into(),
        ))
    } else {
        Err(refused(actor, e))
    }
}

pub fn ensure_can_move_occurrence(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if can_move_occurrence(actor, e) {
        Ok(())
    } else if can_cancel(actor, e) {
        Err(AppError::Forbidden(
            "Only the admins can move a date of a published series: ask them, or edit the \
             event and they will review the change."
                .into(),
        ))
    } else {
        Err(refused(actor, e))
    }
}

pub fn ensure_can_delete(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    ensure_can_view(Some(actor), e)?;
    if can_delete(actor, e) {
        Ok(())
    } else if e.status.is_public() && (actor.is_admin() || is_author(actor, e)) {
        Err(AppError::Conflict(
            "A published event cannot be deleted; cancel it instead, so calendars hear about it."
                .into(),
        ))
    } else {
        Err(forbidden())
    }
}

/// Everything one person may do with one event: what the page shows, and exactly what the
/// services would accept.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct EventPermissions {
    pub view: bool,
    pub edit: bool,
    pub submit: bool,
    pub review: bool,
    pub cancel: bool,
    /// Postponing, the new date to follow.
    pub postpone: bool,
    /// Bringing back a cancelled or postponed event, or a date of a series.
    pub reinstate: bool,
    /// Moving one date of a series.
    pub move_dates: bool,
    pub delete: bool,
    /// The author's notes to the reviewers and their replies, and a change waiting for review.
    pub see_internal: bool,
    /// Whether saving an edit publishes it or sends it for review.
    pub edit_needs_review: bool,
}

impl EventPermissions {
    pub fn of(actor: Option<&Actor>, e: &event::Model) -> Self {
        let Some(a) = actor else {
            return EventPermissions {
                view: can_view(None, e),
                ..Default::default()
            };
        };
        EventPermissions {
            view: can_view(actor, e),
            edit: can_edit(a, e),
            submit: can_submit(a, e),
            review: can_review(a, e),
            cancel: can_cancel(a, e),
            postpone: can_postpone(a, e),
            reinstate: can_reinstate(a, e),
            move_dates: can_move_occurrence(a, e),
            delete: can_delete(a, e),
            see_internal: is_insider(actor, e),
            edit_needs_review: edit_needs_review(a, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::user::Role;

    fn event(status: EventStatus) -> event::Model {
        crate::events::sample_event(status)
    }

    const AUTHOR: Actor = Actor {
        id: 7,
        role: Role::Member,
    };
    const OTHER: Actor = Actor {
        id: 8,
        role: Role::Member,
    };
    const ADMIN: Actor = Actor {
        id: 9,
        role: Role::Admin,
    };

    #[test]
    fn a_draft_is_its_authors_and_the_admins_alone() {
        let draft = event(EventStatus::Draft);
        assert!(!can_view(None, &draft) && !can_view(Some(&OTHER), &draft));
        assert!(can_view(Some(&AUTHOR), &draft) && can_view(Some(&ADMIN), &draft));
        assert!(matches!(
            ensure_can_submit(&OTHER, &draft),
            Err(AppError::NotFound)
        ));
        assert!(ensure_can_submit(&AUTHOR, &draft).is_ok());
        assert!(matches!(
            ensure_can_review(&ADMIN, &draft),
            Err(AppError::Conflict(_))
        ));
    }

    #[test]
    fn permissions_agree_with_the_rules() {
        for status in [
            EventStatus::Draft,
            EventStatus::Submitted,
            EventStatus::ChangesRequested,
            EventStatus::Rejected,
            EventStatus::Published,
            EventStatus::Cancelled,
        ] {
            let e = event(status);
            for actor in [None, Some(&AUTHOR), Some(&OTHER), Some(&ADMIN)] {
                let p = EventPermissions::of(actor, &e);
                assert_eq!(p.view, can_view(actor, &e));
                if let Some(a) = actor {
                    assert_eq!(p.edit, ensure_can_edit(a, &e).is_ok(), "{status:?} {a:?}");
                    assert_eq!(p.cancel, ensure_can_cancel(a, &e).is_ok());
                    assert_eq!(p.delete, ensure_can_delete(a, &e).is_ok());
                    assert_eq!(p.move_dates, ensure_can_move_occurrence(a, &e).is_ok());
                } else {
                    assert!(!p.edit && !p.cancel && !p.delete && !p.see_internal);
                }
            }
        }
    }
}
