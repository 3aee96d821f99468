//! What every feature's pages share: the page layout, flash messages, error pages, security
//! headers, compression, request logging and embedded assets.

pub mod assets;
pub mod cache;
pub mod compress;
pub mod conditional;
pub mod confirm;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod format;
pub mod headers;
pub mod limits;
pub mod logging;
pub mod markdown;
pub mod page;
pub mod ratelimit;
pub mod router;
pub mod shared_pages;
pub mod templates;
pub mod text;
pub mod user;

pub use page::PageCtx;

/// 303 See Other to `location`, never cached: where a POST that worked sends the browser.
pub fn see_other(location: &str) -> poem::Response {
    use poem::http::{StatusCode, header};
    poem::Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .header(header::CACHE_CONTROL, "no-store")
        .finish()
}
