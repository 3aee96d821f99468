//! Both backends under concurrency: writers do not see "database is locked", and two
//! instances migrating at the same moment both succeed.

use std::sync::Arc;

use convene::audit::{self, Entry, Who};
use convene::config::Config;
use entity::prelude::*;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::helpers::{fresh_database, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed() {
    let app = spawn_app().await;
    let db = Arc::new(app.db().clone());
    let mut tasks = Vec::new();
    for writer in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..20 {
                let txn = convene::db::begin_write(&db).await?;
                // Read, then write, in one transaction: the pattern that upgrades a read lock
                // on SQLite and fails with "database is locked" without an immediate BEGIN.
                let before = AuditLog::find().count(&txn).await?;
                audit::record(
                    &txn,
                    &Who::CommandLine,
                    chrono::Utc::now(),
                    Entry {
                        action: "test.write",
                        target_type: "test",
                        target_id: Some(format!("{writer}-{n}")),
                        detail: Some(before.to_string()),
                    },
                )
                .await?;
                txn.commit().await?;
            }
            Ok::<_, sea_orm::DbErr>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("no writer failed");
    }
    assert_eq!(AuditLog::find().count(app.db()).await.unwrap(), 16 * 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_migrating_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(&dir).await;
    let url = database.url.clone();
    let data_dir = dir.path().to_str().unwrap().to_string();
    let config = Config::from_pairs([
        ("data_dir", data_dir.as_str()),
        ("database_url", url.as_str()),
    ])
    .unwrap();
    let a = convene::db::connect(&config).await.unwrap();
    let b = convene::db::connect(&config).await.unwrap();
    let (ra, rb) = tokio::join!(
        tokio::spawn(async move { convene::db::migrate(&a).await }),
        tokio::spawn(async move { convene::db::migrate(&b).await }),
    );
    ra.unwrap().expect("first instance migrated");
    rb.unwrap().expect("second instance migrated");

    let db = convene::db::connect(&config).await.unwrap();
    assert_eq!(User::find().count(&db).await.unwrap(), 0, "tables exist");
    convene::db::migrate(&db)
        .await
        .expect("a third run finds nothing to do");
}

/// Guards against a PostgreSQL run silently testing SQLite.
#[tokio::test]
async fn tests_run_on_the_backend_asked_for() {
    let app = spawn_app().await;
    let expected = if crate::helpers::postgres_admin_url().is_some() {
        sea_orm::DbBackend::Postgres
    } else {
        sea_orm::DbBackend::Sqlite
    };
    assert_eq!(app.db().get_database_backend(), expected);
}
