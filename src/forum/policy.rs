//! Who may read and write what in the forum. Everyone reads what is not hidden; signed-in
//! members start threads (admins only, in a category kept for them) and reply (not in a
//! locked thread, where only admins may still write); authors edit and delete their own
//! posts; admins pin, lock and hide, and alone see hidden threads and posts, with the reason
//! (but for a new member's posts waiting for approval, which their author sees too).

use entity::{forum_category, forum_post, forum_thread};

use crate::actor::Actor;
use crate::error::AppError;

fn is_admin(actor: Option<&Actor>) -> bool {
    actor.is_some_and(Actor::is_admin)
}

pub fn can_see_thread(actor: Option<&Actor>, thread: &forum_thread::Model) -> bool {
    thread.hidden_at.is_none()
        || is_admin(actor)
        || (thread.held && is_author(actor, thread.author_id))
}

/// A hidden post's place shows for everyone; its text for admins (and, while it waits for
/// approval, for its author).
pub fn can_read_post(actor: Option<&Actor>, post: &forum_post::Model) -> bool {
    post.hidden_at.is_none() || is_admin(actor) || (post.held && is_author(actor, post.author_id))
}

/// A post waiting for approval is not shown at all to others than its author and admins.
pub fn can_see_post_place(actor: Option<&Actor>, post: &forum_post::Model) -> bool {
    !post.held || can_read_post(actor, post)
}

fn is_author(actor: Option<&Actor>, author_id: Option<i64>) -> bool {
    actor.is_some_and(|a| author_id == Some(a.id))
}

/// Members report others' posts that stand (neither deleted nor already hidden).
pub fn can_report(actor: &Actor, post: &forum_post::Model) -> bool {
    post.author_id != Some(actor.id) && post.deleted_at.is_none() && post.hidden_at.is_none()
}

pub fn can_start_thread(actor: &Actor, category: &forum_category::Model) -> bool {
    !category.admins_only || actor.is_admin()
}

pub fn ensure_can_start_thread(
    actor: &Actor,
    category: &forum_category::Model,
) -> Result<(), AppError> {
    if can_start_thread(actor, category) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "Only the site's admins start threads in {}. You can reply to theirs.",
            category.name
        )))
    }
}

pub fn can_reply(actor: &Actor, thread: &forum_thread::Model) -> bool {
    thread.hidden_at.is_none() && (!thread.locked || actor.is_admin())
}

pub fn ensure_can_reply(actor: &Actor, thread: &forum_thread::Model) -> Result<(), AppError> {
    if thread.hidden_at.is_some() {
        if !actor.is_admin() {
            return Err(AppError::NotFound);
        }
        return Err(AppError::Conflict(
            "This thread is hidden: show it to members again before replying.".into(),
        ));
    }
    if !can_reply(actor, thread) {
        return Err(AppError::Conflict(
            "This thread is locked: it takes no more replies.".into(),
        ));
    }
    Ok(())
}

/// Authors change their own posts while they stand (not deleted or hidden; one waiting for
/// approval may still be edited or withdrawn) and the thread is open.
pub fn ensure_can_change_post(
    actor: &Actor,
    thread: &forum_thread::Model,
    post: &forum_post::Model,
) -> Result<(), AppError> {
    if post.author_id != Some(actor.id) {
        return Err(AppError::Forbidden(
            "Only its author can change or delete a post.".into(),
        ));
    }
    if post.deleted_at.is_some() {
        return Err(AppError::Gone("This post has been deleted.".into()));
    }
    if (post.hidden_at.is_some() && !post.held) || (thread.hidden_at.is_some() && !thread.held) {
        return Err(AppError::Conflict(
            "An admin has hidden this post, so it cannot be changed.".into(),
        ));
    }
    if thread.locked && !actor.is_admin() {
        return Err(AppError::Conflict(
            "This thread is locked, so its posts cannot be changed.".into(),
        ));
    }
    Ok(())
}

/// Whether `actor`'s next post waits for an admin: a member's does while fewer than
/// `hold_first` of their posts (`approved`) have been approved; admins' never do.
pub fn must_wait(actor: &Actor, approved: u64, hold_first: u32) -> bool {
    hold_first > 0 && !actor.is_admin() && approved < u64::from(hold_first)
}

pub fn can_moderate(actor: Option<&Actor>) -> bool {
    is_admin(actor)
}

pub fn ensure_can_moderate(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins moderate the forum.".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::user::Role;

    #[test]
    fn a_members_posts_wait_until_enough_are_approved_an_admins_never() {
        let member = Actor {
            id: 1,
            role: Role::Member,
        };
        let admin = Actor {
            id: 2,
            role: Role::Admin,
        };
        assert!(!must_wait(&member, 0, 0), "the setting off");
        assert!(must_wait(&member, 0, 2));
        assert!(must_wait(&member, 1, 2));
        assert!(!must_wait(&member, 2, 2));
        assert!(!must_wait(&admin, 0, 2));
    }
}
