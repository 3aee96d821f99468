//! What the sign-in, profile and admin templates receive.

use serde::Serialize;

use crate::auth::forms::{ProfileErrors, ProfileForm};

#[derive(Serialize)]
pub struct ProviderButton {
    pub label: String,
    pub href: String,
}

#[derive(Serialize)]
pub struct SignInView {
    pub providers: Vec<ProviderButton>,
    pub dev_login_href: Option<String>,
}

#[derive(Serialize)]
pub struct DevAccount {
    pub email: String,
    pub display_name: String,
    pub organisation: Option<String>,
    pub role: &'static str,
}

#[derive(Serialize)]
pub struct DevSignInView {
    pub accounts: Vec<DevAccount>,
    pub return_to: String,
}

#[derive(Serialize)]
pub struct IdentityView {
    pub id: i64,
    pub provider: String,
    pub email: Option<String>,
    pub since: String,
    pub removable: bool,
}

#[derive(Serialize)]
pub struct ProfileView {
    pub email: String,
    pub role: &'static str,
    pub form: ProfileForm,
    pub listed_publicly: bool,
    pub errors: ProfileErrors,
    pub identities: Vec<IdentityView>,
    pub link_options: Vec<ProviderButton>,
    /// The register's names, offered as the organisation is typed.
    pub organisations: Vec<String>,
}

#[derive(Serialize)]
pub struct UserRow {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub organisation: Option<String>,
    pub is_admin: bool,
    pub disabled: bool,
    pub last_sign_in: Option<String>,
    pub is_self: bool,
}

#[derive(Serialize)]
pub struct UsersView {
    pub users: Vec<UserRow>,
    pub admins: usize,
    pub members: usize,
}
