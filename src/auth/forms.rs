//! What people send to the sign-in and profile pages, parsed into values the services accept.

use serde::{Deserialize, Serialize};

use crate::auth::service::ProfileChange;

/// Where to go after signing in: only a path on this site, never another site.
pub fn safe_return_to(raw: Option<&str>) -> String {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        return "/".into();
    };
    let on_this_site = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(char::is_control)
        && raw.len() <= 2000
        && !raw.starts_with("/auth/");
    if on_this_site { raw.into() } else { "/".into() }
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    pub return_to: Option<String>,
    /// Set when a signed-in person adds this provider to their account.
    pub link: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DevSignInForm {
    pub email: String,
    pub return_to: Option<String>,
}

/// The profile form as typed, kept to refill the form when something is wrong.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub initials: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub listed_publicly: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct ProfileErrors {
    pub display_name: Option<String>,
    pub organisation: Option<String>,
    pub initials: Option<String>,
}

impl ProfileErrors {
    pub fn any(&self) -> bool {
        self.display_name.is_some() || self.organisation.is_some() || self.initials.is_some()
    }
}

impl ProfileForm {
    pub fn parse(&self) -> Result<ProfileChange, ProfileErrors> {
        let mut errors = ProfileErrors::default();
        let display_name = self.display_name.trim();
        if let Err(m) = crate::web::text::single_line(display_name) {
            errors.display_name = Some(m);
        } else if display_name.is_empty() {
            errors.display_name = Some("Enter the name other members will see.".into());
        } else if display_name.chars().count() > 100 {
            errors.display_name = Some("Use 100 characters or fewer.".into());
        }
        let organisation = self.organisation.trim();
        if let Err(m) = crate::web::text::single_line(organisation) {
            errors.organisation = Some(m);
        } else if organisation.chars().count() > 200 {
            errors.organisation = Some("Use 200 characters or fewer.".into());
        }
        let initials = match parse_initials(&self.initials) {
            Ok(initials) => initials,
            Err(m) => {
                errors.initials = Some(m);
                None
            }
        };
        if errors.any() {
            return Err(errors);
        }
        Ok(ProfileChange {
            initials,
            display_name: display_name.to_string(),
            organisation: (!organisation.is_empty()).then(|| organisation.to_string()),
            listed_publicly: self.listed_publicly.is_some(),
        })
    }
}

/// Initials as the minutes write them: two to six letters, kept in capitals ("pr" is "PR").
/// Empty means none.
pub fn parse_initials(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = t.chars().count();
    if !t.chars().all(char::is_alphabetic) || !(2..=6).contains(&n) {
        return Err("Use two to six letters, such as PR.".into());
    }
    Ok(Some(t.to_uppercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_stays_on_this_site() {
        assert_eq!(
            safe_return_to(Some("/events/open-data-camp?x=1")),
            "/events/open-data-camp?x=1"
        );
        for off_site in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/auth/signin",
            "/ok\r\nSet-Cookie: x=1",
        ] {
            assert_eq!(safe_return_to(Some(off_site)), "/", "{off_site:?}");
        }
        assert_eq!(safe_return_to(None), "/");
    }

    #[test]
    fn profile_needs_a_name() {
        let form = ProfileForm {
            display_name: "   ".into(),
            organisation: "x".repeat(201),
            initials: "P.R.".into(),
            listed_publicly: None,
        };
        let errors = form.parse().unwrap_err();
        assert!(errors.display_name.is_some() && errors.organisation.is_some());
        assert!(errors.initials.is_some(), "initials are letters only");
        let ok = ProfileForm {
            display_name: " Priya Shah ".into(),
            organisation: "".into(),
            initials: " pr ".into(),
            listed_publicly: Some("on".into()),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.display_name, "Priya Shah");
        assert_eq!(ok.organisation, None);
        assert_eq!(ok.initials.as_deref(), Some("PR"));
        assert!(ok.listed_publicly);
    }
}
