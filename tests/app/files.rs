//! Slides and files: uploading to a meeting, an agenda item and an event; downloads with
//! their headers, ranges and conditional requests; counts; identical content stored once;
//! deleted files answering 410; and every kind of bad upload leaving nothing behind, in the
//! store or the database.

use std::path::{Path, PathBuf};
use std::time::Duration;

use entity::{agenda_item, meeting, stored_file};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::helpers::{TestApp, demo_app, signed_in};
use crate::oidc::{Browser, location};

const PRIYA: &str = "priya.shah@northvale-council.example";
/// A member with no role, who presents one item of the next meeting.
const SAM: &str = "sam.whitfield@riverside-city.example";
const MEI: &str = "mei.chen@eastmere-uni.example";

/// A small but real PDF of `pages` pages of text.
pub(crate) fn pdf(pages: usize) -> Vec<u8> {
    let mut body = String::from("%PDF-1.4\n");
    for n in 0..pages {
        body.push_str(&format!(
            "{} 0 obj\n<< /Length 60 >>\nstream\nBT /F1 24 Tf 72 720 Td (Slide {n}: bus open data) Tj ET\nendstream\nendobj\n",
            n + 1
        ));
    }
    body.push_str("trailer\n<< >>\n%%EOF\n");
    body.into_bytes()
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) async fn upload(
    browser: &Browser,
    app: &TestApp,
    path: &str,
    filename: &str,
    bytes: Vec<u8>,
    title: &str,
) -> reqwest::Response {
    let token = browser.csrf_token(app).await;
    let form = reqwest::multipart::Form::new()
        .text("title", title.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
        );
    browser
        .client
        .post(format!("{}{path}?csrf_token={token}", app.url))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A GET with extra request headers.
pub(crate) async fn fetch(
    browser: &Browser,
    url: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = browser.client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The next meeting of the demo (its agenda is published) and its items.
pub(crate) async fn next_meeting(app: &TestApp) -> (meeting::Model, Vec<agenda_item::Model>) {
    let m = meeting::Entity::find()
        .filter(meeting::Column::AgendaPublishedAt.is_not_null())
        .order_by_desc(meeting::Column::StartsAt)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let items = agenda_item::Entity::find()
        .filter(agenda_item::Column::MeetingId.eq(m.id))
        .order_by_asc(agenda_item::Column::Position)
        .all(app.db())
        .await
        .unwrap();
    (m, items)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_in(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Where a test's app keeps its files: the data folder, or a bucket of the test S3 server
/// (each app under a prefix of its own). The file tests run on both.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Storage {
    Folder,
    Bucket,
}

/// A look inside an app's store, from outside the app.
struct Store {
    storage: Storage,
    /// The bucket prefix, for [`Storage::Bucket`].
    prefix: String,
}

impl Store {
    /// Every key in the store, contents (`blobs/ab/SHA`) and temporaries (`tmp/...`).
    fn contents(&self, app: &TestApp) -> Vec<String> {
        let mut found: Vec<String> = match self.storage {
            Storage::Folder => {
                let root = app.dir.path().join("files");
                files_in(&root)
                    .iter()
                    .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                    .collect()
            }
            Storage::Bucket => crate::s3::shared()
                .objects(&self.prefix)
                .into_iter()
                .map(|(key, _)| key[self.prefix.len() + 1..].to_string())
                .collect(),
        };
        found.sort();
        found
    }
}

/// The demo forum with these settings, keeping its files in `storage`.
async fn files_app(storage: Storage, extra: &[(&str, &str)]) -> (TestApp, Store) {
    let prefix = crate::s3::unique_prefix("files");
    let bucket = match storage {
        Storage::Folder => Vec::new(),
        Storage::Bucket => crate::s3::shared().settings(&prefix),
    };
    let mut settings: Vec<(&str, &str)> = bucket.iter().map(|(k, v)| (*k, v.as_str())).collect();
    settings.extend_from_slice(extra);
    (demo_app(&settings).await, Store { storage, prefix })
}

/// Runs each file test on both stores, as `NAME::folder` and `NAME::bucket`.
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn folder() {
                super::$name(super::Storage::Folder).await
            }
            #[tokio::test]
            async fn bucket() {
                crate::helpers::needs_peers!();
                super::$name(super::Storage::Bucket).await
            }
        }
    )*};
}

