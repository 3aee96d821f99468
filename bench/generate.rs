//! Generated events for load tests and for checking that pages cost the same whatever the
//! data size: published one-off events spread over the two years around `now`, written
//! straight into the tables in batches (ten thousand in a second or two), which no person
//! could do through the forms. Used by `seed_events.rs` (the benchmarks) and by the
//! integration tests, which include this file.

use chrono::{DateTime, Duration, Utc};
use entity::user;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Adds `count` generated, published one-off events spread over the two years around today,
/// for benchmarks and for checking that pages cost the same whatever the data size. Inserted
/// in batches inside one transaction.
pub async fn generate_events(
    db: &DatabaseConnection,
    count: usize,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    const TOPICS: &[&str] = &[
        "Bus punctuality",
        "Air quality",
        "Planning applications",
        "Library loans",
        "Street lighting",
        "Recycling rates",
        "Flood risk",
        "School places",
        "Cycle counters",
        "Council spending",
    ];
    const TAGS: &[&str] = &[
        "transport",
        "environment",
        "planning",
        "community",
        "finance",
    ];
    let author = user::Entity::find()
        .filter(user::Column::Email.eq("priya.shah@northvale-council.example"))
        .one(db)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("load the demo people first (convene seed-demo)")?;
    // A run's own prefix: running it again adds more events instead of clashing on slugs.
    let run = &uuid::Uuid::new_v4().simple().to_string()[..6];
    // A write transaction from the start (BEGIN IMMEDIATE on SQLite), so that it waits for
    // the server's own background writes instead of failing with "database is locked".
    let txn = convene::db::begin_write(db)
        .await
        .map_err(|e| e.to_string())?;
    let start_base = now - Duration::days(365);
    let mut batch_events = Vec::new();
    let mut batch_tags: Vec<(String, &str)> = Vec::new();
    let mut added = 0;
    for n in 0..count {
        let topic = TOPICS[n % TOPICS.len()];
        let starts_at = start_base + Duration::minutes((n as i64 * 7919) % (730 * 24 * 60));
        let slug = format!(
            "generated-{run}-{}-{n}",
            topic.to_lowercase().replace(' ', "-")
        );
        batch_tags.push((slug.clone(), TAGS[n % TAGS.len()]));
        batch_events.push(entity::event::ActiveModel {
            uid: sea_orm::Set(format!("{}@convene", uuid::Uuid::new_v4())),
            slug: sea_orm::Set(slug),
            status: sea_orm::Set(entity::event::EventStatus::Published),
            title: sea_orm::Set(format!("{topic} data clinic #{n}")),
            summary: sea_orm::Set(format!("An open session on {} data.", topic.to_lowercase())),
            description: sea_orm::Set(format!(
                "Generated event number {n}.\n\n* What the {} data covers\n* Questions and answers",
                topic.to_lowercase()
            )),
            time_zone: sea_orm::Set("Europe/London".into()),
            all_day: sea_orm::Set(false),
            starts_at: sea_orm::Set(starts_at),
            ends_at: sea_orm::Set(starts_at + Duration::minutes(90)),
            place_name: sea_orm::Set(Some("Northvale County Hall".into())),
            address: sea_orm::Set(Some("Market Street, Northvale".into())),
            online_url: sea_orm::Set(None),
            organiser_contact: sea_orm::Set(None),
            capacity: sea_orm::Set(Some(30)),
            lunch_provided: sea_orm::Set(false),
            note_to_admins: sea_orm::Set(None),
            rrule: sea_orm::Set(None),
            series_ends_at: sea_orm::Set(None),
            sequence: sea_orm::Set(0),
            author_id: sea_orm::Set(author.id),
            reviewer_id: sea_orm::Set(Some(author.id)),
            review_note: sea_orm::Set(None),
            cancel_note: sea_orm::Set(None),
            submitted_at: sea_orm::Set(Some(now)),
            published_at: sea_orm::Set(Some(now)),
            cancelled_at: sea_orm::Set(None),
            created_at: sea_orm::Set(now),
            updated_at: sea_orm::Set(now),
            ..Default::default()
        });
        if batch_events.len() == 500 || n + 1 == count {
            added += batch_events.len();
            entity::event::Entity::insert_many(std::mem::take(&mut batch_events))
                .exec(&txn)
                .await
                .map_err(|e| e.to_string())?;
            let slugs: Vec<String> = batch_tags.iter().map(|(s, _)| s.clone()).collect();
            let ids: std::collections::HashMap<String, i64> = entity::event::Entity::find()
                .filter(entity::event::Column::Slug.is_in(slugs))
                .all(&txn)
                .await
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|e| (e.slug, e.id))
                .collect();
            entity::event_tag::Entity::insert_many(
                std::mem::take(&mut batch_tags)
                    .into_iter()
                    .filter_map(|(slug, tag)| {
                        ids.get(&slug).map(|id| entity::event_tag::ActiveModel {
                            event_id: sea_orm::Set(*id),
                            tag: sea_orm::Set(tag.to_string()),
                        })
                    }),
            )
            .exec(&txn)
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    Ok(added)
}
