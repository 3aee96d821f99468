//! What text people may type: every form field goes through [`single_line`] or
//! [`multi_line`] before it is stored. Control characters have no business in an event title
//! or a reason: a NUL breaks PostgreSQL, a bare CR or line feed splits iCalendar lines, and
//! bidirectional overrides make text read differently from what it is.

use std::collections::BTreeMap;

/// Why a text was refused, in words for the person who typed it.
pub fn problem(text: &str, multi_line: bool) -> Option<String> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let refused = match c {
            '\n' | '\t' if multi_line => None,
            // Browsers send line breaks in text areas as CR LF; a CR alone is not one.
            '\r' if multi_line && chars.peek() == Some(&'\n') => None,
            '\r' if multi_line => Some("a carriage return without a line break".to_string()),
            '\n' | '\r' => Some("a line break (this field is one line)".to_string()),
            '\0' => Some("a NUL character".to_string()),
            c if is_bidi_control(c) => Some(format!(
                "an invisible right-to-left or left-to-right control (U+{:04X})",
                u32::from(c)
            )),
            c if c.is_control() => Some(format!(
                "an invisible control character (U+{:04X})",
                u32::from(c)
            )),
            _ => None,
        };
        if let Some(what) = refused {
            return Some(format!(
                "This contains {what}, which cannot be stored. Retype the text rather than pasting it."
            ));
        }
    }
    None
}

/// Embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069), which reorder how
/// text is displayed. The implicit marks (U+200E, U+200F) are harmless and allowed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A one-line field: no control characters at all.
pub fn single_line(text: &str) -> Result<&str, String> {
    problem(text, false).map_or(Ok(text), Err)
}

/// A text area: line breaks (LF or CR LF) and tabs, but no other control characters. Line
/// breaks are stored as LF.
pub fn multi_line(text: &str) -> Result<String, String> {
    match problem(text, true) {
        Some(message) => Err(message),
        None => Ok(text.replace("\r\n", "\n")),
    }
}

/// Whether a request address carries a NUL character (`%00`), which no page accepts and
/// PostgreSQL cannot compare.
pub fn has_encoded_nul(raw: &str) -> bool {
    raw.as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// Form problems by field name, in a stable order.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// The errors as templates read them (`page.errors.FIELD`).
pub fn errors_json(errors: &FieldErrors) -> serde_json::Value {
    serde_json::to_value(errors).unwrap_or_default()
}

/// A refusal that belongs beside a field (a name or an address already taken) is shown
/// there; any other error stays one.
pub fn beside(
    field: &'static str,
    err: crate::error::AppError,
) -> Result<FieldErrors, crate::error::AppError> {
    use crate::error::AppError;
    match err {
        AppError::Conflict(m) | AppError::BadRequest(m) => Ok(FieldErrors::from([(field, m)])),
        other => Err(other),
    }
}

/// A one-line form field: trimmed, at most `max` characters, refused with `required`'s
/// message when empty and required; problems go into `errors` under `field`.
pub fn single(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: Option<&str>,
) -> Option<String> {
    let t = value.trim();
    match single_line(t) {
        Err(m) => {
            errors.insert(field, m);
            None
        }
        Ok(_) if t.is_empty() => {
            if let Some(m) = required {
                errors.insert(field, m.into());
            }
            None
        }
        Ok(_) if t.chars().count() > max => {
            errors.insert(field, format!("Use {max} characters or fewer."));
            None
        }
        Ok(_) => Some(t.to_string()),
    }
}

/// Whether `link` is a web address people can follow: http(s) with a host.
pub fn is_web_address(link: &str) -> bool {
    url::Url::parse(link)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// A cell no spreadsheet will run as a formula (OWASP's CSV injection advice): text starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
pub fn formula_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_in_any_script_is_accepted() {
        for ok in [
            "Open Data Camp 2026",
            "Łódź & Café: \u{201c}quotes\u{201d}",
            "مرحبا بالعالم",
            "データ",
            "Emoji 🚌",
        ] {
            assert_eq!(single_line(ok), Ok(ok));
        }
        assert_eq!(
            multi_line("Line one\r\nLine two\n\tindented").unwrap(),
            "Line one\nLine two\n\tindented"
        );
    }

    #[test]
    fn control_characters_are_refused_with_a_reason() {
        for (bad, words) in [
            ("a\0b", "NUL"),
            ("a\nb", "line break"),
            ("a\rb", "line break"),
            ("a\u{7}b", "U+0007"),
            ("a\u{85}b", "U+0085"),
            ("a\u{202E}b", "U+202E"),
            ("a\u{2066}b", "U+2066"),
            ("a\tb", "U+0009"),
        ] {
            let message = single_line(bad).unwrap_err();
            assert!(message.contains(words), "{bad:?}: {message}");
        }
        assert!(multi_line("a\rb").unwrap_err().contains("carriage return"));
        assert!(multi_line("a\0b").unwrap_err().contains("NUL"));
        assert!(multi_line("a\u{202D}b").unwrap_err().contains("U+202D"));
    }

    #[test]
    fn encoded_nul_in_addresses_is_found() {
        assert!(has_encoded_nul("/events/a%00b"));
        assert!(has_encoded_nul("/events?q=%00"));
        assert!(!has_encoded_nul("/events/a%200b"));
        assert!(!has_encoded_nul("/events?q=100%"));
    }
}
