//! Who may do what, in one place, so the HTML pages and the JSON API cannot disagree.
//! Each rule is a plain function of the person asking (and later, the record).

use crate::auth::session::SessionUser;
use crate::error::AppError;

pub fn can_manage_accounts(user: &SessionUser) -> bool {
    user.is_admin()
}

pub fn can_read_audit_log(user: &SessionUser) -> bool {
    user.is_admin()
}

pub fn ensure_can_manage_accounts(user: &SessionUser) -> Result<(), AppError> {
    if can_manage_accounts(user) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins can manage accounts.".into(),
        ))
    }
}

pub fn ensure_can_read_audit_log(user: &SessionUser) -> Result<(), AppError> {
    if can_read_audit_log(user) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "Only the site's admins can read the audit log.".into(),
        ))
    }
}
