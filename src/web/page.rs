//! Rendering a page inside the shared layout. Handlers take a [`PageCtx`] and hand it a
//! template name, a title and a serializable view.

use poem::web::Html;
use poem::{FromRequest, Request, RequestBody};
use serde::Serialize;

use crate::error::AppResult;
use crate::state::AppState;
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

/// Everything `layout.hbs` reads, with the page's own view under `page`.
#[derive(Serialize)]
struct Layout<'a, T: Serialize> {
    site: SiteView<'a>,
    title: &'a str,
    description: Option<&'a str>,
    nav: Vec<NavItem>,
    flashes: Vec<Flash>,
    page: &'a T,
}

/// The main navigation. Features add their entry here as they land.
fn nav(path: &str) -> Vec<NavItem> {
    [("/", "Home")]
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

/// Renders a full page. Used by [`PageCtx`] and by the error pages, which have no context.
pub fn render_page<T: Serialize>(
    state: &AppState,
    path: &str,
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
            nav: nav(path),
            flashes,
            page,
        },
    )
}

/// Per-request facts every page needs.
pub struct PageCtx {
    pub state: AppState,
    path: String,
    flashes: Vec<Flash>,
}

impl<'a> FromRequest<'a> for PageCtx {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .cloned()
            .ok_or_else(|| crate::error::AppError::Internal("application state missing".into()))?;
        Ok(Self {
            state,
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
        Ok(Html(render_page(
            &self.state,
            &self.path,
            self.flashes,
            template,
            title,
            description,
            page,
        )?))
    }
}
