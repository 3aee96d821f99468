//! Sign-in pages and the OAuth2 / OpenID Connect round trip, sign-out, the development
//! sign-in, and the profile page.

use poem::http::StatusCode;
use poem::web::cookie::{Cookie, CookieJar, SameSite};
use poem::web::{Data, Form, Html, Path, Query};
use poem::{IntoResponse, Request, Response, handler};
use serde::{Deserialize, Serialize};

use crate::auth::forms::{
    CallbackQuery, DevSignInForm, ProfileErrors, ProfileForm, StartQuery, safe_return_to,
};
use crate::auth::providers::ProviderError;
use crate::auth::service::{self, SignInKind};
use crate::auth::session;
use crate::auth::views::*;
use crate::db::begin_write;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::PageCtx;
use crate::web::flash::{self, FlashKind};
use crate::web::format;
use crate::web::see_other;
use crate::web::user::{CurrentUser, MaybeUser};

/// What the browser carries to the provider and back, encrypted and authenticated with the
/// site's key, so nothing about a sign-in in progress is stored on the server.
const PENDING_COOKIE: &str = "convene_signin";
const PENDING_MINUTES: i64 = 15;

#[derive(Serialize, Deserialize)]
struct PendingSignIn {
    provider: String,
    state: String,
    verifier: String,
    nonce: Option<String>,
    return_to: String,
    link_user: Option<i64>,
    started: i64,
}

#[derive(Deserialize)]
pub struct ReturnTo {
    return_to: Option<String>,
}

#[handler]
pub async fn signin_page(ctx: PageCtx, Query(q): Query<ReturnTo>) -> AppResult<Response> {
    let return_to = safe_return_to(q.return_to.as_deref());
    if ctx.user.is_some() {
        return Ok(see_other(&return_to));
    }
    let encoded: String = url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect();
    let view = SignInView {
        providers: ctx
            .state
            .providers
            .all()
            .iter()
            .map(|p| ProviderButton {
                label: p.config.label.clone(),
                href: format!("/auth/{}/start?return_to={encoded}", p.config.id),
            })
            .collect(),
        dev_login_href: ctx
            .state
            .config
            .auth
            .dev_login
            .then(|| format!("/auth/dev?return_to={encoded}")),
    };
    Ok(ctx
        .render("auth/signin", "Sign in", None, &view)?
        .into_response())
}

#[handler]
pub async fn start(
    req: &Request,
    state: Data<&AppState>,
    Path(provider_id): Path<String>,
    Query(q): Query<StartQuery>,
    MaybeUser(user): MaybeUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    state.sign_in_limiter.check(req)?;
    let provider = state
        .providers
        .get(&provider_id)
        .ok_or(AppError::NotFound)?;
    let link_user = match (q.link.is_some(), &user) {
        (true, Some(user)) => Some(user.id),
        (true, None) => return Err(AppError::Unauthorized),
        (false, _) => None,
    };
    let request = state
        .providers
        .begin(provider)
        .await
        .map_err(|e| provider_failure(&provider.config.label, e))?;
    let pending = PendingSignIn {
        provider: provider_id,
        state: request.state,
        verifier: request.pkce_verifier,
        nonce: request.nonce,
        return_to: if link_user.is_some() {
            "/profile".into()
        } else {
            safe_return_to(q.return_to.as_deref())
        },
        link_user,
        started: state.clock.now().timestamp(),
    };
    let mut cookie = Cookie::new(PENDING_COOKIE, &pending);
    cookie.set_path("/auth");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(state.config.secure_cookies());
    cookie.set_max_age(std::time::Duration::from_secs(PENDING_MINUTES as u64 * 60));
    jar.private().add(cookie);
    Ok(see_other(&request.url))
}

fn provider_failure(label: &str, err: ProviderError) -> AppError {
    match err {
        ProviderError::Unavailable(why) => {
            tracing::warn!(provider = label, error = %why, "identity provider unavailable");
            AppError::Upstream(format!(
                "We could not reach {label} to sign you in ({why}). Please try again in a few minutes."
            ))
        }
        ProviderError::Rejected(why) => {
            tracing::warn!(provider = label, error = %why, "sign-in rejected");
            AppError::BadRequest(format!(
                "{label} sent an answer that Convene could not accept, so you are not signed in. \
                 Please start again."
            ))
        }
    }
}

fn take_pending(jar: &CookieJar) -> Option<PendingSignIn> {
    let private = jar.private();
    let pending = private
        .get(PENDING_COOKIE)
        .and_then(|c| c.value::<PendingSignIn>().ok());
    let mut removal = Cookie::named(PENDING_COOKIE);
    removal.set_path("/auth");
    removal.make_removal();
    jar.add(removal);
    pending
}

