//! CSS, images and the little JavaScript we have, embedded in the binary and served with an
//! ETag and, for versioned URLs, a year-long immutable cache lifetime.

use poem::http::{HeaderValue, StatusCode, header};
use poem::web::Path;
use poem::{Request, Response, handler};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct AssetFiles;

/// The first hex digits of the file's SHA-256: what goes into `?v=` and the ETag.
fn version(file: &rust_embed::EmbeddedFile) -> String {
    file.metadata.sha256_hash()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `/assets/css/convene.css?v=1a2b...` for `css/convene.css`, if that asset exists.
pub fn versioned_url(path: &str) -> Option<String> {
    let file = AssetFiles::get(path)?;
    Some(format!("/assets/{path}?v={}", version(&file)))
}

#[handler]
pub fn serve(Path(path): Path<String>, req: &Request) -> poem::Result<Response> {
    let Some(file) = AssetFiles::get(&path) else {
        return Err(crate::error::AppError::NotFound.into());
    };
    let version = version(&file);
    let etag = format!("\"{version}\"");
    let versioned = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == format!("v={version}")));
    let cache_control = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        // An unversioned URL may be bookmarked or linked from outside: keep it fresh.
        "public, max-age=3600"
    };

    let not_modified =
        crate::web::conditional::already_has(req.headers(), &[etag.as_str()], None).is_some();

    let builder = Response::builder()
        .header(header::ETAG, etag)
        .header(header::CACHE_CONTROL, cache_control);
    if not_modified {
        return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
    }
    let mime = file.metadata.mimetype();
    let content_type = if mime.starts_with("text/") || mime == "image/svg+xml" {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    Ok(builder
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        )
        .body(file.data.into_owned()))
}
