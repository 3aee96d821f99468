//! Markdown in, sanitised HTML out: the one place user-written text becomes HTML. Templates
//! may show its output unescaped (`{{{ }}}`) and nothing else.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

pub fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

/// What members write to each other (forum posts): as [`to_html`], but raw HTML is shown
/// as the text it is rather than kept in part, images are not loaded (a post cannot make
/// readers' browsers fetch from elsewhere: their alternative text stays), and links carry
/// `rel="nofollow ugc"` so search engines see them as the users' own.
pub fn to_user_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // An image's alternative text stays as text; the image itself is never loaded.
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        other => Some(other),
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    let mut tags = ammonia::Builder::default().clone_tags();
    // Written as raw HTML it is shown as text already; this keeps it out whatever comes.
    tags.remove("img");
    ammonia::Builder::default()
        .tags(tags)
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&unsafe_html)
        .to_string()
}

/// The text without its mark-up: for summaries, search snippets and calendar descriptions.
pub fn to_plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Start(pulldown_cmark::Tag::Item) => text.push_str("- "),
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push('\n'),
            Event::End(_) if !text.ends_with('\n') && !text.is_empty() => text.push('\n'),
            _ => {}
        }
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let html = to_html(
            "Hello <script>alert(1)</script> **world** <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(html.contains("<strong>world</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("javascript:"));
    }

    #[test]
    fn links_open_safely() {
        let html = to_html("[data portal](https://data.northvale.example)");
        assert!(
            html.contains(r#"rel="noopener noreferrer nofollow""#),
            "{html}"
        );
    }

    #[test]
    fn members_html_is_shown_as_text_and_images_are_not_loaded() {
        let html = to_user_html(
            "<b onclick=x()>bold</b> <iframe src=//x></iframe> ![bus map](https://tracker.example/p.png) [site](https://a.example)",
        );
        assert!(
            html.contains("&lt;b onclick=x()&gt;bold&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("&lt;iframe"), "{html}");
        assert!(
            !html.contains("<img") && !html.contains("<iframe"),
            "{html}"
        );
        assert!(html.contains("bus map"), "{html}");
        assert!(
            html.contains(r#"rel="nofollow ugc noopener noreferrer""#),
            "{html}"
        );
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(
            to_plain_text("# Agenda\n\n* Bus data\n* **Air quality**"),
            "Agenda\n- Bus data\n- Air quality"
        );
    }
}
