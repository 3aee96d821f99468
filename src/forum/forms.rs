//! The forum's forms: a new thread, a post (reply or edit), an admin's reason for hiding,
//! and a category. Each is checked field by field; the page shows the form again, filled in,
//! with the problems beside the fields.

use serde::{Deserialize, Serialize};

use crate::forum::service::CategoryInput;
use crate::web::text::{FieldErrors, multi_line, single};

/// The longest post, in characters: a long reply, not a document (those are files).
pub const MAX_POST: usize = 20_000;
pub const MAX_TITLE: usize = 150;

/// A post's text: required, at most [`MAX_POST`] characters, line breaks stored as LF.
fn body(errors: &mut FieldErrors, value: &str) -> Option<String> {
    match multi_line(value) {
        Err(m) => {
            errors.insert("body", m);
            None
        }
        Ok(text) if text.trim().is_empty() => {
            errors.insert("body", "Write your post.".into());
            None
        }
        Ok(text) if text.chars().count() > MAX_POST => {
            errors.insert(
                "body",
                format!(
                    "Use {MAX_POST} characters or fewer (this has {}). Put longer papers in a file.",
                    text.chars().count()
                ),
            );
            None
        }
        Ok(text) => Some(text.trim_end().to_string()),
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ThreadForm {
    pub title: String,
    pub body: String,
    /// `preview` shows the post as it will read; anything else posts it.
    pub action: String,
}

impl ThreadForm {
    pub fn parse(&self) -> Result<(String, String), FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = single(
            &mut errors,
            "title",
            &self.title,
            MAX_TITLE,
            Some("Give the thread a title."),
        );
        let body = body(&mut errors, &self.body);
        match (title, body) {
            (Some(t), Some(b)) if errors.is_empty() => Ok((t, b)),
            _ => Err(errors),
        }
    }

    pub fn is_preview(&self) -> bool {
        self.action == "preview"
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct PostForm {
    pub body: String,
    pub action: String,
}

impl PostForm {
    pub fn parse(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        body(&mut errors, &self.body).ok_or(errors)
    }

    pub fn is_preview(&self) -> bool {
        self.action == "preview"
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ModerateForm {
    /// pin, unpin, lock, unlock, hide, show
    pub decision: String,
    /// The reason for hiding (the confirmation page's box).
    pub note: String,
}

impl ModerateForm {
    /// The reason for hiding: required, one line, shown to admins beside what was hidden.
    pub fn reason(&self) -> Result<String, FieldErrors> {
        let mut errors = FieldErrors::new();
        single(
            &mut errors,
            "note",
            &self.note,
            500,
            Some("Say why it is hidden: other admins will read it."),
        )
        .ok_or(errors)
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct CategoryForm {
    pub name: String,
    pub slug: String,
    pub description: String,
    /// A checkbox: present when ticked.
    pub admins_only: Option<String>,
}

/// Words the forum's routes use after `/forum/`.
const RESERVED: &[&str] = &[
    "feed",
    "feed.atom",
    "new",
    "posts",
    "threads",
    "search",
    "admin",
];

impl CategoryForm {
    pub fn parse(&self) -> Result<CategoryInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = single(
            &mut errors,
            "name",
            &self.name,
            80,
            Some("Name the category."),
        );
        let typed = single(&mut errors, "slug", &self.slug, 60, None);
        let mut slug = match typed.as_deref().or(name.as_deref()) {
            Some(text) => slug::slugify(text),
            None => String::new(),
        };
        // Letters written longer in ASCII ("ß" is "ss") may pass the length: cut between
        // words.
        if slug.len() > 60 {
            let cut = slug[..60].rfind('-').unwrap_or(60);
            slug.truncate(cut);
        }
        if name.is_some() && slug.is_empty() {
            errors.insert("slug", "The address needs letters or digits.".into());
        }
        if RESERVED.contains(&slug.as_str()) {
            errors.insert(
                "slug",
                format!("/forum/{slug} is one of the forum's own addresses: choose another."),
            );
        }
        let description = single(&mut errors, "description", &self.description, 300, None);
        match name {
            Some(name) if errors.is_empty() => Ok(CategoryInput {
                name,
                slug,
                description: description.unwrap_or_default(),
                admins_only: self.admins_only.is_some(),
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_needs_words_and_a_sensible_length() {
        let form = |body: &str| PostForm {
            body: body.into(),
            action: String::new(),
        };
        assert!(form("   \r\n ").parse().unwrap_err()["body"].contains("Write"));
        assert!(form(&"x".repeat(MAX_POST + 1)).parse().unwrap_err()["body"].contains("20000"));
        assert!(form("a\u{202E}b").parse().is_err());
        assert_eq!(form("Hello\r\nall\r\n\r\n").parse().unwrap(), "Hello\nall");
    }

    #[test]
    fn a_thread_needs_a_title() {
        let errors = ThreadForm {
            title: " ".into(),
            body: "Body".into(),
            action: String::new(),
        }
        .parse()
        .unwrap_err();
        assert_eq!(errors.keys().copied().collect::<Vec<_>>(), ["title"]);
    }

    #[test]
    fn a_category_address_comes_from_its_name_and_avoids_the_forums_own() {
        let form = |name: &str, slug: &str| CategoryForm {
            name: name.into(),
            slug: slug.into(),
            description: String::new(),
            admins_only: None,
        };
        assert_eq!(
            form("Data requests", "").parse().unwrap().slug,
            "data-requests"
        );
        assert_eq!(
            form("Transport", "Buses & Trains").parse().unwrap().slug,
            "buses-trains"
        );
        assert!(form("Feed", "").parse().unwrap_err()["slug"].contains("own addresses"));
        assert!(form("", "").parse().unwrap_err().contains_key("name"));
        let long = form(&"Straße ".repeat(11), "").parse().unwrap().slug;
        assert!(
            long.len() <= 60 && long.starts_with("strasse-strasse") && !long.ends_with('-'),
            "{long}"
        );
    }
}
