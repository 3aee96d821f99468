//! What the templates receive about files.

use entity::stored_file;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::files::kinds::KINDS;
use crate::files::service::Listed;

/// Characters kept as they are in a path segment or an RFC 5987 value.
const KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The file's stable address: `/files/{id}/{name}`.
pub fn href(f: &stored_file::Model) -> String {
    format!("/files/{}/{}", f.id, utf8_percent_encode(&f.filename, KEPT))
}

/// "PDF", "PowerPoint", from the stored type.
pub fn type_label(content_type: &str) -> &'static str {
    KINDS
        .iter()
        .find(|k| k.content_type == content_type)
        .map_or("File", |k| k.label)
}

/// "840 bytes", "12 KB", "3.4 MB".
pub fn size_text(size: i64) -> String {
    let size = size.max(0) as f64;
    if size < 1024.0 {
        format!("{size} bytes")
    } else if size < 1024.0 * 1024.0 {
        format!("{:.0} KB", (size / 1024.0).ceil())
    } else if size < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MB", size / (1024.0 * 1024.0))
    } else {
        format!("{:.1} GB", size / (1024.0 * 1024.0 * 1024.0))
    }
}

/// `Content-Disposition`: PDFs open in the browser, everything else downloads; the name as
/// plain ASCII for old clients and exactly (RFC 5987 `filename*`) for the rest.
pub fn content_disposition(f: &stored_file::Model) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    let inline = f.content_type == "application/pdf";
    let ascii: String = f
        .filename
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            // A look-alike slash ("／") becomes a real one under NFKD: never in a name.
            '"' | '\\' | '%' | '/' => '_',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '_',
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(&f.filename, KEPT)
    )
}

#[derive(Serialize)]
pub struct FileView {
    pub id: i64,
    pub href: String,
    pub title: String,
    pub filename: String,
    pub kind: &'static str,
    pub size: String,
    pub downloads: i64,
    /// Which version this is (1 for a file never replaced).
    pub version: usize,
    /// The versions it replaced, newest first.
    pub earlier: Vec<EarlierView>,
    /// For admins: where the delete button posts.
    pub delete_href: Option<String>,
    /// For those who may add files to the place: the replace form.
    pub replace_href: Option<String>,
    /// For those who may add files to the place: where the move buttons post, and which
    /// of them make sense.
    pub move_href: Option<String>,
    pub can_move_up: bool,
    pub can_move_down: bool,
}

#[derive(Serialize)]
pub struct EarlierView {
    pub href: String,
    pub version: usize,
    pub filename: String,
    pub size: String,
    /// When it was uploaded, in the site's zone.
    pub added: String,
}

/// What the person looking may do to the files of a place.
#[derive(Clone, Copy, Default)]
pub struct Controls {
    /// Delete (admins).
    pub delete: bool,
    /// Replace and reorder (whoever may add files there).
    pub manage: bool,
}

impl FileView {
    /// The views of a place's current files, in order.
    pub fn list(files: &[Listed], controls: Controls, tz: chrono_tz::Tz) -> Vec<Self> {
        // A date's page lists the date's files, then the whole series': each moves among
        // those of its own place only.
        let place = |n: usize| {
            files.get(n).map(|l| {
                let f = &l.file;
                (
                    f.meeting_id,
                    f.agenda_item_id,
                    f.event_id,
                    f.occurrence.as_str(),
                )
            })
        };
        files
            .iter()
            .enumerate()
            .map(|(n, listed)| {
                let f = &listed.file;
                let versions = listed.earlier.len() + 1;
                Self {
                    id: f.id,
                    href: href(f),
                    title: f.title.clone(),
                    filename: f.filename.clone(),
                    kind: type_label(&f.content_type),
                    size: size_text(f.size),
                    downloads: f.downloads
                        + listed.earlier.iter().map(|e| e.downloads).sum::<i64>(),
                    version: versions,
                    earlier: listed
                        .earlier
                        .iter()
                        .enumerate()
                        .map(|(k, e)| EarlierView {
                            href: href(e),
                            version: versions - 1 - k,
                            filename: e.filename.clone(),
                            size: size_text(e.size),
                            added: crate::web::format::date_time(e.created_at, tz),
                        })
                        .collect(),
                    delete_href: controls.delete.then(|| format!("/files/{}/delete", f.id)),
                    replace_href: controls.manage.then(|| format!("/files/{}/replace", f.id)),
                    move_href: (controls.manage
                        && (n > 0 && place(n - 1) == place(n) || place(n + 1) == place(n)))
                    .then(|| format!("/files/{}/move", f.id)),
                    can_move_up: n > 0 && place(n - 1) == place(n),
                    can_move_down: place(n + 1) == place(n),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(840), "840 bytes");
        assert_eq!(size_text(12 * 1024), "12 KB");
        assert_eq!(size_text(3_565_158), "3.4 MB");
    }
}
