//! The command line against a real database: admin grants and demo data.

use convene::demo::PEOPLE;
use entity::prelude::*;
use entity::user::{self, Role};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::helpers::{TestApp, spawn_app, stderr, stdout};

async fn user_by_email(app: &TestApp, email: &str) -> Option<user::Model> {
    User::find()
        .filter(user::Column::Email.eq(email))
        .one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn grant_before_first_sign_in_reserves_an_admin_account() {
    let app = spawn_app().await;
    let out = app.command(&["admin", "grant", "  Jo.Bloggs@Northvale-Council.example "]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("has signed in yet"),
        "{}",
        stdout(&out)
    );

    let jo = user_by_email(&app, "jo.bloggs@northvale-council.example")
        .await
        .expect("the account waits for Jo");
    assert_eq!(jo.role, Role::Admin);
    assert!(jo.last_sign_in_at.is_none());

    let log = AuditLog::find().all(app.db()).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "role.grant");
    assert_eq!(log[0].actor_label, "command line");
    assert_eq!(
        log[0].target_id.as_deref(),
        Some(jo.id.to_string().as_str())
    );
}

#[tokio::test]
async fn grant_and_revoke_an_existing_member() {
    let app = spawn_app().await;
    let seeded = app.command(&["seed-demo"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let email = "aisha.rahman@midshire-transport.example";
    assert_eq!(user_by_email(&app, email).await.unwrap().role, Role::Member);

    let out = app.command(&["admin", "grant", email]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("is now an admin"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(user_by_email(&app, email).await.unwrap().role, Role::Admin);

    let again = app.command(&["admin", "grant", email]);
    assert!(
        stdout(&again).contains("already an admin"),
        "{}{}",
        stdout(&again),
        stderr(&again)
    );

    let out = app.command(&["admin", "revoke", email]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(user_by_email(&app, email).await.unwrap().role, Role::Member);

    let actions: Vec<String> = AuditLog::find()
        .order_by_asc(entity::audit_log::Column::Id)
        .all(app.db())
        .await
        .expect("the audit log reads")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("role."))
        .collect();
    assert_eq!(
        actions,
        ["role.grant", "role.revoke"],
        "no entry for the no-op grant"
    );
}

#[tokio::test]
async fn bad_emails_and_unknown_accounts_are_refused() {
    let app = spawn_app().await;
    let out = app.command(&["admin", "grant", "not-an-address"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not an email address"),
        "{}",
        stderr(&out)
    );

    let out = app.command(&["admin", "revoke", "nobody@example.org"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no account"), "{}", stderr(&out));
    assert_eq!(User::find().count(app.db()).await.unwrap(), 0);
}

#[tokio::test]
async fn demo_data_is_realistic_and_loads_twice_without_duplicates() {
    let app = spawn_app().await;
    let out = app.command(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("{} people added", PEOPLE.len())));
    let out = app.command(&["seed-demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 people added"));

    let people = User::find().all(app.db()).await.unwrap();
    assert_eq!(people.len(), PEOPLE.len());
    let admins = people.iter().filter(|p| p.role == Role::Admin).count();
    assert!(admins >= 2, "a few admins");
    let organisations: Vec<&str> = people
        .iter()
        .filter_map(|p| p.organisation.as_deref())
        .collect();
    for kind in ["Council", "Transport", "Trust", "University"] {
        assert!(
            organisations.iter().any(|o| o.contains(kind)),
            "someone from a {kind}"
        );
    }
    assert!(people.iter().all(|p| p.email.ends_with(".example")));

    // The admins' outbox shows this week's news (the next meeting's agenda), not mail about
    // the minutes of meetings held months ago.
    let kinds: Vec<String> = entity::outbox::Entity::find()
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert!(kinds.iter().any(|k| k == "meeting-agenda"), "{kinds:?}");
    assert!(!kinds.iter().any(|k| k == "meeting-minutes"), "{kinds:?}");
}

#[tokio::test]
async fn migrate_command_is_idempotent() {
    let app = spawn_app().await;
    for _ in 0..2 {
        let out = app.command(&["migrate"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("up to date"));
    }
}
