//! What every handler can reach. The only shared mutable state is per-instance caches (feeds,
//! public page data, rate limits), each of which another instance can do without: several
//! instances can serve the same database.

use std::sync::Arc;

use poem::web::cookie::CookieKey;
use sea_orm::DatabaseConnection;

use crate::auth::providers::Providers;
use crate::config::Config;
use crate::web::ratelimit::{AddressLimiter, MemberLimiter};
use crate::web::templates::Templates;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub templates: Arc<Templates>,
    /// Signs cookies (flash messages now; sessions and CSRF tokens build on the same key).
    pub cookie_key: CookieKey,
    pub providers: Arc<Providers>,
    pub sign_in_limiter: Arc<AddressLimiter>,
    /// New threads and replies per member (`forum_posts_per_hour`).
    pub forum_posts: Arc<MemberLimiter>,
    /// Built calendar feeds, revalidated against the database at most once a second.
    pub feeds: Arc<crate::calendar::cache::FeedCache>,
    /// What public pages read, kept for a second (see `web::cache`).
    pub reads: Arc<crate::web::cache::ReadCache>,
    /// Whole pages as anonymous visitors see them (see `web::shared_pages`).
    pub pages: Arc<crate::web::shared_pages::SharedPages>,
    /// SQL statements run so far (see `db::count_statements`).
    pub statements: Arc<std::sync::atomic::AtomicU64>,
    /// What time it is (a fixed, movable clock in tests).
    pub clock: Arc<dyn crate::clock::Clock>,
    /// What waits for an admin, counted beside "Moderation" in their navigation; each feature
    /// with a queue registers its count here.
    pub waiting_for_admins: Arc<Vec<Arc<dyn crate::web::page::WaitingCount>>>,
    /// What later features add to event pages and "My events" (see `events::extensions`).
    pub event_extensions: Arc<Vec<Arc<dyn crate::events::extensions::EventsExtension>>>,
    /// What later features add to meeting pages (see `meetings::extensions`).
    pub meeting_extensions: Arc<Vec<Arc<dyn crate::meetings::extensions::MeetingsExtension>>>,
    /// What later features add to dataset request pages (see `data_requests::extensions`).
    pub data_request_extensions:
        Arc<Vec<Arc<dyn crate::data_requests::extensions::DataRequestsExtension>>>,
    /// Where uploaded files' contents live (see `files::store`).
    pub files: Arc<dyn crate::files::store::BlobStore>,
    /// Who turns announcements (an event changed) into messages to the people they know.
    pub audiences: Arc<Vec<Arc<dyn crate::notify::announce::Audience>>>,
    /// The parts of the weekly digest, each from the feature that knows what is new.
    pub digest_sources: Arc<Vec<Arc<dyn crate::notify::digest::DigestSource>>>,
    /// Page views and downloads counted and not yet written (see `metrics`).
    pub metrics: Arc<crate::metrics::Tally>,
    /// The secretary's report's figures, each from the feature that knows them.
    pub report_sources: Arc<Vec<Arc<dyn crate::metrics::report::ReportSource>>>,
}
