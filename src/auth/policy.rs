//! Who may do what with accounts, in one place, so the HTML pages and the JSON API cannot
//! disagree. Each rule is a plain function of the person asking; the services call the
//! `ensure_can_*` forms, which carry the message a refused person sees.

use crate::actor::Actor;
use crate::error::AppError;

pub fn can_manage_accounts(actor: &Actor) -> bool {
    actor.is_admin()
}

pub fn can_read_audit_log(actor: &Actor) -> bool {
    actor.is_admin()
}

pub fn ensure_can_manage_accounts(actor: &Actor) -> Result<(), AppError> {
    if can_manage_accounts(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins can manage accounts.".into(),
        ))
    }
}

pub fn ensure_can_read_audit_log(actor: &Actor) -> Result<(), AppError> {
    if can_read_audit_log(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins can read the audit log.".into(),
        ))
    }
}
