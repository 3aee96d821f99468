//! Convene: the online home of a regional open data forum.
//!
//! [`app`] builds the whole web application from an [`AppState`]; `main.rs` is a thin CLI
//! around [`server`]. Tests start the same app on a random port.

pub mod actor;
pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod data_requests;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod files;
pub mod forum;
pub mod health;
pub mod home;
pub mod meetings;
pub mod metrics;
pub mod notify;
pub mod organisations;
pub mod rsvp;
pub mod search;
pub mod secret;
pub mod server;
pub mod state;
pub mod web;

use poem::middleware::CookieJarManager;
use poem::{Endpoint, EndpointExt};

pub use state::AppState;

/// Any change made through this instance (any request but a GET or HEAD) clears its cached
/// feeds and page data, so the next request sees it at once (other instances notice within a
/// second).
async fn invalidate_caches<E: Endpoint>(
    next: E,
    req: poem::Request,
) -> poem::Result<poem::Response> {
    use poem::IntoResponse;
    let state = req.data::<AppState>().cloned();
    let writes = !matches!(
        *req.method(),
        poem::http::Method::GET | poem::http::Method::HEAD
    );
    let resp = next.call(req).await?.into_response();
    if writes && let Some(state) = state {
        state.feeds.invalidate();
        state.reads.invalidate();
        state.pages.invalidate();
    }
    Ok(resp)
}

/// Where a POST needs no CSRF token: mail programs' one-click unsubscribe, and the API,
/// which never reads the session cookie (its callers show a token instead).
const CSRF_EXEMPT: &[&str] = &[notify::CSRF_EXEMPT, api::CSRF_EXEMPT];

/// Every route of the app, feature by feature, and the list of what they serve. Layering:
/// features mount their own routes here; `web` knows no feature.
pub fn routes(state: &AppState) -> web::router::Router {
    use web::router::{Router, get};
    let router = Router::new()
        .at(
            "/",
            get(home::index.around(web::shared_pages::serve_shared)),
        )
        .at("/search", get(home::search::search_page))
        .at("/events.csv", get(events::export::download))
        .nest("/data", catalogue::routes())
        .nest_with("/events", events::routes(), |r| {
            r.around(web::shared_pages::serve_shared)
        })
        .nest("/admin/moderation", events::moderation_routes())
        .nest("/auth", auth::routes(state.config.auth.dev_login))
        .nest("/profile", auth::profile_routes())
        .nest("/admin/outbox", notify::admin_routes())
        .at("/admin/report", get(metrics::report::page))
        .nest("/admin", admin::routes())
        .at("/healthz", get(health::check))
        .at("/assets/*path", get(web::assets::serve));
    let router = data_requests::mount(forum::mount(organisations::mount(router)));
    let router = meetings::mount(notify::mount(rsvp::mount(calendar::mount(router))));
    // After the pages it adds to: poem's route tree did not match `/meetings/:slug/files`
    // when it was added before `/meetings/:slug` (the files tests would fail).
    let router = forum::discussions::mount(files::mount(router));
    api::mount(
        router,
        (
            events::api::EventsApi,
            rsvp::api::RsvpApi,
            data_requests::api::DataRequestsApi,
            meetings::api::MeetingsApi,
            files::api::FilesApi,
            forum::api::ForumApi,
            auth::api::AccountApi,
        ),
        state,
    )
}

/// The router with every middleware applied.
pub fn app(state: AppState) -> impl Endpoint + 'static {
    let (routes, _) = routes(&state).into_parts();
    let secure = state.config.secure_cookies();
    routes
        .with(auth::session::LoadSession {
            state: state.clone(),
        })
        .with(
            web::csrf::Csrf::new(
                &state.cookie_key,
                secure,
                auth::session::cookie_name(&state.config),
            )
            .exempt(CSRF_EXEMPT),
        )
        // Outside the CSRF check, which may read a form body: the cap applies to it too.
        .with(web::limits::RequestLimits::with_uploads(
            state.config.max_upload_bytes,
        ))
        .with(web::errors::ErrorPages::new(state.clone()).json_under(api::PREFIX))
        // Outside the error pages, so cookie changes (a cleared session, a used-up sign-in)
        // reach the browser even when the request ends in an error page.
        .with(CookieJarManager::with_key(state.cookie_key.clone()))
        .with(web::compress::Compression)
        .with(web::headers::SecurityHeaders {
            hsts: state.config.secure_cookies(),
        })
        .around(invalidate_caches)
        .around(metrics::count)
        .around(web::logging::log_request)
        .data(state)
}
