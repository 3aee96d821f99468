//! What every feature's pages share: the page layout, flash messages, error pages, security
//! headers, compression, request logging and embedded assets.

pub mod assets;
pub mod cache;
pub mod compress;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod format;
pub mod headers;
pub mod logging;
pub mod markdown;
pub mod page;
pub mod ratelimit;
pub mod templates;

pub use page::PageCtx;
