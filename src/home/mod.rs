//! The home page. Later features fill it in (next events, latest minutes, open requests).

use poem::handler;
use poem::web::Html;
use serde::Serialize;

use crate::error::AppResult;
use crate::web::PageCtx;

#[derive(Serialize)]
struct HomeView<'a> {
    tagline: &'a str,
}

#[handler]
pub async fn index(ctx: PageCtx) -> AppResult<Html<String>> {
    let config = ctx.state.config.clone();
    ctx.render(
        "home",
        "Home",
        Some(&config.site_tagline),
        &HomeView {
            tagline: &config.site_tagline,
        },
    )
}
