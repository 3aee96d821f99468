//! What members choose to receive: `/profile/mail` (signed in), and the unsubscribe link in
//! every message (`/mail/unsubscribe/{secret}/{topic}`), which works without a sign-in. Its
//! GET only asks (mail scanners open links); its POST turns the topic off, and is also what
//! mail programs send for one-click unsubscribe (RFC 8058), so it is exempt from the CSRF
//! check: the secret in the address is its authority, and all it can do is stop mail.

use std::collections::HashMap;

use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Html, Path};
use poem::{IntoResponse, Response, handler};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::notify::compose::PREFERENCES;
use crate::notify::preferences::{self, Unsubscribe};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::user::CurrentUser;

#[derive(Serialize)]
struct TopicChoice {
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    on: bool,
}

#[derive(Serialize)]
struct PreferencesView {
    email: String,
    verified: bool,
    topics: Vec<TopicChoice>,
    daily: bool,
}

#[handler]
pub async fn show(ctx: PageCtx, CurrentUser(user): CurrentUser) -> AppResult<Html<String>> {
    let person = crate::auth::service::find_user(&ctx.state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let topics = preferences::of(&ctx.state.db, &person)
        .await?
        .into_iter()
        .map(|(t, on)| TopicChoice {
            key: t.key,
            label: t.label,
            hint: t.hint,
            on,
        })
        .collect();
    let view = PreferencesView {
        email: person.email.clone(),
        verified: person.email_verified,
        topics,
        daily: preferences::daily(&ctx.state.db, person.id).await?,
    };
    ctx.render("notify/preferences", "E-mail from us", None, &view)
}

/// Saves the page's boxes: a topic whose box was ticked is on, every other is off.
#[handler]
pub async fn save(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let person = crate::auth::service::find_user(&state.db, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let daily = form.get("delivery").is_some_and(|v| v == "daily");
    let on: Vec<String> = form
        .into_iter()
        .filter(|(_, value)| value == "on")
        .map(|(key, _)| key)
        .collect();
    preferences::save(&state.db, &person, &on, daily, state.clock.now()).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "Your e-mail choices are saved.",
        PREFERENCES,
    ))
}

#[derive(Serialize)]
struct UnsubscribeView {
    /// The topic's name, or none for "everything".
    label: Option<&'static str>,
    hint: Option<&'static str>,
    email: String,
    action: String,
    /// Where stopping everything is asked (on a topic's page).
    all_href: Option<String>,
    done: bool,
}

fn what(topic: &str) -> AppResult<Unsubscribe> {
    Unsubscribe::parse(topic).ok_or(AppError::NotFound)
}

fn unsubscribe_view(
    token: &str,
    what: Unsubscribe,
    email: String,
    done: bool,
) -> (String, UnsubscribeView) {
    let (label, hint) = match what {
        Unsubscribe::Topic(t) => (Some(t.label), Some(t.hint)),
        Unsubscribe::All => (None, None),
    };
    let title = match (label, done) {
        (Some(label), false) => format!("Stop e-mails about \u{201c}{label}\u{201d}?"),
        (None, false) => "Stop all e-mail from us?".to_string(),
        (Some(label), true) => format!("E-mails about \u{201c}{label}\u{201d} stopped"),
        (None, true) => "All e-mail stopped".to_string(),
    };
    let key = match what {
        Unsubscribe::Topic(t) => t.key,
        Unsubscribe::All => "all",
    };
    let view = UnsubscribeView {
        label,
        hint,
        email,
        action: format!("/mail/unsubscribe/{token}/{key}"),
        all_href: matches!(what, Unsubscribe::Topic(_))
            .then(|| format!("/mail/unsubscribe/{token}/all")),
        done,
    };
    (title, view)
}

/// Asks before stopping anything: link scanners in mail systems open every link.
#[handler]
pub async fn ask(
    ctx: PageCtx,
    Path((token, topic)): Path<(String, String)>,
) -> AppResult<Response> {
    let what = what(&topic)?;
    let person = preferences::by_token(&ctx.state.db, &token)
        .await?
        .ok_or_else(invalid_link)?;
    let (title, view) = unsubscribe_view(&token, what, person.email, false);
    Ok(ctx
        .render("notify/unsubscribe", &title, None, &view)?
        .into_response())
}

/// Stops the topic (or everything): from the page's button, or a mail program's one-click
/// POST. Doing it twice changes nothing.
#[handler]
pub async fn unsubscribe(
    ctx: PageCtx,
    Path((token, topic)): Path<(String, String)>,
) -> AppResult<Response> {
    let what = what(&topic)?;
    let now = ctx.state.clock.now();
    let person = preferences::unsubscribe(&ctx.state.db, &token, what, now)
        .await?
        .ok_or_else(invalid_link)?;
    let (title, view) = unsubscribe_view(&token, what, person.email, true);
    Ok(ctx
        .render("notify/unsubscribe", &title, None, &view)?
        .into_response())
}

fn invalid_link() -> AppError {
    AppError::NotFoundWith(
        "This unsubscribe link is not valid: it may be incomplete (check that the whole \
         address was copied), or its account no longer exists. Signed-in members choose \
         what they receive on their profile."
            .into(),
    )
}
