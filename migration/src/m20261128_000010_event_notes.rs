use sea_orm_migration::{prelude::*, schema::*};

/// An event's history of notes: the author's note with each submission or change, and the
/// admins' reasons with each decision. Existing authors' notes become its first entries.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventNote::Table)
                    .col(big_pk_auto(EventNote::Id))
                    .col(big_integer(EventNote::EventId))
                    .col(big_integer(EventNote::AuthorId))
                    .col(string_len(EventNote::Kind, 24))
                    .col(text(EventNote::Body))
                    .col(timestamp_with_time_zone(EventNote::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_note_event")
                            .from(EventNote::Table, EventNote::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_note_author")
                            .from(EventNote::Table, EventNote::AuthorId)
                            .to(User::Table, User::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_note_event")
                    .table(EventNote::Table)
                    .col(EventNote::EventId)
                    .col(EventNote::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // The notes already written: the author's latest note and the admins' latest reason.
        let db = manager.get_connection();
        for (column, by, kind) in [
            ("note_to_admins", "author_id", "author"),
            ("review_note", "reviewer_id", "review"),
        ] {
            db.execute_unprepared(&format!(
                "INSERT INTO event_note (event_id, author_id, kind, body, created_at) \
                 SELECT id, {by}, '{kind}', {column}, COALESCE(submitted_at, created_at) \
                 FROM event WHERE {column} IS NOT NULL AND {column} <> '' AND {by} IS NOT NULL"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EventNote::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EventNote {
    Table,
    Id,
    EventId,
    AuthorId,
    Kind,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
