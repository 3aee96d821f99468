//! What every feature's pages share: the page layout, flash messages, error pages, security
//! headers, compression, request logging and embedded assets.

pub mod assets;
pub mod compress;
pub mod errors;
pub mod flash;
pub mod headers;
pub mod logging;
pub mod page;
pub mod templates;

pub use page::PageCtx;
