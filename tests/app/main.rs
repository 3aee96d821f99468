//! Integration tests: the real app over HTTP on a fresh database (SQLite by default,
//! PostgreSQL when `CONVENE_TEST_DATABASE_URL` is set). One test binary keeps link times short.

#[path = "../../bench/generate.rs"]
mod generate;
mod helpers;
mod mail;
mod meetings;
mod metrics;
mod minutes_search;
mod notices;
mod oidc;
mod open_data;
mod organisations;
mod permissions;
mod postponing;
mod rsvp;

mod api;
mod api_files_forum;
mod api_meetings;
mod api_tokens;
mod api_writes;
mod audit;
mod calendar;
mod chrome;
mod cli;
mod data_requests;
mod database;
mod events;
mod files;
mod finding;
mod forum;
mod forum_common;
mod forum_discussions;
mod forum_held;
mod forum_mail;
mod forum_search;
mod golden;
mod s3;
mod search;
mod security;
mod series;
mod sessions;
mod shell;
mod signin;
mod startup;
mod storage;