on_both_stores!(
    slides_uploaded_to_an_item_are_downloaded_by_anyone_with_ranges_and_their_name,
    presenters_add_their_own_slides_and_only_officers_and_admins_add_the_rest,
    bad_uploads_are_explained_and_leave_nothing_in_the_store_or_the_database,
    deleted_files_answer_gone_and_their_twins_stay,
    replacing_keeps_earlier_versions_and_files_can_be_reordered,
);

/// The file uploaded last.
async fn newest(app: &TestApp) -> stored_file::Model {
    stored_file::Entity::find()
        .order_by_desc(stored_file::Column::Id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
}

async fn rows(app: &TestApp) -> u64 {
    stored_file::Entity::find().count(app.db()).await.unwrap()
}

fn text(html: &str) -> String {
    crate::helpers::unescape(html)
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

async fn slides_uploaded_to_an_item_are_downloaded_by_anyone_with_ranges_and_their_name(
    storage: Storage,
) {
    let (app, store) = files_app(storage, &[]).await;
    let (m, items) = next_meeting(&app).await;
    let item = &items[1];
    let priya = signed_in(&app, PRIYA).await;
    let slides = pdf(40);
    assert!(slides.len() > 1000);
    let path = format!("/meetings/{}/agenda/{}/files", m.slug, item.id);
    let form = priya.get(&format!("{}{path}", app.url)).await;
    assert_eq!(form.status(), 200, "{path} {}", form.text().await.unwrap());
    let resp = upload(
        &priya,
        &app,
        &path,
        "Präsentation – données.pdf",
        slides.clone(),
        "Bus open data: what changed",
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    assert_eq!(
        location(&resp),
        format!("/meetings/{}#item-{}", m.slug, item.position)
    );

    let f = newest(&app).await;
    assert_eq!(f.agenda_item_id, Some(item.id));
    assert_eq!(f.content_type, "application/pdf");
    assert_eq!(f.sha256, sha256(&slides));
    assert_eq!(f.size as usize, slides.len());
    let key = format!("blobs/{}/{}", &f.sha256[..2], f.sha256);
    assert!(store.contents(&app).contains(&key), "{key} is in the store");
    if let Storage::Bucket = storage {
        assert!(
            !app.dir.path().join("files").exists(),
            "nothing is kept in the data folder"
        );
    }

    // The meeting page lists it under its item, for anyone.
    let anonymous = Browser::new();
    let page = text(
        &anonymous
            .get(&format!("{}/meetings/{}", app.url, m.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    let href = format!(
        "/files/{}/Pr%C3%A4sentation%20%E2%80%93%20donn%C3%A9es.pdf",
        f.id
    );
    assert!(page.contains(&format!(
        "<a href=\"{href}\">Bus open data: what changed</a>"
    )));
    let kb = slides.len().div_ceil(1024);
    assert!(
        page.contains(&format!("PDF, {kb} KB")),
        "type and size shown"
    );

    // The whole file, with its name both ways, its hash as ETag, and a sandbox; never
    // re-encoded (ranges count the bytes as stored).
    let url = format!("{}{href}", app.url);
    let resp = fetch(&anonymous, &url, &[("accept-encoding", "gzip")]).await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(
        h["content-disposition"],
        "inline; filename=\"Prasentation _ donnees.pdf\"; filename*=UTF-8''Pr%C3%A4sentation%20%E2%80%93%20donn%C3%A9es.pdf"
    );
    let etag = format!("\"{}\"", sha256(&slides));
    assert_eq!(h["etag"], etag.as_str());
    assert!(h.contains_key("last-modified"));
    assert_eq!(h["accept-ranges"], "bytes");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert!(!h.contains_key("content-encoding"));
    assert_eq!(resp.bytes().await.unwrap().as_ref(), slides.as_slice());

    // HEAD: the same headers, no body, not a download.
    let resp = anonymous.client.head(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["content-length"],
        slides.len().to_string().as_str()
    );
    assert_eq!(resp.headers()["etag"], etag.as_str());

    // The first hundred bytes, counted as a download (a viewer starting to read).
    let resp = fetch(&anonymous, &url, &[("range", "bytes=0-99")]).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes 0-99/{}", slides.len()).as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &slides[..100]);

    // The last 500 bytes: the rest of the same download, not another.
    let resp = fetch(&anonymous, &url, &[("range", "bytes=-500")]).await;
    assert_eq!(resp.status(), 206);
    let n = slides.len();
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes {}-{}/{n}", n - 500, n - 1).as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &slides[n - 500..]);

    // A range of a copy that is no longer this one: the whole file instead.
    let resp = fetch(
        &anonymous,
        &url,
        &[("range", "bytes=100-199"), ("if-range", "\"0000\"")],
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().len(), n);

    // From byte 100 to the end; the last "1000 bytes" of a shorter file are all of it; a
    // range that ends before it starts is ignored. None of them is a new download.
    let resp = fetch(&anonymous, &url, &[("range", "bytes=100-")]).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &slides[100..]);
    let resp = fetch(
        &anonymous,
        &url,
        &[("range", format!("bytes=-{}", n + 1000).as_str())],
    )
    .await;
    assert_eq!(resp.status(), 206);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes 0-{}/{n}", n - 1).as_str()
    );
    assert_eq!(resp.bytes().await.unwrap().len(), n);
    let resp = fetch(&anonymous, &url, &[("range", "bytes=5-2")]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().len(), n);

    // Already held: 304, not a download.
    let resp = fetch(&anonymous, &url, &[("if-none-match", etag.as_str())]).await;
    assert_eq!(resp.status(), 304);

    // Past the end: 416, with the length.
    let resp = fetch(
        &anonymous,
        &url,
        &[("range", format!("bytes={}-", n + 10).as_str())],
    )
    .await;
    assert_eq!(resp.status(), 416);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes */{n}").as_str()
    );

    let f = stored_file::Entity::find_by_id(f.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        f.downloads, 5,
        "the whole GETs (plain, after a stale If-Range, with an ignored range), the range from \
         byte 0 and the suffix that covers all; not the other ranges, HEAD, 304 or 416"
    );
    let page = text(
        &anonymous
            .get(&format!("{}/meetings/{}", app.url, m.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("5 downloads"));

    // The short address and a wrong name lead to the file's own address.
    let resp = anonymous.get(&format!("{}/files/{}", app.url, f.id)).await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), href);
    let resp = anonymous
        .get(&format!("{}/files/{}/old-name.pdf", app.url, f.id))
        .await;
    assert_eq!(resp.status(), 301);
    assert_eq!(location(&resp), href);
}

async fn presenters_add_their_own_slides_and_only_officers_and_admins_add_the_rest(
    storage: Storage,
) {
    let (app, store) = files_app(storage, &[]).await;
    let (m, items) = next_meeting(&app).await;
    let theirs = items
        .iter()
        .find(|i| {
            i.presenters
                .as_deref()
                .is_some_and(|p| p.contains("Sam Whitfield"))
        })
        .unwrap();
    let other = items.iter().find(|i| i.id != theirs.id).unwrap();
    let sam = signed_in(&app, SAM).await;
    let (rows_before, stored_before) = (rows(&app).await, store.contents(&app).len());

    let resp = upload(
        &sam,
        &app,
        &format!("/meetings/{}/agenda/{}/files", m.slug, theirs.id),
        "spending.pdf",
        pdf(3),
        "Monthly spending data",
    )
    .await;
    assert_eq!(resp.status(), 303);
    for path in [
        format!("/meetings/{}/agenda/{}/files", m.slug, other.id),
        format!("/meetings/{}/files", m.slug),
    ] {
        let resp = upload(&sam, &app, &path, "other.pdf", pdf(2), "Not mine").await;
        assert_eq!(resp.status(), 403, "{path}");
    }
    // Someone signed out is asked to sign in; nothing is kept either way.
    let anonymous = Browser::new();
    let resp = upload(
        &anonymous,
        &app,
        &format!("/meetings/{}/files", m.slug),
        "x.pdf",
        pdf(1),
        "",
    )
    .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(rows(&app).await, rows_before + 1);
    assert_eq!(
        store.contents(&app).len(),
        stored_before + 1,
        "{:?}",
        store.contents(&app)
    );

    // Before the agenda is published, a presenter cannot reach their item.
    {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut active = m.clone().into_active_model();
        active.agenda_published_at = Set(None);
        active.update(app.db()).await.unwrap();
        let path = format!("/meetings/{}/agenda/{}/files", m.slug, theirs.id);
        let resp = sam.get(&format!("{}{path}", app.url)).await;
        assert_eq!(resp.status(), 403);
        let resp = upload(&sam, &app, &path, "early.pdf", pdf(2), "Early").await;
        assert_eq!(resp.status(), 403);
        let mut active = m.clone().into_active_model();
        active.agenda_published_at = Set(m.agenda_published_at);
        active.update(app.db()).await.unwrap();
    }

    // Sam's page offers the upload on their item only.
    let page = sam
        .get(&format!("{}/meetings/{}", app.url, m.slug))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("/agenda/{}/files\"", theirs.id)));
    assert!(!page.contains(&format!("/agenda/{}/files\"", other.id)));
    assert!(!page.contains(&format!("/meetings/{}/files\"", m.slug)));
}

async fn bad_uploads_are_explained_and_leave_nothing_in_the_store_or_the_database(
    storage: Storage,
) {
    let (app, store) = files_app(storage, &[("max_upload_mb", "1")]).await;
    let (m, _) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let path = format!("/meetings/{}/files", m.slug);
    // The demo's own files.
    let (rows_before, stored_before) = (rows(&app).await, store.contents(&app));

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.pdf", Vec::new(), "empty.pdf is empty"),
        (
            "page.html",
            b"<html><script>alert(1)</script>".to_vec(),
            ".html files cannot be uploaded here",
        ),
        (
            "map.pdf",
            PNG.to_vec(),
            "The file is named .pdf but its content is a PNG image file",
        ),
        (
            "notes.pdf",
            b"just some text".to_vec(),
            "its content is plain text",
        ),
        (
            "data.csv",
            pdf(1),
            "The file is named .csv but its content is a PDF file",
        ),
        ("..", pdf(1), "The file's name cannot be used"),
    ];
    for (name, bytes, says) in cases {
        let resp = upload(&priya, &app, &path, name, bytes, "Kept title").await;
        assert_eq!(resp.status(), 422, "{name}");
        let page = text(&resp.text().await.unwrap());
        assert!(page.contains(says), "{name}: {page}");
        assert!(
            page.contains("value=\"Kept title\""),
            "{name}: the title is kept"
        );
        assert!(
            page.contains("href=\"#file\""),
            "{name}: the summary links the field"
        );
    }
    // No file chosen at all.
    let token = priya.csrf_token(&app).await;
    let resp = priya
        .client
        .post(format!("{}{path}?csrf_token={token}", app.url))
        .multipart(reqwest::multipart::Form::new().text("title", "Only a title"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    assert!(text(&resp.text().await.unwrap()).contains("Choose a file to upload."));

    // Over the limit: 413 with the file's name, nothing kept.
    let big = {
        let mut b = pdf(1);
        b.resize(1024 * 1024 + 10, b' ');
        b
    };
    let resp = upload(&priya, &app, &path, "big.pdf", big, "").await;
    assert_eq!(resp.status(), 413);
    assert!(text(&resp.text().await.unwrap()).contains("big.pdf is larger than the 1 MB"));

    // Without the form's token: refused before anything is read.
    let resp = priya
        .client
        .post(format!("{}{path}", app.url))
        .multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf(1)).file_name("a.pdf"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // A client that goes away halfway through.
    let token = priya.csrf_token(&app).await;
    let cookies = priya.cookies_for(&app.url);
    let addr = app.url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let boundary = "xyzzy";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    );
    let request = format!(
        "POST {path}?csrf_token={token} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 900000\r\n\r\n{head}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&pdf(200)[..20_000]).await.unwrap();
    stream.flush().await.unwrap();
    // It got past sign-in and the form's token: in the folder, its first bytes are in the
    // store (the bucket keeps the first 8 MB in memory before it sends a part).
    let mut started = false;
    for _ in 0..50 {
        if store
            .contents(&app)
            .iter()
            .any(|key| key.starts_with("tmp/"))
        {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        started || matches!(storage, Storage::Bucket),
        "the upload was being written"
    );
    drop(stream);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut gone = false;
    for _ in 0..50 {
        if store.contents(&app) == stored_before {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "nothing left: {:?}", store.contents(&app));
    assert_eq!(rows(&app).await, rows_before);

    // Names are cleaned, never refused for their folders, direction marks or length.
    for (name, kept) in [
        ("../../etc/slides.pdf", "slides.pdf".to_string()),
        ("C:\\Users\\ann\\notes.pdf", "notes.pdf".to_string()),
        ("report\u{202e}fdp.pdf", "reportfdp.pdf".to_string()),
        (
            &*format!("{}.pdf", "a".repeat(500)),
            format!("{}.pdf", "a".repeat(116)),
        ),
    ] {
        let resp = upload(&priya, &app, &path, name, pdf(2), "").await;
        assert_eq!(resp.status(), 303, "{name}");
        assert_eq!(newest(&app).await.filename, kept);
    }
    // Identical content is stored once, whatever its names.
    let added: Vec<String> = store
        .contents(&app)
        .into_iter()
        .filter(|f| !stored_before.contains(f))
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    assert!(added[0].ends_with(&sha256(&pdf(2))));
}

async fn deleted_files_answer_gone_and_their_twins_stay(storage: Storage) {
    let (app, store) = files_app(storage, &[]).await;
    let (m, _) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let (last_before, stored_before) = (newest(&app).await.id, store.contents(&app).len());
    let paper = pdf(5);
    let resp = upload(
        &priya,
        &app,
        &format!("/meetings/{}/files", m.slug),
        "paper.pdf",
        paper.clone(),
        "Forum charter",
    )
    .await;
    assert_eq!(resp.status(), 303);
    let event = entity::event::Entity::find_by_id(m.event_id.unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let resp = upload(
        &priya,
        &app,
        &format!("/events/{}/files", event.slug),
        "terms.pdf",
        paper.clone(),
        "Forum charter (copy)",
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let files = stored_file::Entity::find()
        .filter(stored_file::Column::Id.gt(last_before))
        .order_by_asc(stored_file::Column::Id)
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(
        store.contents(&app).len(),
        stored_before + 1,
        "one stored copy"
    );

    // The event page lists its copy.
    let page = text(
        &Browser::new()
            .get(&format!("{}/events/{}", app.url, event.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(page.contains("Forum charter (copy)"), "{page}");

    // A member cannot delete; an admin can, and it is in the audit log.
    let mei = signed_in(&app, MEI).await;
    let resp = mei
        .post(&app, &format!("/files/{}/delete", files[0].id), &[])
        .await;
    assert_eq!(resp.status(), 403);
    let resp = priya
        .post(&app, &format!("/files/{}/delete", files[0].id), &[])
        .await;
    assert_eq!(resp.status(), 303);
    let resp = Browser::new()
        .get(&format!("{}/files/{}/paper.pdf", app.url, files[0].id))
        .await;
    assert_eq!(resp.status(), 410);
    assert!(text(&resp.text().await.unwrap()).contains("Forum charter"));
    let resp = Browser::new()
        .get(&format!("{}/files/{}/terms.pdf", app.url, files[1].id))
        .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), paper.as_slice());
    let audit = entity::audit_log::Entity::find()
        .filter(entity::audit_log::Column::Action.eq("file.delete"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(audit, 1);
    let page = text(
        &Browser::new()
            .get(&format!("{}/meetings/{}", app.url, m.slug))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(!page.contains("Forum charter<"), "gone from the list");
}

/// The titles of a meeting's own files, in the order its page lists them.
fn listed_titles(page: &str) -> Vec<String> {
    let start = page.find("id=\"files-heading\"").expect("the files part");
    let part = &page[start..page[start..].find("</section>").unwrap() + start];
    part.match_indices("<li class=\"file\">")
        .map(|(i, _)| {
            let from = part[i..].find('>').unwrap() + i;
            let link = part[from..].find("\">").unwrap() + from + 2;
            part[link..link + part[link..].find("</a>").unwrap()].to_string()
        })
        .collect()
}

async fn replacing_keeps_earlier_versions_and_files_can_be_reordered(storage: Storage) {
    let (app, store) = files_app(storage, &[]).await;
    let (m, _) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let meeting_page = format!("{}/meetings/{}", app.url, m.slug);
    let to_meeting = format!("/meetings/{}/files", m.slug);
    for (name, title) in [("pack.pdf", "Agenda pack"), ("budget.pdf", "Budget")] {
        let resp = upload(&priya, &app, &to_meeting, name, pdf(title.len()), title).await;
        assert_eq!(resp.status(), 303);
    }
    let pack = stored_file::Entity::find()
        .filter(stored_file::Column::Title.eq("Agenda pack"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let page = text(&priya.get(&meeting_page).await.text().await.unwrap());
    // The demo's terms of reference were replaced once: version 2, the draft listed under it.
    assert_eq!(
        listed_titles(&page),
        ["Terms of reference", "Agenda pack", "Budget"]
    );
    assert!(page.contains("version 2"), "{page}");
    assert!(page.contains("Version 1: terms-of-reference-draft.pdf"));

    // A new version, the title left empty: it keeps the title and the place in the list.
    let replace = format!("/files/{}/replace", pack.id);
    let form = priya.get(&format!("{}{replace}", app.url)).await;
    assert_eq!(form.status(), 200);
    assert!(text(&form.text().await.unwrap()).contains("Replace “Agenda pack”"));
    let new_bytes = pdf(30);
    let resp = upload(&priya, &app, &replace, "pack-v2.pdf", new_bytes.clone(), "").await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    assert_eq!(location(&resp), format!("/meetings/{}#files", m.slug));
    let v2 = newest(&app).await;
    assert_eq!(
        (v2.title.as_str(), v2.filename.as_str(), v2.position),
        ("Agenda pack", "pack-v2.pdf", pack.position)
    );
    let pack = stored_file::Entity::find_by_id(pack.id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pack.replaced_by, Some(v2.id));
    let page = text(&priya.get(&meeting_page).await.text().await.unwrap());
    assert_eq!(
        listed_titles(&page),
        ["Terms of reference", "Agenda pack", "Budget"]
    );
    assert!(page.contains(&format!("href=\"/files/{}/pack-v2.pdf\"", v2.id)));
    assert!(page.contains(&format!(
        "<a href=\"/files/{}/pack.pdf\">Version 1: pack.pdf</a>",
        pack.id
    )));
    // The earlier version keeps its address and its bytes.
    let anonymous = Browser::new();
    let old = fetch(
        &anonymous,
        &format!("{}/files/{}/pack.pdf", app.url, pack.id),
        &[],
    )
    .await;
    assert_eq!(old.status(), 200);
    assert_eq!(
        old.bytes().await.unwrap().as_ref(),
        pdf("Agenda pack".len()).as_slice()
    );

    // The old version cannot be replaced again, nor deleted alone: it is not the current one.
    let resp = upload(&priya, &app, &replace, "pack-v3.pdf", pdf(31), "").await;
    assert_eq!(resp.status(), 409);
    let resp = priya
        .post(&app, &format!("/files/{}/delete", pack.id), &[])
        .await;
    assert_eq!(resp.status(), 409);
    assert_eq!(
        fetch(&anonymous, &format!("{}/files/{}", app.url, v2.id), &[])
            .await
            .status(),
        301,
        "the newest version is still there"
    );

    // A refused new version keeps the form and saves nothing.
    let rows_before = rows(&app).await;
    let stored_before = store.contents(&app);
    let v2_replace = format!("/files/{}/replace", v2.id);
    let resp = upload(
        &priya,
        &app,
        &v2_replace,
        "pack.pdf",
        PNG.to_vec(),
        "Pack, final",
    )
    .await;
    assert_eq!(resp.status(), 422);
    let page = text(&resp.text().await.unwrap());
    assert!(page.contains("value=\"Pack, final\""), "{page}");
    assert!(page.contains("its content is a PNG image"), "{page}");
    assert_eq!(rows(&app).await, rows_before);

    // Two new versions sent at once (a double click, two officers): one wins, the other is
    // told, and nothing of it is left.
    let (a, b) = tokio::join!(
        upload(&priya, &app, &v2_replace, "pack-a.pdf", pdf(40), ""),
        upload(&priya, &app, &v2_replace, "pack-b.pdf", pdf(41), ""),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409]);
    assert_eq!(rows(&app).await, rows_before + 1);
    let current: Vec<stored_file::Model> = stored_file::Entity::find()
        .filter(stored_file::Column::MeetingId.eq(m.id))
        .filter(stored_file::Column::ReplacedBy.is_null())
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(current.len(), 3, "one current file per title");
    for _ in 0..50 {
        if store.contents(&app).len() == stored_before.len() + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        store.contents(&app).len(),
        stored_before.len() + 1,
        "only the winner's content is kept: {:?}",
        store.contents(&app)
    );

    // Reordering: Budget up, then the first file up (nothing to do), then a bad direction.
    let budget = current.iter().find(|f| f.title == "Budget").unwrap();
    let resp = priya
        .post(
            &app,
            &format!("/files/{}/move", budget.id),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let page = text(&priya.get(&meeting_page).await.text().await.unwrap());
    assert_eq!(
        listed_titles(&page),
        ["Terms of reference", "Budget", "Agenda pack"]
    );
    assert!(page.contains("“Budget” has moved up."));
    let terms = current
        .iter()
        .find(|f| f.title == "Terms of reference")
        .unwrap();
    let resp = priya
        .post(
            &app,
            &format!("/files/{}/move", terms.id),
            &[("direction", "up")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let resp = priya
        .post(
            &app,
            &format!("/files/{}/move", terms.id),
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(resp.status(), 400);
    let page = text(&priya.get(&meeting_page).await.text().await.unwrap());
    assert_eq!(
        listed_titles(&page),
        ["Terms of reference", "Budget", "Agenda pack"]
    );

    // Members who may not add files to the meeting may not replace or move them either.
    let sam = signed_in(&app, SAM).await;
    let resp = upload(
        &sam,
        &app,
        &format!("/files/{}/replace", budget.id),
        "b.pdf",
        pdf(9),
        "",
    )
    .await;
    assert_eq!(resp.status(), 403);
    let resp = sam
        .post(
            &app,
            &format!("/files/{}/move", budget.id),
            &[("direction", "down")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    let page = sam.get(&meeting_page).await.text().await.unwrap();
    assert!(!page.contains("/replace\""));
    assert!(!page.contains("/move\""));

    // Deleting the current version deletes the earlier ones with it.
    let pack_now = current.iter().find(|f| f.title == "Agenda pack").unwrap();
    let resp = priya
        .post(&app, &format!("/files/{}/delete", pack_now.id), &[])
        .await;
    assert_eq!(resp.status(), 303);
    for id in [pack.id, v2.id, pack_now.id] {
        let resp = fetch(&anonymous, &format!("{}/files/{id}", app.url), &[]).await;
        assert_eq!(resp.status(), 410, "file {id}");
    }
    let page = text(&priya.get(&meeting_page).await.text().await.unwrap());
    assert_eq!(listed_titles(&page), ["Terms of reference", "Budget"]);
}

#[tokio::test]
async fn the_slides_page_lists_presentations_by_meeting_newest_first_for_those_who_may_see_them() {
    let app = demo_app(&[]).await;
    let anonymous = Browser::new();
    let resp = anonymous.get(&format!("{}/slides", app.url)).await;
    assert_eq!(resp.status(), 200);
    let page = text(&resp.text().await.unwrap());
    // The demo's talks, each under its meeting, the newest meeting first; the hack day's data
    // under events.
    for title in [
        "Bus open data: what changed (slides)",
        "Step-free routes (slides)",
        "Open data in schools (slides)",
        "Sample of the stops data",
    ] {
        assert!(page.contains(&format!("{title}</a>")), "{title}: {page}");
    }
    let meetings = entity::meeting::Entity::find()
        .order_by_desc(entity::meeting::Column::StartsAt)
        .all(app.db())
        .await
        .unwrap();
    let shown: Vec<usize> = meetings
        .iter()
        .filter_map(|m| page.find(&format!("<a href=\"/meetings/{}\">", m.slug)))
        .collect();
    assert!(shown.len() >= 2, "meetings with slides are listed: {page}");
    assert!(
        shown.windows(2).all(|w| w[0] < w[1]),
        "newest first: {shown:?}"
    );
    let from_events = page.find("From events").expect("an events part");
    assert!(page.find("Sample of the stops data").unwrap() > from_events);

    // Slides on an agenda that is not published yet are for its officers and admins only.
    let (m, items) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let path = format!("/meetings/{}/agenda/{}/files", m.slug, items[0].id);
    let resp = upload(
        &priya,
        &app,
        &path,
        "early.pdf",
        pdf(4),
        "Early look at the budget",
    )
    .await;
    assert_eq!(resp.status(), 303);
    let listed = |html: String| text(&html).contains("Early look at the budget</a>");
    assert!(listed(
        anonymous
            .get(&format!("{}/slides", app.url))
            .await
            .text()
            .await
            .unwrap()
    ));
    {
        use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
        let mut active = m.clone().into_active_model();
        active.agenda_published_at = Set(None);
        active.update(app.db()).await.unwrap();
    }
    assert!(!listed(
        anonymous
            .get(&format!("{}/slides", app.url))
            .await
            .text()
            .await
            .unwrap()
    ));
    let mei = signed_in(&app, MEI).await;
    assert!(!listed(
        mei.get(&format!("{}/slides", app.url))
            .await
            .text()
            .await
            .unwrap()
    ));
    assert!(listed(
        priya
            .get(&format!("{}/slides", app.url))
            .await
            .text()
            .await
            .unwrap()
    ));
}

/// Two new versions of the same version at once, past the page's own check (both read it
/// before either wrote): the database lets one through, and the other's content goes again.
#[tokio::test]
async fn two_new_versions_of_one_file_at_once_keep_one_and_remove_the_others_content() {
    let (app, store) = files_app(Storage::Folder, &[]).await;
    let (m, _) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let resp = upload(
        &priya,
        &app,
        &format!("/meetings/{}/files", m.slug),
        "pack.pdf",
        pdf(7),
        "Agenda pack",
    )
    .await;
    assert_eq!(resp.status(), 303);
    let old = newest(&app).await;
    let user = entity::user::Entity::find()
        .filter(entity::user::Column::Email.eq(PRIYA))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let actor = convene::actor::Actor::from(&user);
    let files = app.state.files.as_ref();
    let first = convene::files::service::checked_bytes(files, "a.pdf", "", pdf(50))
        .await
        .unwrap();
    let second = convene::files::service::checked_bytes(files, "b.pdf", "", pdf(51))
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let (a, b) = tokio::join!(
        convene::files::service::replace(app.db(), files, &actor, &old, first, false, now),
        convene::files::service::replace(app.db(), files, &actor, &old, second, false, now),
    );
    let (won, lost) = match (a, b) {
        (Ok(won), Err(e)) => (won, (e, pdf(51))),
        (Err(e), Ok(won)) => (won, (e, pdf(50))),
        other => panic!("one should win and one lose: {other:?}"),
    };
    assert!(
        matches!(lost.0, convene::error::AppError::Conflict(_)),
        "{:?}",
        lost.0
    );
    let contents = store.contents(&app);
    let key = |bytes: &[u8]| {
        let sha = sha256(bytes);
        format!("blobs/{}/{sha}", &sha[..2])
    };
    assert!(contents.contains(&key(&pdf(if won.filename == "a.pdf" { 50 } else { 51 }))));
    assert!(
        !contents.contains(&key(&lost.1)),
        "the losing version's content is removed: {contents:?}"
    );
    let current = stored_file::Entity::find()
        .filter(stored_file::Column::MeetingId.eq(m.id))
        .filter(stored_file::Column::ReplacedBy.is_null())
        .filter(stored_file::Column::Title.eq("Agenda pack"))
        .all(app.db())
        .await
        .unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, won.id);
}
