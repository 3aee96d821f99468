//! Convene's database tables as SeaORM entities, one module per table.
//!
//! Only the service layer of the `convene` crate uses these types; handlers and
//! templates see forms and views instead.

pub mod audit_log;
pub mod identity;
pub mod session;
pub mod user;

pub mod prelude {
    pub use crate::audit_log::Entity as AuditLog;
    pub use crate::identity::Entity as Identity;
    pub use crate::session::Entity as Session;
    pub use crate::user::Entity as User;
}