/// Compares secrets without leaking, through timing, how much of a guess was right.
fn same_secret(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[handler]
pub async fn callback(
    req: &Request,
    state: Data<&AppState>,
    Path(provider_id): Path<String>,
    Query(q): Query<CallbackQuery>,
    MaybeUser(current): MaybeUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    state.sign_in_limiter.check(req)?;
    let provider = state
        .providers
        .get(&provider_id)
        .ok_or(AppError::NotFound)?;
    let label = provider.config.label.clone();
    let pending = take_pending(jar)
        .filter(|p| p.provider == provider_id)
        .filter(|p| state.clock.now().timestamp() - p.started <= PENDING_MINUTES * 60)
        .ok_or_else(|| {
            AppError::BadRequest(
                "This sign-in has expired or was started in another browser. Please start again."
                    .into(),
            )
        })?;

    // Linking adds to the account that asked for it, and to no other: if somebody else has
    // signed in on this browser since, start again.
    if pending.link_user.is_some() && pending.link_user != current.as_ref().map(|u| u.id) {
        return Err(AppError::BadRequest(
            "You are no longer signed in as the person who asked to link this account. Please \
             start again from your profile."
                .into(),
        ));
    }

    if let Some(error) = q.error.as_deref() {
        tracing::info!(provider = %provider_id, error, description = ?q.error_description, "provider returned an error");
        return Err(if error == "access_denied" {
            AppError::Forbidden(format!(
                "Signing in was cancelled or refused at {label}, so you are not signed in."
            ))
        } else {
            AppError::BadRequest(format!(
                "{label} could not sign you in (it said \u{201c}{error}\u{201d}). Please try again."
            ))
        });
    }
    let state_matches = q
        .state
        .as_deref()
        .is_some_and(|s| same_secret(s, &pending.state));
    if !state_matches {
        tracing::warn!(provider = %provider_id, "callback state did not match");
        return Err(AppError::BadRequest(
            "This sign-in response does not match the sign-in you started. Please start again."
                .into(),
        ));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::BadRequest(format!("{label} did not send a sign-in code.")))?;

    let identity = state
        .providers
        .finish(provider, code, pending.verifier, pending.nonce)
        .await
        .map_err(|e| provider_failure(&label, e))?;

    let txn = begin_write(&state.db).await?;
    let outcome = service::sign_in_identity(
        &txn,
        &provider_id,
        &label,
        &identity,
        pending.link_user,
        state.clock.now(),
    )
    .await?;
    let (user, kind) = match outcome {
        Ok(found) => found,
        Err(refusal) => {
            txn.rollback().await?;
            tracing::info!(provider = %provider_id, reason = ?refusal, "sign-in refused");
            return Err(AppError::Forbidden(refusal.to_string()));
        }
    };
    if pending.link_user.is_none() {
        session::create(&txn, &state.config, jar, user.id, state.clock.now()).await?;
    }
    txn.commit().await?;

    let secure = state.config.secure_cookies();
    let message = match (kind, pending.link_user) {
        (_, Some(_)) => format!("Your {label} account is now linked: you can sign in with it."),
        (SignInKind::Created, _) => {
            format!("Welcome, {}! Your account is ready.", user.display_name)
        }
        _ => format!("Signed in as {}.", user.display_name),
    };
    Ok(flash::redirect(
        jar,
        secure,
        FlashKind::Success,
        message,
        &pending.return_to,
    ))
}

#[handler]
pub async fn signout(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    session::destroy(&state, jar, &user).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Info,
        "You have signed out.",
        "/",
    ))
}

#[handler]
pub async fn signout_everywhere(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
) -> AppResult<Response> {
    let txn = begin_write(&state.db).await?;
    let ended = session::destroy_all(&txn, user.id).await?;
    txn.commit().await?;
    session::clear_cookie(&state.config, jar);
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Info,
        format!("You have signed out on all your devices ({ended} session(s) ended)."),
        "/",
    ))
}

#[handler]
pub async fn dev_page(ctx: PageCtx, Query(q): Query<ReturnTo>) -> AppResult<Response> {
    let accounts = service::list_users(&ctx.state.db)
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| DevAccount {
            email: u.email,
            display_name: u.display_name,
            organisation: u.organisation,
            role: u.role.as_str(),
        })
        .collect();
    let view = DevSignInView {
        accounts,
        return_to: safe_return_to(q.return_to.as_deref()),
    };
    Ok(ctx
        .render("auth/dev", "Development sign-in", None, &view)?
        .into_response())
}

