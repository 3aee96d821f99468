//! Who may do what with answers, in one place: the services check these before every change,
//! and the pages show exactly what they allow.

use entity::event::{self, EventStatus};

use crate::actor::Actor;
use crate::error::AppError;
use crate::events::policy as events;

/// Any signed-in member may answer a published event.
pub fn can_answer(actor: Option<&Actor>, e: &event::Model) -> bool {
    actor.is_some() && e.status == EventStatus::Published
}

/// The organiser (the event's author) and the admins: the attendee list with notes, guests,
/// attendance, places and deadline.
pub fn can_manage(actor: Option<&Actor>, e: &event::Model) -> bool {
    actor.is_some_and(|a| a.is_admin() || a.id == e.author_id)
}

/// Who is going, by name (of those who allow it): signed-in members only.
pub fn can_see_names(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

/// A 404 for those who may not see the event at all, else a 403.
pub fn ensure_can_manage(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if !events::can_view(Some(actor), e) {
        Err(AppError::NotFound)
    } else if !can_manage(Some(actor), e) {
        Err(AppError::Forbidden(
            "Only the event's organiser and the admins can do that.".into(),
        ))
    } else {
        Ok(())
    }
}

/// Answering: a 404 for an event the member may not see, a 409 when its status stands in
/// the way.
pub fn ensure_can_answer(actor: &Actor, e: &event::Model) -> Result<(), AppError> {
    if !events::can_view(Some(actor), e) {
        Err(AppError::NotFound)
    } else if e.status == EventStatus::Cancelled {
        Err(AppError::Conflict(
            "This event is cancelled, so it takes no answers.".into(),
        ))
    } else if !can_answer(Some(actor), e) {
        Err(AppError::Conflict(
            "This event is not published yet, so it takes no answers.".into(),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::user::Role;

    #[test]
    fn organisers_and_admins_manage_members_answer_published_events() {
        let author = Actor {
            id: 7,
            role: Role::Member,
        };
        let member = Actor {
            id: 8,
            role: Role::Member,
        };
        let admin = Actor {
            id: 9,
            role: Role::Admin,
        };
        let published = crate::events::sample_event(EventStatus::Published);
        let draft = crate::events::sample_event(EventStatus::Draft);
        assert!(can_manage(Some(&author), &published));
        assert!(can_manage(Some(&admin), &published));
        assert!(!can_manage(Some(&member), &published));
        assert!(!can_manage(None, &published));
        assert!(can_answer(Some(&member), &published));
        assert!(!can_answer(None, &published));
        assert!(!can_answer(Some(&author), &draft));
        assert!(matches!(
            ensure_can_answer(&member, &draft),
            Err(AppError::NotFound)
        ));
        assert!(matches!(
            ensure_can_manage(&member, &published),
            Err(AppError::Forbidden(_))
        ));
    }
}
