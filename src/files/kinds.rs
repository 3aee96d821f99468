//! Which files may be uploaded, and whether a file is what its name says: the type is found
//! in the content (its magic bytes, read by the `infer` crate) and must be one of the allowed
//! types and agree with the extension. The browser's stated type is never trusted.

/// How the content of an allowed type is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// `infer` names exactly this type.
    Exact(&'static str),
    /// An office package: `infer` names this type, or a ZIP archive it cannot look further
    /// into (a package whose parts are in an unusual order is still a ZIP).
    Package(&'static str),
    /// Text: UTF-8 without NUL bytes, which no binary format `infer` knows passes.
    Text,
}

/// An allowed type of file.
#[derive(Debug, PartialEq, Eq)]
pub struct FileKind {
    pub extensions: &'static [&'static str],
    /// The Content-Type it is served with.
    pub content_type: &'static str,
    /// As people say it: "PDF", "PowerPoint".
    pub label: &'static str,
    /// Whether it is a presentation (listed on the slides page).
    pub slides: bool,
    check: Check,
}

const PPTX: &str = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const ODP: &str = "application/vnd.oasis.opendocument.presentation";
const ODT: &str = "application/vnd.oasis.opendocument.text";
const ODS: &str = "application/vnd.oasis.opendocument.spreadsheet";

pub const KINDS: &[FileKind] = &[
    FileKind {
        extensions: &["pdf"],
        content_type: "application/pdf",
        label: "PDF",
        slides: true,
        check: Check::Exact("application/pdf"),
    },
    FileKind {
        extensions: &["pptx"],
        content_type: PPTX,
        label: "PowerPoint",
        slides: true,
        check: Check::Package(PPTX),
    },
    FileKind {
        extensions: &["ppt"],
        content_type: "application/vnd.ms-powerpoint",
        label: "PowerPoint 97-2003",
        slides: true,
        check: Check::Exact("application/vnd.ms-powerpoint"),
    },
    FileKind {
        extensions: &["odp"],
        content_type: ODP,
        label: "OpenDocument presentation",
        slides: true,
        check: Check::Package(ODP),
    },
    FileKind {
        extensions: &["key"],
        content_type: "application/vnd.apple.keynote",
        label: "Keynote",
        slides: true,
        check: Check::Package("application/vnd.apple.keynote"),
    },
    FileKind {
        extensions: &["docx"],
        content_type: DOCX,
        label: "Word",
        slides: false,
        check: Check::Package(DOCX),
    },
    FileKind {
        extensions: &["odt"],
        content_type: ODT,
        label: "OpenDocument text",
        slides: false,
        check: Check::Package(ODT),
    },
    FileKind {
        extensions: &["ods"],
        content_type: ODS,
        label: "OpenDocument spreadsheet",
        slides: false,
        check: Check::Package(ODS),
    },
    FileKind {
        extensions: &["xlsx"],
        content_type: XLSX,
        label: "Excel",
        slides: false,
        check: Check::Package(XLSX),
    },
    FileKind {
        extensions: &["csv"],
        content_type: "text/csv; charset=utf-8",
        label: "CSV",
        slides: false,
        check: Check::Text,
    },
    FileKind {
        extensions: &["json"],
        content_type: "application/json",
        label: "JSON",
        slides: false,
        check: Check::Text,
    },
    FileKind {
        extensions: &["png"],
        content_type: "image/png",
        label: "PNG image",
        slides: false,
        check: Check::Exact("image/png"),
    },
    FileKind {
        extensions: &["jpg", "jpeg"],
        content_type: "image/jpeg",
        label: "JPEG image",
        slides: false,
        check: Check::Exact("image/jpeg"),
    },
    FileKind {
        extensions: &["gif"],
        content_type: "image/gif",
        label: "GIF image",
        slides: false,
        check: Check::Exact("image/gif"),
    },
    FileKind {
        extensions: &["webp"],
        content_type: "image/webp",
        label: "WebP image",
        slides: false,
        check: Check::Exact("image/webp"),
    },
];

