//! Accounts and roles. Sign-in through OAuth2 / OpenID Connect and sessions build on this.

pub mod service;