#[handler]
pub async fn dev_signin(
    req: &Request,
    state: Data<&AppState>,
    jar: &CookieJar,
    Form(form): Form<DevSignInForm>,
) -> AppResult<Response> {
    state.sign_in_limiter.check(req)?;
    let email = service::normalise_email(&form.email)?;
    let txn = begin_write(&state.db).await?;
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(&email))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::BadRequest(format!("There is no account for {email}.")))?;
    if user.disabled {
        return Err(AppError::Forbidden(
            service::SignInRefusal::Disabled.to_string(),
        ));
    }
    session::create(&txn, &state.config, jar, user.id, state.clock.now()).await?;
    let mut active: entity::user::ActiveModel = user.clone().into();
    active.last_sign_in_at = sea_orm::Set(Some(state.clock.now()));
    active.update(&txn).await?;
    txn.commit().await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        format!("Signed in as {} (development sign-in).", user.display_name),
        &safe_return_to(form.return_to.as_deref()),
    ))
}

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter};

async fn profile_view(
    ctx: &PageCtx,
    user_id: i64,
    form: Option<ProfileForm>,
    errors: ProfileErrors,
) -> AppResult<ProfileView> {
    let state = &ctx.state;
    let person = service::find_user(&state.db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let identities = service::identities_of(&state.db, user_id).await?;
    let organisations = crate::organisations::queries::names(&state.db).await?;
    let label_of = |id: &str| {
        state
            .providers
            .get(id)
            .map_or_else(|| id.to_string(), |p| p.config.label.clone())
    };
    let removable = identities.len() > 1;
    let link_options = state
        .providers
        .all()
        .iter()
        .filter(|p| !identities.iter().any(|i| i.provider == p.config.id))
        .map(|p| ProviderButton {
            label: p.config.label.clone(),
            href: format!("/auth/{}/start?link=1", p.config.id),
        })
        .collect();
    let listed_publicly = form
        .as_ref()
        .map_or(person.listed_publicly, |f| f.listed_publicly.is_some());
    Ok(ProfileView {
        email: person.email.clone(),
        role: person.role.as_str(),
        form: form.unwrap_or(ProfileForm {
            display_name: person.display_name.clone(),
            organisation: person.organisation.clone().unwrap_or_default(),
            initials: person.initials.clone().unwrap_or_default(),
            listed_publicly: person.listed_publicly.then(|| "on".into()),
        }),
        listed_publicly,
        errors,
        identities: identities
            .into_iter()
            .map(|i| IdentityView {
                id: i.id,
                provider: label_of(&i.provider),
                email: i.email,
                since: format::date_time(i.created_at, state.config.time_zone),
                removable,
            })
            .collect(),
        link_options,
        organisations,
    })
}

#[handler]
pub async fn profile(ctx: PageCtx, CurrentUser(user): CurrentUser) -> AppResult<Html<String>> {
    let view = profile_view(&ctx, user.id, None, ProfileErrors::default()).await?;
    ctx.render("auth/profile", "Your profile", None, &view)
}

#[handler]
pub async fn update_profile(
    ctx: PageCtx,
    CurrentUser(user): CurrentUser,
    jar: &CookieJar,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let parsed = match form.parse() {
        Ok(change) => match &change.initials {
            Some(initials) if service::initials_taken(&ctx.state.db, user.id, initials).await? => {
                Err(ProfileErrors {
                    initials: Some(format!(
                        "Another member already uses {initials}. Add a letter, such as a middle initial."
                    )),
                    ..Default::default()
                })
            }
            _ => Ok(change),
        },
        Err(errors) => Err(errors),
    };
    match parsed {
        Ok(change) => {
            service::update_profile(&ctx.state.db, user.id, change, ctx.state.clock.now()).await?;
            Ok(flash::redirect(
                jar,
                ctx.state.config.secure_cookies(),
                FlashKind::Success,
                "Your profile has been saved.",
                "/profile",
            ))
        }
        Err(errors) => {
            let view = profile_view(&ctx, user.id, Some(form), errors).await?;
            ctx.render_form(
                "auth/profile",
                "Your profile",
                Some(StatusCode::UNPROCESSABLE_ENTITY),
                &view,
            )
        }
    }
}

#[handler]
pub async fn unlink(
    state: Data<&AppState>,
    CurrentUser(user): CurrentUser,
    Path(identity_id): Path<i64>,
    jar: &CookieJar,
) -> AppResult<Response> {
    service::unlink_identity(&state.db, user.id, identity_id).await?;
    Ok(flash::redirect(
        jar,
        state.config.secure_cookies(),
        FlashKind::Success,
        "That sign-in method has been removed.",
        "/profile",
    ))
}
