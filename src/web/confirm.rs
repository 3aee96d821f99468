//! "Are you sure?" pages for destructive actions, which work without JavaScript: the button
//! on the record's page is a link here, and this page holds the form that does it.

use poem::Response;
use poem::http::StatusCode;
use serde::Serialize;

use crate::error::AppResult;
use crate::web::PageCtx;

/// A hidden field of the confirmation form.
#[derive(Serialize)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

/// A box for a reason on a confirmation page.
#[derive(Serialize, Default)]
pub struct ReasonBox {
    pub label: String,
    pub hint: String,
    pub required: bool,
    /// What was typed, when the page is shown again.
    pub value: String,
    pub error: Option<String>,
}

#[derive(Serialize, Default)]
pub struct Confirm {
    /// "Cancel “Bus Data Hack Day”?"
    pub heading: String,
    /// What happens, in a sentence or two.
    pub message: String,
    /// Where the form posts.
    pub action: String,
    /// Hidden fields the action needs besides the CSRF token (`start` for a date).
    pub hidden: Vec<Hidden>,
    pub reason: Option<ReasonBox>,
    pub button: String,
    /// Where "No, go back" leads.
    pub back_href: String,
}

/// The confirmation page: 200, or 422 when a reason was missing.
pub fn render(ctx: PageCtx, view: &Confirm) -> AppResult<Response> {
    let invalid = view.reason.as_ref().is_some_and(|r| r.error.is_some());
    ctx.render_form(
        "confirm",
        &view.heading,
        invalid.then_some(StatusCode::UNPROCESSABLE_ENTITY),
        view,
    )
}
