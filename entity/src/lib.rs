//! Convene's database tables as SeaORM entities, one module per table.
//!
//! Only the service layer of the `convene` crate uses these types; handlers and
//! templates see forms and views instead.

pub mod action_note;
pub mod action_owner;
pub mod agenda_item;
pub mod announcement;
pub mod api_token;
pub mod audit_log;
pub mod dataset_request;
pub mod dataset_request_change;
pub mod dataset_request_vote;
pub mod event;
pub mod event_exception;
pub mod event_feed_entry;
pub mod event_note;
pub mod event_revision;
pub mod event_slug;
pub mod event_tag;
pub mod forum_category;
pub mod forum_post;
pub mod forum_post_version;
pub mod forum_reader;
pub mod forum_report;
pub mod forum_thread;
pub mod identity;
pub mod mail_preference;
pub mod meeting;
pub mod meeting_action;
pub mod meeting_attendance;
pub mod meeting_update;
pub mod minutes_amendment;
pub mod organisation;
pub mod outbox;
pub mod page_view;
pub mod rsvp;
pub mod session;
pub mod stored_file;
pub mod user;

pub mod prelude {
    pub use crate::announcement::Entity as Announcement;
    pub use crate::audit_log::Entity as AuditLog;
    pub use crate::event::Entity as Event;
    pub use crate::event_exception::Entity as EventException;
    pub use crate::event_feed_entry::Entity as EventFeedEntry;
    pub use crate::event_note::Entity as EventNote;
    pub use crate::event_revision::Entity as EventRevision;
    pub use crate::event_slug::Entity as EventSlug;
    pub use crate::event_tag::Entity as EventTag;
    pub use crate::identity::Entity as Identity;
    pub use crate::mail_preference::Entity as MailPreference;
    pub use crate::organisation::Entity as Organisation;
    pub use crate::outbox::Entity as Outbox;
    pub use crate::rsvp::Entity as Rsvp;
    pub use crate::session::Entity as Session;
    pub use crate::user::Entity as User;
}