/// Why a file was refused, in words for the person who chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotAllowed(String),
    Mismatch { extension: String, found: String },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotAllowed(ext) if ext.is_empty() => write!(
                f,
                "The file's name has no extension, so its type cannot be checked. Allowed: {}.",
                allowed_list()
            ),
            Refusal::NotAllowed(ext) => write!(
                f,
                ".{ext} files cannot be uploaded here. Allowed: {}.",
                allowed_list()
            ),
            Refusal::Mismatch { extension, found } => write!(
                f,
                "The file is named .{extension} but its content is {found}. Save it in the \
                 format its name says, or give it the right extension."
            ),
        }
    }
}

/// "PDF, PowerPoint (.pptx, .ppt), ..." for hints and errors.
pub fn allowed_list() -> String {
    KINDS
        .iter()
        .flat_map(|k| k.extensions.iter())
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `accept` attribute of file inputs: the same list.
pub fn accept_attribute() -> String {
    KINDS
        .iter()
        .flat_map(|k| k.extensions.iter())
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The extension of `filename`, lower case, without the dot.
pub fn extension(filename: &str) -> String {
    filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .unwrap_or_default()
}

/// What `head` (the first bytes of the file, up to 64 KiB) is, if it may be uploaded as
/// `filename`.
pub fn identify(filename: &str, head: &[u8]) -> Result<&'static FileKind, Refusal> {
    let ext = extension(filename);
    let kind = KINDS
        .iter()
        .find(|k| k.extensions.contains(&ext.as_str()))
        .ok_or_else(|| Refusal::NotAllowed(ext.clone()))?;
    let found = infer::get(head).map(|t| t.mime_type());
    let agrees = match kind.check {
        Check::Exact(mime) => found == Some(mime),
        Check::Package(mime) => found == Some(mime) || found == Some("application/zip"),
        Check::Text => found.is_none() && is_text(head),
    };
    if agrees {
        return Ok(kind);
    }
    let found = match found {
        Some(mime) => KINDS
            .iter()
            .find(|k| matches!(k.check, Check::Exact(m) | Check::Package(m) if m == mime))
            .map_or_else(
                || format!("of another type ({mime})"),
                |k| format!("a {} file", k.label),
            ),
        None if is_text(head) => "plain text".into(),
        None => "of a type that cannot be recognised".into(),
    };
    Err(Refusal::Mismatch {
        extension: ext,
        found,
    })
}

/// UTF-8 text without NUL; a multi-byte character cut off at the end of `head` is allowed.
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n";
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn the_content_decides_and_must_agree_with_the_name() {
        assert_eq!(identify("Slides.PDF", PDF).unwrap().label, "PDF");
        assert_eq!(identify("map.png", PNG).unwrap().label, "PNG image");
        assert_eq!(
            identify("slides.pdf", PNG),
            Err(Refusal::Mismatch {
                extension: "pdf".into(),
                found: "a PNG image file".into()
            })
        );
        assert_eq!(
            identify("report.pdf", b"<html><script>alert(1)</script>"),
            Err(Refusal::Mismatch {
                extension: "pdf".into(),
                found: "of another type (text/html)".into()
            })
        );
        assert!(matches!(
            identify("page.html", b"<html>"),
            Err(Refusal::NotAllowed(e)) if e == "html"
        ));
        assert!(matches!(
            identify("README", b"hello"),
            Err(Refusal::NotAllowed(e)) if e.is_empty()
        ));
    }

    #[test]
    fn data_files_must_be_text() {
        assert_eq!(
            identify("stops.csv", b"id,name\n1,Caf\xc3\xa9\n")
                .unwrap()
                .label,
            "CSV"
        );
        // A character cut in two by the end of the first 64 KiB is still text.
        assert!(identify("stops.csv", b"name\nCaf\xc3").is_ok());
        assert!(identify("stops.csv", b"id\0name").is_err());
        assert!(identify("data.json", PDF).is_err());
        assert_eq!(
            identify("notes.pdf", b"just words"),
            Err(Refusal::Mismatch {
                extension: "pdf".into(),
                found: "plain text".into()
            })
        );
    }

    #[test]
    fn an_office_package_may_be_any_zip_but_not_another_format() {
        let zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x08\0\0\0mimetypeapplication/zip";
        assert!(identify("talk.key", zip).is_ok());
        assert!(identify("talk.pptx", PDF).is_err());
    }
}
