//! Who may do what with dataset requests, in one place. Everyone reads them and their
//! history; members ask for datasets and vote (one vote each, while a request is open);
//! authors correct their own request until an admin takes it up; admins edit any request
//! and record where it stands with the publisher.

use entity::dataset_request::{self, RequestStatus};

use crate::actor::Actor;
use crate::error::AppError;

/// Asking for a dataset: any signed-in member.
pub fn can_request(actor: Option<&Actor>) -> bool {
    actor.is_some()
}

/// Voting, and withdrawing a vote: members, while the request is open.
pub fn can_vote(actor: Option<&Actor>, request: &dataset_request::Model) -> bool {
    actor.is_some() && request.status.is_open()
}

pub fn ensure_can_vote(actor: &Actor, request: &dataset_request::Model) -> Result<(), AppError> {
    if can_vote(Some(actor), request) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "This request is {}: its votes are final.",
            request.status.label().to_lowercase()
        )))
    }
}

/// Correcting the request's text: admins, and its author until the status first changes.
pub fn can_edit(actor: Option<&Actor>, request: &dataset_request::Model) -> bool {
    actor.is_some_and(|a| {
        a.is_admin()
            || (request.author_id == Some(a.id) && request.status == RequestStatus::Requested)
    })
}

pub fn ensure_can_edit(actor: &Actor, request: &dataset_request::Model) -> Result<(), AppError> {
    if can_edit(Some(actor), request) {
        Ok(())
    } else if request.author_id == Some(actor.id) {
        Err(AppError::Conflict(
            "The admins have taken this request up, so it can no longer be changed. Ask them if something is wrong."
                .into(),
        ))
    } else {
        Err(AppError::Forbidden(
            "Only the member who made this request, or an admin, can change it.".into(),
        ))
    }
}

/// Recording where a request stands with its publisher: admins.
pub fn can_set_status(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::is_admin)
}

pub fn ensure_can_set_status(actor: &Actor) -> Result<(), AppError> {
    if can_set_status(Some(actor)) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only admins record where a request stands with its publisher.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use entity::user::Role;

    fn request(author: i64, status: RequestStatus) -> dataset_request::Model {
        let now = Utc::now();
        dataset_request::Model {
            id: 1,
            title: "Stop audit".into(),
            holder: "Midshire County Council".into(),
            description: "x".into(),
            reason: "y".into(),
            links: String::new(),
            status,
            outcome_link: None,
            outcome_note: None,
            votes: 0,
            author_id: Some(author),
            created_at: now,
            updated_at: now,
            status_changed_at: now,
        }
    }

    #[test]
    fn authors_edit_until_taken_up_members_vote_while_open() {
        let author = Actor {
            id: 1,
            role: Role::Member,
        };
        let other = Actor {
            id: 2,
            role: Role::Member,
        };
        let admin = Actor {
            id: 3,
            role: Role::Admin,
        };
        let open = request(1, RequestStatus::Requested);
        let discussing = request(1, RequestStatus::Discussing);
        let declined = request(1, RequestStatus::Declined);
        assert!(can_edit(Some(&author), &open));
        assert!(!can_edit(Some(&author), &discussing));
        assert!(!can_edit(Some(&other), &open));
        assert!(can_edit(Some(&admin), &declined));
        assert!(!can_edit(None, &open));
        assert!(can_vote(Some(&other), &discussing));
        assert!(!can_vote(Some(&other), &declined));
        assert!(!can_vote(None, &open));
        assert!(can_set_status(Some(&admin)));
        assert!(!can_set_status(Some(&author)));
        assert!(!can_request(None));
    }
}
