//! Convene's schema migrations. One module per change; a migration is never edited once it
//! has landed on `main`, a new one is added instead.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_users_and_audit_log;
mod m20261124_000002_identities_and_sessions;
mod m20261124_000003_events;
mod m20261124_000004_event_change_index;
mod m20261124_000005_event_feed_entries;
mod m20261128_000006_event_contact_consent;
mod m20261128_000007_event_search;
mod m20261128_000008_postponed_and_moved_events;
mod m20261128_000009_audit_filters;
mod m20261128_000010_event_notes;
mod m20261128_000011_rsvp;
mod m20261128_000012_outbox;
mod m20261128_000013_mail_preferences;
mod m20261128_000014_meetings;
mod m20261129_000015_organisations;
mod m20261129_000016_files;
mod m20261129_000017_forum;
mod m20261129_000018_forum_reports;
mod m20261129_000019_forum_search;
mod m20261129_000020_forum_discussions;
mod m20261129_000021_forum_held_posts;
mod m20261129_000022_minutes_search;
mod m20261129_000023_dataset_requests;
mod m20261129_000024_api_tokens;
mod m20261129_000025_page_views;
pub mod search_index;

/// The key that makes two spellings of an organisation's name the same organisation:
/// lower case, "&" read as "and", anything but letters and digits as a space, spaces squashed.
/// "Northvale  County Council", "northvale county council." and "Northvale County-Council"
/// share one key. It is part of the schema (`organisation.name_key` is unique): changing it
/// needs a migration that recomputes the keys.
pub fn organisation_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '&' {
            out.push_str(" and ");
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else {
            out.push(' ');
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_users_and_audit_log::Migration),
            Box::new(m20261124_000002_identities_and_sessions::Migration),
            Box::new(m20261124_000003_events::Migration),
            Box::new(m20261124_000004_event_change_index::Migration),
            Box::new(m20261124_000005_event_feed_entries::Migration),
            Box::new(m20261128_000006_event_contact_consent::Migration),
            Box::new(m20261128_000007_event_search::Migration),
            Box::new(m20261128_000008_postponed_and_moved_events::Migration),
            Box::new(m20261128_000009_audit_filters::Migration),
            Box::new(m20261128_000010_event_notes::Migration),
            Box::new(m20261128_000011_rsvp::Migration),
            Box::new(m20261128_000012_outbox::Migration),
            Box::new(m20261128_000013_mail_preferences::Migration),
            Box::new(m20261128_000014_meetings::Migration),
            Box::new(m20261129_000015_organisations::Migration),
            Box::new(m20261129_000016_files::Migration),
            Box::new(m20261129_000017_forum::Migration),
            Box::new(m20261129_000018_forum_reports::Migration),
            Box::new(m20261129_000019_forum_search::Migration),
            Box::new(m20261129_000020_forum_discussions::Migration),
            Box::new(m20261129_000021_forum_held_posts::Migration),
            Box::new(m20261129_000022_minutes_search::Migration),
            Box::new(m20261129_000023_dataset_requests::Migration),
            Box::new(m20261129_000024_api_tokens::Migration),
            Box::new(m20261129_000025_page_views::Migration),
        ]
    }
}
