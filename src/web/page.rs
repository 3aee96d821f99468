//! Rendering a page inside the shared layout. Handlers take a [`PageCtx`] and hand it a
//! template name, a title and a serializable view.

use poem::web::Html;
use poem::{FromRequest, Request, RequestBody};
use serde::Serialize;

use crate::error::AppResult;
use crate::state::AppState;
use crate::web::csrf::CsrfSeed;
use crate::web::flash::{self, Flash};
use crate::web::user::{MaybeUser, SessionUser};

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
    /// A number to show beside the label (items waiting for an admin).
    pub count: Option<u64>,
}

/// What a page says about itself to browsers, search engines and link previews.
#[derive(Default)]
pub struct PageMeta {
    pub description: Option<String>,
    /// The page's absolute URL, for Open Graph.
    pub og_url: Option<String>,
    pub og_type: Option<&'static str>,
    /// schema.org data, already made safe by [`script_safe_json`].
    pub json_ld: Option<String>,
    /// Pages only their author and admins can see stay out of search engines.
    pub noindex: bool,
    /// An Atom feed of the page's news, for feed readers to find: its title and address.
    pub atom: Option<(String, String)>,
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` are written as `\u003c`
/// etc., so the text can never close the element or start markup.
pub fn script_safe_json(value: &serde_json::Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
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
    og_url: Option<&'a str>,
    og_type: Option<&'a str>,
    json_ld: Option<&'a str>,
    noindex: bool,
    atom_title: Option<&'a str>,
    atom_href: Option<&'a str>,
    nav: Vec<NavItem>,
    flashes: Vec<Flash>,
    user: Option<UserView<'a>>,
    is_admin: bool,
    /// For the sign-out form in the header and every form on the page.
    csrf_token: &'a str,
    /// The sign-in link, bringing the person back to this page afterwards.
    signin_href: String,
    page: &'a T,
}

/// Something waiting for an admin, counted beside "Admin" in their navigation. Features
/// register theirs in `AppState::waiting_for_admins`; pages know nothing of what is counted.
pub trait WaitingCount: Send + Sync {
    fn count<'a>(
        &'a self,
        db: &'a sea_orm::DatabaseConnection,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, sea_orm::DbErr>>;

    /// What is waiting, as the admin area's page lists it ("Reported forum posts").
    fn label(&self) -> &'static str;

    /// Where an admin deals with it.
    fn href(&self) -> &'static str;
}

/// Who is looking at the page, and the token their forms must carry.
pub struct Viewer<'a> {
    pub user: Option<&'a SessionUser>,
    pub csrf_token: &'a str,
    /// Events and changes waiting for an admin (only looked up for admins).
    pub waiting: Option<u64>,
}

impl Viewer<'_> {
    pub const ANONYMOUS: Viewer<'static> = Viewer {
        user: None,
        csrf_token: "",
        waiting: None,
    };
}

/// The main navigation. Features add their entry here as they land.
fn nav(path: &str, viewer: &Viewer<'_>) -> Vec<NavItem> {
    let mut items = vec![
        ("/", "Home", None),
        ("/events", "Events", None),
        ("/calendar", "Calendar", None),
        ("/meetings", "Meetings", None),
        ("/forum", "Forum", None),
        ("/data-requests", "Data", None),
    ];
    if viewer.user.is_some() {
        items.push(("/events/mine", "My events", None));
    }
    if viewer.user.is_some_and(|u| u.actor().is_admin()) {
        // One entry for the admin area, with what waits for an admin: the area's own page
        // lists its parts (moderation, people, the audit log, ...).
        items.push(("/admin", "Admin", viewer.waiting));
    }
    // The most specific entry that matches is the current one ("/events/mine" over "/events").
    let matches = |href: &str| {
        if href == "/" {
            path == "/"
        } else {
            path == href || path.starts_with(&format!("{href}/"))
        }
    };
    let current = items
        .iter()
        .map(|(href, _, _)| *href)
        .filter(|href| matches(href))
        .max_by_key(|href| href.len());
    items
        .into_iter()
        .map(|(href, label, count)| NavItem {
            href,
            label,
            current: Some(href) == current,
            count,
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
    meta: &PageMeta,
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
            description: meta.description.as_deref(),
            og_url: meta.og_url.as_deref(),
            og_type: meta.og_type,
            json_ld: meta.json_ld.as_deref(),
            noindex: meta.noindex,
            atom_title: meta.atom.as_ref().map(|(t, _)| t.as_str()),
            atom_href: meta.atom.as_ref().map(|(_, h)| h.as_str()),
            nav: nav(path, viewer),
            flashes,
            user: viewer.user.map(|u| UserView {
                display_name: &u.display_name,
                is_admin: u.actor().is_admin(),
            }),
            is_admin: viewer.user.is_some_and(|u| u.actor().is_admin()),
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
    waiting: Option<u64>,
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
            .get::<CsrfSeed>()
            .map(CsrfSeed::token)
            .unwrap_or_default();
        let waiting = match &user {
            Some(u) if u.actor().is_admin() => {
                let mut total = 0;
                for count in state.waiting_for_admins.iter() {
                    total += count
                        .count(&state.db)
                        .await
                        .map_err(crate::error::AppError::from)?;
                }
                Some(total)
            }
            _ => None,
        };
        Ok(Self {
            state,
            user,
            csrf_token,
            waiting,
            // The full path: inside a nested route `uri()` has the prefix stripped.
            path: req.original_uri().path().to_string(),
            flashes: flash::take(req.cookie()),
        })
    }
}

impl PageCtx {
    /// What waits for an admin (admins only): the count beside "Admin".
    pub fn waiting(&self) -> Option<u64> {
        self.waiting
    }

    /// Who is asking, as the rules see them.
    pub fn actor(&self) -> Option<crate::actor::Actor> {
        self.user.as_ref().map(SessionUser::actor)
    }

    pub fn render<T: Serialize>(
        self,
        template: &str,
        title: &str,
        description: Option<&str>,
        page: &T,
    ) -> AppResult<Html<String>> {
        let meta = PageMeta {
            description: description.map(str::to_string),
            ..Default::default()
        };
        self.render_with_meta(template, title, meta, page)
    }

    /// A page holding a form: as it is (200), or shown again after a mistake with the
    /// `failed` status and "Error: " before its title, so that the first thing a screen
    /// reader says is that something needs fixing.
    pub fn render_form<T: Serialize>(
        self,
        template: &str,
        title: &str,
        failed: Option<poem::http::StatusCode>,
        page: &T,
    ) -> AppResult<poem::Response> {
        use poem::IntoResponse;
        let title = match failed {
            Some(_) => format!("Error: {title}"),
            None => title.to_string(),
        };
        let mut resp = self.render(template, &title, None, page)?.into_response();
        if let Some(status) = failed {
            resp.set_status(status);
        }
        Ok(resp)
    }

    pub fn render_with_meta<T: Serialize>(
        self,
        template: &str,
        title: &str,
        meta: PageMeta,
        page: &T,
    ) -> AppResult<Html<String>> {
        let viewer = Viewer {
            user: self.user.as_ref(),
            csrf_token: &self.csrf_token,
            waiting: self.waiting,
        };
        Ok(Html(render_page(
            &self.state,
            &self.path,
            &viewer,
            self.flashes,
            template,
            title,
            &meta,
            page,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> SessionUser {
        SessionUser {
            id: 1,
            email: "gareth.lloyd@riverside-city.example".into(),
            display_name: "Gareth Lloyd".into(),
            role: entity::user::Role::Member,
            session_id: 1,
        }
    }

    fn current(path: &str, user: Option<&SessionUser>) -> Vec<&'static str> {
        let viewer = Viewer {
            user,
            csrf_token: "",
            waiting: None,
        };
        nav(path, &viewer)
            .into_iter()
            .filter(|i| i.current)
            .map(|i| i.href)
            .collect()
    }

    #[test]
    fn the_most_specific_navigation_entry_is_current() {
        let m = member();
        assert_eq!(current("/", None), ["/"]);
        assert_eq!(current("/events", None), ["/events"]);
        assert_eq!(current("/events/bus-data-hack-day", None), ["/events"]);
        assert_eq!(current("/events/mine", Some(&m)), ["/events/mine"]);
        assert!(current("/eventsx", None).is_empty());
        assert!(current("/profile", Some(&m)).is_empty());
        let admin = SessionUser {
            role: entity::user::Role::Admin,
            ..member()
        };
        assert_eq!(current("/admin/moderation", Some(&admin)), ["/admin"]);
        assert_eq!(current("/admin", Some(&admin)), ["/admin"]);
    }

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let text =
            script_safe_json(&serde_json::json!({"name": "</script><script>alert(1)</script>"}));
        assert!(!text.contains('<') && !text.contains('>'));
        assert!(text.contains("\\u003c/script\\u003e"));
    }
}
