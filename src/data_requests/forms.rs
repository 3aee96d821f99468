//! The dataset request forms: a request as a member writes it, and an admin's change of
//! its status.

use entity::dataset_request::RequestStatus;
use serde::{Deserialize, Serialize};

use crate::web::text::{FieldErrors, is_web_address, multi_line, single};

pub const MAX_TITLE: usize = 200;
pub const MAX_HOLDER: usize = 200;
pub const MAX_TEXT: usize = 5000;
pub const MAX_LINKS: usize = 5;
pub const MAX_LINK: usize = 500;

/// A request's details, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInput {
    pub title: String,
    pub holder: String,
    pub description: String,
    pub reason: String,
    pub links: Vec<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct RequestForm {
    pub title: String,
    pub holder: String,
    pub description: String,
    pub reason: String,
    /// One web address a line.
    pub links: String,
}

/// A text area: required, at most [`MAX_TEXT`] characters.
fn text(errors: &mut FieldErrors, field: &'static str, value: &str, empty: &str) -> Option<String> {
    match multi_line(value) {
        Err(m) => {
            errors.insert(field, m);
            None
        }
        Ok(t) if t.trim().is_empty() => {
            errors.insert(field, empty.into());
            None
        }
        Ok(t) if t.chars().count() > MAX_TEXT => {
            errors.insert(
                field,
                format!(
                    "Use {MAX_TEXT} characters or fewer (this has {}).",
                    t.chars().count()
                ),
            );
            None
        }
        Ok(t) => Some(t.trim().to_string()),
    }
}

/// Web addresses, one a line (blank lines ignored), each http(s), at most [`MAX_LINKS`].
pub fn links(errors: &mut FieldErrors, field: &'static str, value: &str) -> Vec<String> {
    let found: Vec<String> = value
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = found.iter().find(|l| {
        !is_web_address(l) || l.chars().count() > MAX_LINK || l.chars().any(char::is_control)
    }) {
        errors.insert(
            field,
            format!(
                "\u{201c}{}\u{201d} is not a web address: put one address a line, each starting with https:// (or http://).",
                bad.chars().take(80).collect::<String>()
            ),
        );
    } else if found.len() > MAX_LINKS {
        errors.insert(field, format!("Give at most {MAX_LINKS} links."));
    }
    found
}

impl RequestForm {
    pub fn parse(&self) -> Result<RequestInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = single(
            &mut errors,
            "title",
            &self.title,
            MAX_TITLE,
            Some("Say which dataset you are asking for."),
        );
        let holder = single(
            &mut errors,
            "holder",
            &self.holder,
            MAX_HOLDER,
            Some("Name the public body that holds the data."),
        );
        let description = text(
            &mut errors,
            "description",
            &self.description,
            "Describe the data: what it records, and how often it changes.",
        );
        let reason = text(
            &mut errors,
            "reason",
            &self.reason,
            "Say why it matters: who would use it, and for what.",
        );
        let links = links(&mut errors, "links", &self.links);
        match (title, holder, description, reason) {
            (Some(title), Some(holder), Some(description), Some(reason)) if errors.is_empty() => {
                Ok(RequestInput {
                    title,
                    holder,
                    description,
                    reason,
                    links,
                })
            }
            _ => Err(errors),
        }
    }
}

/// An admin's change of status, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInput {
    pub status: RequestStatus,
    pub note: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct StatusForm {
    pub status: String,
    pub note: String,
    pub link: String,
}

impl StatusForm {
    /// A published dataset needs its address; a declined one the publisher's reason.
    pub fn parse(&self) -> Result<StatusInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let status = RequestStatus::parse(self.status.trim());
        if status.is_none() {
            errors.insert("status", "Choose where the request stands.".into());
        }
        let note = match multi_line(&self.note) {
            Err(m) => {
                errors.insert("note", m);
                None
            }
            Ok(t) if t.chars().count() > MAX_TEXT => {
                errors.insert("note", format!("Use {MAX_TEXT} characters or fewer."));
                None
            }
            Ok(t) => Some(t.trim().to_string()).filter(|t| !t.is_empty()),
        };
        let link = single(&mut errors, "link", &self.link, MAX_LINK, None);
        if let Some(l) = &link
            && !is_web_address(l)
        {
            errors.insert(
                "link",
                "Enter the dataset's web address, starting with https:// (or http://).".into(),
            );
        }
        if status == Some(RequestStatus::Published)
            && link.is_none()
            && !errors.contains_key("link")
        {
            errors.insert(
                "link",
                "Give the address where the dataset is published.".into(),
            );
        }
        if status == Some(RequestStatus::Declined) && note.is_none() && !errors.contains_key("note")
        {
            errors.insert(
                "note",
                "Give the publisher's reason for not publishing it: members will read it.".into(),
            );
        }
        match status {
            Some(status) if errors.is_empty() => Ok(StatusInput {
                status,
                note,
                link: link.filter(|_| status == RequestStatus::Published),
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct VoteForm {
    /// `vote` or `withdraw`.
    pub decision: String,
    /// `list`: back to the request's place in the list it was in (`sort`, `show`, `page`);
    /// otherwise to its page.
    pub back: String,
    pub sort: String,
    pub show: String,
    pub page: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(title: &str, links: &str) -> RequestForm {
        RequestForm {
            title: title.into(),
            holder: "Midshire County Council".into(),
            description: "Every stop's step-free access.".into(),
            reason: "Wheelchair users plan trips.".into(),
            links: links.into(),
        }
    }

    #[test]
    fn a_request_needs_each_part_and_real_links() {
        let errors = RequestForm::default().parse().unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["description", "holder", "reason", "title"]
        );
        let ok = request(
            " Stop audit ",
            "\nhttps://a.example/x\n\n http://b.example \n",
        )
        .parse()
        .unwrap();
        assert_eq!(ok.title, "Stop audit");
        assert_eq!(ok.links, ["https://a.example/x", "http://b.example"]);
        let bad = request("Stop audit", "javascript:alert(1)")
            .parse()
            .unwrap_err();
        assert!(bad["links"].contains("javascript:alert(1)"), "{bad:?}");
        let many = (0..6)
            .map(|n| format!("https://a.example/{n}"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(request("Stop audit", &many).parse().unwrap_err()["links"].contains("at most 5"));
    }

    #[test]
    fn published_needs_a_link_and_declined_a_reason() {
        let form = |status: &str, note: &str, link: &str| StatusForm {
            status: status.into(),
            note: note.into(),
            link: link.into(),
        };
        assert!(
            form("maybe", "", "")
                .parse()
                .unwrap_err()
                .contains_key("status")
        );
        assert!(
            form("published", "", "")
                .parse()
                .unwrap_err()
                .contains_key("link")
        );
        assert!(form("published", "", "ftp://x").parse().unwrap_err()["link"].contains("https://"));
        assert!(
            form("declined", " ", "")
                .parse()
                .unwrap_err()
                .contains_key("note")
        );
        let ok = form("published", "", "https://data.example/stops")
            .parse()
            .unwrap();
        assert_eq!(ok.link.as_deref(), Some("https://data.example/stops"));
        let ok = form(
            "discussing",
            "Met their data team.",
            "https://ignored.example",
        )
        .parse()
        .unwrap();
        assert_eq!(ok.status, RequestStatus::Discussing);
        assert_eq!(ok.link, None, "only a published dataset keeps a link");
        assert_eq!(ok.note.as_deref(), Some("Met their data team."));
    }
}
