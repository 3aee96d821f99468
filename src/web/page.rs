//! Rendering a page inside the shared layout. Handlers take a [`PageCtx`] and hand it a
//! template name, a title and a serializable view.

use poem::web::Html;
use poem::{FromRequest, Request, RequestBody};
use serde::Serialize;

use crate::auth::session::{MaybeUser, SessionUser};
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::csrf::CsrfToken;
use crate::web::flash::{self, Flash};

#[derive(Serialize)]
pub struct SiteView<'a> {
    pub name: &'a str,
    pub time_zone: &'a str,
}

#[derive(Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// The signed-in person as the layout shows them.
#[derive(Serialize)]
pub struct UserView<'a> {
    pub display_name: &'a str,
    pub is_admin: bool,
}

/// Everything `layout.hbs` reads, with the page's own view under `page`.
#[derive(Serialize)]
struct Layout<'a, T: Serialize> {
    site: SiteView<'a>,
    title: &'a str,
    description: Option<&'a str>,
    nav: Vec<NavItem>,
    flashes: Vec<Flash>,
    user: Option<UserView<'a>>,
    /// For the sign-out form in the header and every form on the page.
    csrf_token: &'a str,
    /// The sign-in link, bringing the person back to this page afterwards.
    signin_href: String,
    page: &'a T,
}

/// Who is looking at the page, and the token their forms must carry.
pub struct Viewer<'a> {
    pub user: Option<&'a SessionUser>,
    pub csrf_token: &'a str,
}

impl Viewer<'_> {
    pub const ANONYMOUS: Viewer<'static> = Viewer {
        user: None,
        csrf_token: "",
    };
}

/// The main navigation. Features add their entry here as they land.
fn nav(path: &str, user: Option<&SessionUser>) -> Vec<NavItem> {
    let mut items = vec![("/", "Home")];
    if user.is_some_and(SessionUser::is_admin) {
        items.push(("/admin", "Admin"));
    }
    items
        .into_iter()
        .map(|(href, label)| NavItem {
            href,
            label,
            current: if href == "/" {
                path == "/"
            } else {
                path.starts_with(href)
            },
        })
        .collect()
}

/// Renders a full page. Used by [`PageCtx`] and by the error pages.
#[allow(clippy::too_many_arguments)]
pub fn render_page<T: Serialize>(
    state: &AppState,
    path: &str,
    viewer: &Viewer<'_>,
    flashes: Vec<Flash>,
    template: &str,
    title: &str,
    description: Option<&str>,
    page: &T,
) -> Result<String, handlebars::RenderError> {
    let tz = state.config.time_zone.name();
    state.templates.render(
        template,
        &Layout {
            site: SiteView {
                name: &state.config.site_name,
                time_zone: tz,
            },
            title,
            description,
            nav: nav(path, viewer.user),
            flashes,
            user: viewer.user.map(|u| UserView {
                display_name: &u.display_name,
                is_admin: u.is_admin(),
            }),
            csrf_token: viewer.csrf_token,
            signin_href: signin_href(path),
            page,
        },
    )
}

/// `/auth/signin?return_to=...` for a page (but never back to the sign-in pages themselves).
pub fn signin_href(path: &str) -> String {
    if path == "/" || path.starts_with("/auth/") {
        "/auth/signin".to_string()
    } else {
        format!(
            "/auth/signin?return_to={}",
            url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
        )
    }
}

/// Per-request facts every page needs.
pub struct PageCtx {
    pub state: AppState,
    pub user: Option<SessionUser>,
    pub csrf_token: String,
    path: String,
    flashes: Vec<Flash>,
}

impl<'a> FromRequest<'a> for PageCtx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .cloned()
            .ok_or_else(|| crate::error::AppError::Internal("application state missing".into()))?;
        let MaybeUser(user) = MaybeUser::from_request_without_body(req).await?;
        let csrf_token = req
            .extensions()
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        Ok(Self {
            state,
            user,
            csrf_token,
            path: req.uri().path().to_string(),
            flashes: flash::take(req.cookie()),
        })
    }
}

impl PageCtx {
    pub fn render<T: Serialize>(
        self,
        template: &str,
        title: &str,
        description: Option<&str>,
        page: &T,
    ) -> AppResult<Html<String>> {
        let viewer = Viewer {
            user: self.user.as_ref(),
            csrf_token: &self.csrf_token,
        };
        Ok(Html(render_page(
            &self.state,
            &self.path,
            &viewer,
            self.flashes,
            template,
            title,
            description,
            page,
        )?))
    }
}
