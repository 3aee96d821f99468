//! The register's forms: an entry's details, and the entry a duplicate is merged into.

use entity::organisation::Kind;
use serde::{Deserialize, Serialize};

use crate::organisations::service::Details;
use crate::web::text::{FieldErrors, is_web_address, single};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct OrgForm {
    pub name: String,
    pub kind: String,
    pub website: String,
}

impl OrgForm {
    pub fn parse(&self) -> Result<Details, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = single(
            &mut errors,
            "name",
            &self.name,
            200,
            Some("Enter the organisation's name."),
        )
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "));
        if name
            .as_deref()
            .is_some_and(|n| super::service::key_of(n).is_empty())
        {
            errors.insert("name", "A name needs letters or digits.".into());
        }
        let kind = Kind::parse(self.kind.trim());
        if kind.is_none() {
            errors.insert("kind", "Choose what kind of organisation this is.".into());
        }
        let website = single(&mut errors, "website", &self.website, 300, None);
        if let Some(link) = &website
            && !is_web_address(link)
        {
            errors.insert(
                "website",
                "Enter a web address starting with https:// (or http://).".into(),
            );
        }
        match (name, kind) {
            (Some(name), Some(kind)) if errors.is_empty() => Ok(Details {
                name,
                kind,
                website,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct MergeForm {
    pub into: String,
}

impl MergeForm {
    pub fn parse(&self) -> Result<i64, FieldErrors> {
        self.into
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                FieldErrors::from([(
                    "into",
                    "Choose the organisation this one is a duplicate of.".to_string(),
                )])
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, kind: &str, website: &str) -> OrgForm {
        OrgForm {
            name: name.into(),
            kind: kind.into(),
            website: website.into(),
        }
    }

    #[test]
    fn details_are_checked_field_by_field() {
        let errors = form("", "castle", "ftp://x").parse().unwrap_err();
        assert_eq!(
            errors.keys().copied().collect::<Vec<_>>(),
            ["kind", "name", "website"]
        );
        assert!(form("--", "council", "").parse().unwrap_err()["name"].contains("letters"));
        let ok = form(
            "  Northvale   County Council ",
            "council",
            "https://northvale.example/",
        )
        .parse()
        .unwrap();
        assert_eq!(ok.name, "Northvale County Council");
        assert_eq!(ok.kind, Kind::Council);
        assert_eq!(ok.website.as_deref(), Some("https://northvale.example/"));
        assert_eq!(
            form("Open Streets", "charity", "").parse().unwrap().website,
            None
        );
    }

    #[test]
    fn a_merge_needs_a_chosen_entry() {
        assert!(MergeForm { into: "".into() }.parse().is_err());
        assert!(MergeForm { into: "x".into() }.parse().is_err());
        assert_eq!(MergeForm { into: "12".into() }.parse().unwrap(), 12);
    }
}
