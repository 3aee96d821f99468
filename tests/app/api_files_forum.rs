//! Files and the forum in the JSON API: every public file's metadata with a download address
//! that serves exactly that file, newest first by cursor; deleted files gone; the forum's
//! categories with their totals and its visible threads, latest activity first, by category,
//! hidden ones never listed.

use entity::{forum_category, forum_thread, stored_file};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use serde_json::Value;

use crate::helpers::{TestApp, demo_app};

async fn get(app: &TestApp, path: &str) -> (u16, Option<String>, Value) {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let link = resp
        .headers()
        .get("link")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.text().await.unwrap();
    let value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{path} answered {status} with no JSON ({e}): {body}"));
    (status, link, value)
}

/// Every item of a list, following its Link headers from `path`.
async fn every(app: &TestApp, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = path.to_string();
    loop {
        let (status, link, page) = get(app, &path).await;
        assert_eq!(status, 200, "{path}: {page}");
        out.extend(page["items"].as_array().unwrap().iter().cloned());
        let Some(link) = link else { break };
        let url = link.trim_start_matches('<').split('>').next().unwrap();
        path = url.trim_start_matches(&app.url).to_string();
    }
    out
}

#[tokio::test]
async fn public_files_are_listed_with_addresses_that_serve_them() {
    let app = demo_app(&[]).await;
    let stored = stored_file::Entity::find().all(app.db()).await.unwrap();
    let files = every(&app, "/api/v1/files?limit=2").await;
    assert!(files.len() >= 5, "the demo's slides: {}", files.len());
    assert!(files.len() <= stored.len());
    let ids: Vec<i64> = files.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "no file twice across pages");
    let uploaded: Vec<&str> = files
        .iter()
        .map(|f| f["uploaded_at"].as_str().unwrap())
        .collect();
    let mut sorted = uploaded.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(uploaded, sorted, "newest first");

    let first = &files[0];
    assert!(matches!(
        first["place"]["kind"].as_str(),
        Some("meeting" | "agenda_item" | "event")
    ));
    let download = first["download_url"].as_str().unwrap();
    let resp = reqwest::get(download).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["etag"].to_str().unwrap(),
        format!("\"{}\"", first["sha256"].as_str().unwrap())
    );
    assert_eq!(
        resp.bytes().await.unwrap().len() as i64,
        first["size"].as_i64().unwrap()
    );
    let id = first["id"].as_i64().unwrap();
    let (status, _, one) = get(&app, &format!("/api/v1/files/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["download_url"], first["download_url"]);

    // Deleted by an admin: gone from the list and a 404.
    let mut f = stored_file::Entity::find_by_id(id)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    f.deleted_at = Set(Some(chrono::Utc::now()));
    f.update(app.db()).await.unwrap();
    // Changed behind the instance's back: what it read a moment ago is not kept.
    app.state.reads.invalidate();
    let (status, _, problem) = get(&app, &format!("/api/v1/files/{id}")).await;
    assert_eq!(status, 404);
    assert_eq!(
        problem["detail"],
        "No file everyone may download has this number."
    );
    let after = every(&app, "/api/v1/files?limit=100").await;
    assert_eq!(after.len(), files.len() - 1);
    assert!(after.iter().all(|f| f["id"].as_i64() != Some(id)));
}

#[tokio::test]
async fn the_forum_lists_its_categories_and_visible_threads() {
    let app = demo_app(&[]).await;
    let (status, _, categories) = get(&app, "/api/v1/forum/categories").await;
    assert_eq!(status, 200);
    let categories = categories["items"].as_array().unwrap();
    let stored = forum_category::Entity::find().all(app.db()).await.unwrap();
    assert_eq!(categories.len(), stored.len());
    let threads = every(&app, "/api/v1/forum/threads?limit=2").await;
    let counted: i64 = categories
        .iter()
        .map(|c| c["threads"].as_i64().unwrap())
        .sum();
    assert_eq!(
        counted as usize,
        threads.len(),
        "the totals count the listed threads"
    );
    let last: Vec<&str> = threads
        .iter()
        .map(|t| t["last_post_at"].as_str().unwrap())
        .collect();
    let mut sorted = last.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(last, sorted, "latest activity first");

    let busiest = categories
        .iter()
        .max_by_key(|c| c["threads"].as_i64().unwrap())
        .unwrap();
    let slug = busiest["slug"].as_str().unwrap();
    let in_it = every(&app, &format!("/api/v1/forum/threads?category={slug}")).await;
    assert_eq!(in_it.len() as i64, busiest["threads"].as_i64().unwrap());
    assert!(in_it.iter().all(|t| t["category"] == slug));

    let (status, _, problem) = get(&app, "/api/v1/forum/threads?category=no-such-section").await;
    assert_eq!(status, 404);
    assert_eq!(problem["detail"], "No forum category has this slug.");

    // A thread a moderator hid is not listed.
    let hidden = threads[0]["id"].as_i64().unwrap();
    let mut t = forum_thread::Entity::find_by_id(hidden)
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    t.hidden_at = Set(Some(chrono::Utc::now()));
    t.update(app.db()).await.unwrap();
    app.state.reads.invalidate();
    let after = every(&app, "/api/v1/forum/threads?limit=100").await;
    assert_eq!(after.len(), threads.len() - 1);
    assert!(after.iter().all(|t| t["id"].as_i64() != Some(hidden)));
}
