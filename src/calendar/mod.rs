//! Calendar feeds (RFC 5545) that calendar apps subscribe to, per-event `.ics` files, "add
//! to calendar" links and the page explaining how to subscribe.

pub mod entries;
pub mod feeds;
pub mod ics;
pub mod links;
pub mod routes;
pub mod vtimezone;
