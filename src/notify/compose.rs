//! A message from the outbox made ready to send: its templates rendered (the text one starts
//! with its `Subject:` line), the site's name and address added, and the headers every
//! message carries.

use entity::outbox;
use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

use crate::config::Config;
use crate::notify::topics;
use crate::web::templates::Templates;

/// What a message says.
#[derive(Debug, Clone)]
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// A file sent with it (a reminder's calendar entry).
    pub attachment: Option<Attached>,
}

/// A file attached to a message: `data.attach` as `{"name", "type", "text"}`.
#[derive(Debug, Clone)]
pub struct Attached {
    pub name: String,
    pub content_type: String,
    pub text: String,
}

/// Where signed-in members choose what they receive.
pub const PREFERENCES: &str = "/profile/mail";

/// The templates of a kind: `event-submitted` is `mail/event-submitted.txt` and `.html`.
fn template(kind: &str) -> String {
    format!("mail/{kind}")
}

/// The address that stops a message's topic for its recipient, without a sign-in: the
/// recipient's secret, then the topic.
pub fn unsubscribe_url(config: &Config, token: &str, topic: &str) -> String {
    config.absolute_url(&format!("/mail/unsubscribe/{token}/{topic}"))
}

/// Renders a message's templates. An error here is the template's (or the data's): sending
/// again would not help. `unsubscribe_token` is the recipient's secret; without it (an
/// admin reading the message) its unsubscribe link points to the preferences page.
pub fn compose(
    templates: &Templates,
    config: &Config,
    row: &outbox::Model,
    unsubscribe_token: Option<&str>,
) -> Result<Composed, String> {
    let mut data: serde_json::Value =
        serde_json::from_str(&row.data).map_err(|e| format!("the message's data: {e}"))?;
    data["site_name"] = serde_json::Value::String(config.site_name.clone());
    data["site_url"] = serde_json::Value::String(config.absolute_url("/"));
    let preferences = config.absolute_url(PREFERENCES);
    let topic = row.topic.as_deref().and_then(topics::find);
    data["topic_label"] = serde_json::Value::String(
        topic
            .map(|t| t.label.to_string())
            .unwrap_or_else(|| "all e-mail".into()),
    );
    data["unsubscribe_href"] = serde_json::Value::String(match unsubscribe_token {
        Some(token) => unsubscribe_url(config, token, topic.map_or("all", |t| t.key)),
        None => preferences.clone(),
    });
    data["preferences_href"] = serde_json::Value::String(preferences);
    // Links are stored as paths and times in UTC; the site's address and zone are added now.
    if let Some(path) = data.get("path").and_then(|p| p.as_str()) {
        data["href"] = serde_json::Value::String(config.absolute_url(path));
    }
    let at = |key: &str| {
        data.get(key)
            .and_then(|v| v.as_str())
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    if let (Some(start), Some(end)) = (at("starts_at"), at("ends_at")) {
        let all_day = data
            .get("all_day")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let when = crate::events::views::when_text(start, end, all_day, config.time_zone);
        data["when"] = serde_json::Value::String(when);
    }
    let name = template(&row.kind);
    let text = templates
        .render_text(&format!("{name}.txt"), &data)
        .map_err(|e| format!("the template {name}.txt: {e}"))?;
    let html = templates
        .render(&format!("{name}.html"), &data)
        .map_err(|e| format!("the template {name}.html: {e}"))?;
    let (first, body) = text.split_once('\n').unwrap_or((&text, ""));
    let subject = first
        .strip_prefix("Subject:")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("the template {name}.txt does not start with a Subject: line"))?;
    // A subject is one line, whatever the data held.
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    let attachment = data.get("attach").and_then(|a| {
        Some(Attached {
            name: a.get("name")?.as_str()?.to_string(),
            content_type: a.get("type")?.as_str()?.to_string(),
            text: a.get("text")?.as_str()?.to_string(),
        })
    });
    Ok(Composed {
        subject,
        text: body.trim_start_matches(['\r', '\n']).to_string(),
        html,
        attachment,
    })
}

/// The e-mail itself: from the site, to the recipient only, in plain text and HTML, with a
/// `Message-ID` that stays the same on every attempt, a `Date`, and `Auto-Submitted` so that
/// out-of-office replies stay away.
pub fn message(
    config: &Config,
    from: &str,
    row: &outbox::Model,
    composed: &Composed,
    unsubscribe_token: Option<&str>,
) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("the sender: {e}"))?;
    let to: Mailbox = row
        .to_address
        .parse()
        .map_err(|e| format!("the address: {e}"))?;
    let host = config.base_url.host_str().unwrap_or("localhost");
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(composed.subject.clone())
        .message_id(Some(format!("<{}@{host}>", row.message_id)))
        .date_now();
    builder = builder.header(AutoSubmitted);
    // One-click unsubscribe (RFC 8058): mail programs show an "Unsubscribe" button that
    // POSTs to this address, which needs no sign-in.
    if let Some(token) = unsubscribe_token {
        let topic = row.topic.as_deref().and_then(topics::find);
        let url = unsubscribe_url(config, token, topic.map_or("all", |t| t.key));
        builder = builder
            .header(ListUnsubscribe(format!("<{url}>")))
            .header(ListUnsubscribePost);
    }
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(composed.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(composed.html.clone()),
        );
    match &composed.attachment {
        None => builder.multipart(body),
        Some(file) => {
            let content_type = ContentType::parse(&file.content_type)
                .map_err(|e| format!("the attachment's type: {e}"))?;
            builder.multipart(MultiPart::mixed().multipart(body).singlepart(
                Attachment::new(file.name.clone()).body(file.text.clone(), content_type),
            ))
        }
    }
    .map_err(|e| format!("building the message: {e}"))
}

/// `List-Unsubscribe: <https://...>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl lettre::message::header::Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl lettre::message::header::Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".into())
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834).
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".into())
    }
}
