//! What people send to the RSVP forms, parsed into values the services accept, with a
//! message per field when something is wrong (the form is shown again, as typed).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::web::text;

pub type FieldErrors = BTreeMap<&'static str, String>;

/// What a member answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Going,
    CantCome,
    /// Take back whatever they answered.
    Withdraw,
}

/// The answer form, as sent.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct AnswerForm {
    /// going | cant | withdraw
    #[serde(default)]
    pub answer: String,
    /// A checkbox: staying for the extra (lunch).
    #[serde(default)]
    pub extra: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// A valid answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerInput {
    pub answer: Answer,
    pub extra: bool,
    pub note: Option<String>,
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl AnswerForm {
    pub fn parse(&self) -> Result<AnswerInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let answer = match self.answer.as_str() {
            "going" => Answer::Going,
            "cant" => Answer::CantCome,
            "withdraw" => Answer::Withdraw,
            _ => {
                errors.insert("answer", "Choose Going or Can't come.".into());
                Answer::Withdraw
            }
        };
        let note = match text::multi_line(&self.note) {
            Ok(note) => optional(&note),
            Err(message) => {
                errors.insert("note", message);
                None
            }
        };
        if note.as_deref().is_some_and(|n| n.chars().count() > 500) {
            errors.insert("note", "Use 500 characters or fewer.".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // Only those coming stay for lunch or need it to suit them.
        let going = answer == Answer::Going;
        Ok(AnswerInput {
            answer,
            extra: going && self.extra.is_some(),
            note: note.filter(|_| going),
        })
    }
}

/// The "Places and answers" form, as sent.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub capacity: String,
    /// A checkbox: something besides the event is offered (lunch, by default).
    #[serde(default)]
    pub offers_extra: Option<String>,
    #[serde(default)]
    pub extra_label: String,
    /// Hours before the start when answers close; empty: at the start.
    #[serde(default)]
    pub closes_hours: String,
    /// Set on the confirmation page: move the people named there to the waiting list.
    #[serde(default)]
    pub confirm: Option<String>,
}

/// Valid settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsInput {
    pub capacity: Option<i32>,
    pub offers_extra: bool,
    pub extra_label: Option<String>,
    pub closes_hours: Option<i32>,
}

/// What the extra is called when the organiser gives it no name.
pub const DEFAULT_EXTRA: &str = "Lunch";

impl SettingsForm {
    pub fn parse(&self) -> Result<SettingsInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let capacity = match self.capacity.trim() {
            "" => None,
            text => match text.parse::<i32>() {
                Ok(n) if (1..=100_000).contains(&n) => Some(n),
                _ => {
                    errors.insert(
                        "capacity",
                        "Enter the number of places as a whole number from 1 to 100000, or leave it empty for no limit.".into(),
                    );
                    None
                }
            },
        };
        let extra_label = match text::single_line(&self.extra_label) {
            Ok(label) => optional(label),
            Err(message) => {
                errors.insert("extra_label", message);
                None
            }
        };
        if extra_label
            .as_deref()
            .is_some_and(|l| l.chars().count() > 60)
        {
            errors.insert("extra_label", "Use 60 characters or fewer.".into());
        }
        let closes_hours = match self.closes_hours.trim() {
            "" | "0" => None,
            text => match text.parse::<i32>() {
                Ok(n) if (1..=24 * 60).contains(&n) => Some(n),
                _ => {
                    errors.insert(
                        "closes_hours",
                        "Enter a whole number of hours from 1 to 1440 (60 days), or leave it empty to take answers until the start.".into(),
                    );
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let offers_extra = self.offers_extra.is_some();
        Ok(SettingsInput {
            capacity,
            offers_extra,
            // "Lunch" is what an unnamed extra is called anyway.
            extra_label: extra_label.filter(|l| offers_extra && l != DEFAULT_EXTRA),
            closes_hours,
        })
    }
}

/// An organiser's guest, as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct GuestForm {
    #[serde(default)]
    pub guest_name: String,
    #[serde(default)]
    pub guest_organisation: String,
    #[serde(default)]
    pub guest_email: String,
    #[serde(default)]
    pub guest_extra: Option<String>,
}

/// A valid guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestInput {
    pub name: String,
    pub organisation: Option<String>,
    pub email: Option<String>,
    pub extra: bool,
}

impl GuestForm {
    pub fn parse(&self) -> Result<GuestInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut line = |field: &'static str, value: &str, max: usize| -> Option<String> {
            match text::single_line(value) {
                Ok(v) => {
                    let v = optional(v);
                    if v.as_deref().is_some_and(|v| v.chars().count() > max) {
                        errors.insert(field, format!("Use {max} characters or fewer."));
                    }
                    v
                }
                Err(message) => {
                    errors.insert(field, message);
                    None
                }
            }
        };
        let name = line("guest_name", &self.guest_name, 100);
        let organisation = line("guest_organisation", &self.guest_organisation, 200);
        let email = line("guest_email", &self.guest_email, 320);
        if name.is_none() && !errors.contains_key("guest_name") {
            errors.insert("guest_name", "Enter the guest's name.".into());
        }
        let email = match email {
            Some(raw) => match crate::auth::service::normalise_email(&raw) {
                Ok(email) => Some(email),
                Err(_) => {
                    errors.insert(
                        "guest_email",
                        "Enter an email address such as name@example.org, or leave it empty."
                            .into(),
                    );
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(GuestInput {
            name: name.unwrap_or_default(),
            organisation,
            email,
            extra: self.guest_extra.is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_people_coming_stay_for_lunch_or_leave_a_note() {
        let form = AnswerForm {
            answer: "cant".into(),
            extra: Some("on".into()),
            note: "Vegetarian".into(),
        };
        let input = form.parse().unwrap();
        assert_eq!(input.answer, Answer::CantCome);
        assert!(!input.extra && input.note.is_none());
        let going = AnswerForm {
            answer: "going".into(),
            ..form
        }
        .parse()
        .unwrap();
        assert!(going.extra);
        assert_eq!(going.note.as_deref(), Some("Vegetarian"));
    }

    #[test]
    fn bad_answers_and_settings_say_what_is_wrong() {
        let bad = AnswerForm {
            answer: "maybe".into(),
            note: "a\u{202e}b".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(bad["answer"].contains("Going"));
        assert!(bad["note"].contains("right-to-left"));

        let settings = SettingsForm {
            capacity: "-3".into(),
            closes_hours: "soon".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(settings["capacity"].contains("whole number"));
        assert!(settings["closes_hours"].contains("hours"));

        let ok = SettingsForm {
            capacity: " 30 ".into(),
            offers_extra: Some("on".into()),
            extra_label: "Lunch".into(),
            closes_hours: "24".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.capacity, Some(30));
        assert!(ok.offers_extra);
        assert_eq!(ok.extra_label, None, "Lunch is the default name");
        assert_eq!(ok.closes_hours, Some(24));
    }

    #[test]
    fn a_guest_needs_a_name_and_a_real_address_if_any() {
        let errors = GuestForm {
            guest_email: "not an address".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(errors.contains_key("guest_name"));
        assert!(errors.contains_key("guest_email"));
        let guest = GuestForm {
            guest_name: " Sam Ortiz ".into(),
            guest_email: "Sam@Example.org".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(guest.name, "Sam Ortiz");
        assert_eq!(guest.email.as_deref(), Some("sam@example.org"));
    }
}
