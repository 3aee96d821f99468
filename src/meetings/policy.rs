//! Who may do what with meetings, in one place. Everyone reads published agendas and
//! published minutes; members also read draft minutes, members' updates and attendance;
//! admins and the meeting's officers (its chair and secretary) write; each member writes their
//! own update; owners record progress on their own actions.

use chrono::{DateTime, Utc};
use entity::meeting::{self, MinutesStatus};

use crate::actor::Actor;
use crate::error::AppError;

/// The chair or the secretary of this meeting.
pub fn is_officer(actor: &Actor, m: &meeting::Model) -> bool {
    m.chair_id == Some(actor.id) || m.secretary_id == Some(actor.id)
}

/// New meetings, and naming their officers: admins.
pub fn can_create(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::is_admin)
}

/// The agenda, attendance, minutes and actions of this meeting: admins and its officers.
pub fn can_edit(actor: Option<&Actor>, m: &meeting::Model) -> bool {
    actor.is_some_and(|a| a.is_admin() || is_officer(a, m))
}

/// The agenda is public once published; its officers see it while they prepare it.
pub fn can_see_agenda(actor: Option<&Actor>, m: &meeting::Model) -> bool {
    m.agenda_published_at.is_some() || m.archived || can_edit(actor, m)
}

/// The minutes everyone reads: published and agreed ones (as a query's filter too).
pub const PUBLIC_MINUTES: [MinutesStatus; 2] = [MinutesStatus::Published, MinutesStatus::Agreed];

/// Draft minutes are for members; published and agreed minutes are for everyone.
pub fn can_see_minutes(actor: Option<&Actor>, m: &meeting::Model) -> bool {
    match m.minutes_status {
        MinutesStatus::None => false,
        MinutesStatus::Draft => actor.is_some(),
        MinutesStatus::Published | MinutesStatus::Agreed => true,
    }
}

/// Who attended: members; everyone once the minutes (which record it) are published.
pub fn can_see_attendance(actor: Option<&Actor>, m: &meeting::Model) -> bool {
    actor.is_some() || PUBLIC_MINUTES.contains(&m.minutes_status)
}

/// An action is as public as the minutes that record it: a visitor sees the actions of
/// published and agreed minutes, a member those of draft minutes too.
pub fn can_see_actions(actor: Option<&Actor>, m: &meeting::Model) -> bool {
    actor.is_some() || PUBLIC_MINUTES.contains(&m.minutes_status)
}

/// Members' one-page updates: members.
pub fn can_see_updates(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

/// A member (any signed-in one) writes and edits their own update until the meeting starts.
pub fn ensure_can_write_update(
    _member: &Actor,
    m: &meeting::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if m.archived || now >= m.starts_at {
        Err(AppError::Conflict(
            "This meeting has started, so updates for it can no longer be changed.".into(),
        ))
    } else {
        Ok(())
    }
}

pub fn ensure_can_create(actor: &Actor) -> Result<(), AppError> {
    if can_create(Some(actor)) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only admins can add meetings.".into()))
    }
}

pub fn ensure_can_edit(actor: &Actor, m: &meeting::Model) -> Result<(), AppError> {
    if can_edit(Some(actor), m) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the admins and this meeting's chair and secretary can do that.".into(),
        ))
    }
}

/// Progress on an action: its owners, the admins, and the officers of the meeting that
/// raised it or of the meeting recording it.
pub fn can_record_progress(
    actor: &Actor,
    owner_ids: &[i64],
    raised_at: &meeting::Model,
    recorded_at: Option<&meeting::Model>,
) -> bool {
    actor.is_admin()
        || owner_ids.contains(&actor.id)
        || is_officer(actor, raised_at)
        || recorded_at.is_some_and(|m| is_officer(actor, m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::user::Role;

    pub(crate) fn sample(chair: Option<i64>, secretary: Option<i64>) -> meeting::Model {
        let at = chrono::Utc::now();
        meeting::Model {
            id: 1,
            slug: "2027-01-14-forum-meeting".into(),
            title: "Forum meeting".into(),
            starts_at: at,
            ends_at: None,
            place: "Town hall".into(),
            chair_id: chair,
            secretary_id: secretary,
            event_id: None,
            occurrence: String::new(),
            postponed_from: None,
            postponed_reason: None,
            agenda_published_at: None,
            minutes_status: MinutesStatus::Draft,
            minutes_notes: None,
            minutes_published_at: None,
            minutes_agreed_at: None,
            agreed_at_meeting_id: None,
            archived: false,
            created_by: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn officers_and_admins_edit_members_read_drafts_guests_read_what_is_published() {
        let member = Actor {
            id: 5,
            role: Role::Member,
        };
        let secretary = Actor {
            id: 6,
            role: Role::Member,
        };
        let admin = Actor {
            id: 7,
            role: Role::Admin,
        };
        let mut m = sample(None, Some(6));
        assert!(can_edit(Some(&secretary), &m));
        assert!(can_edit(Some(&admin), &m));
        assert!(!can_edit(Some(&member), &m));
        assert!(!can_edit(None, &m));
        assert!(!can_see_agenda(Some(&member), &m), "not published yet");
        assert!(can_see_agenda(Some(&secretary), &m));
        assert!(can_see_minutes(Some(&member), &m));
        assert!(!can_see_minutes(None, &m), "drafts are for members");
        m.minutes_status = MinutesStatus::Published;
        assert!(can_see_minutes(None, &m));
        assert!(can_see_attendance(None, &m));
        assert!(can_record_progress(&member, &[5], &m, None));
        assert!(!can_record_progress(&member, &[9], &m, None));
    }
}
