use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Files (slides, papers, data) attached to a meeting, one of its agenda items, an event or
/// one date of a series.
///
/// - `stored_file`: what was uploaded: its title and the name it had (cleaned), the type
///   found in its content, its size, and `sha256`, the hex digest of its bytes, which names
///   the content in the store (identical uploads share one stored copy). Exactly one of
///   `meeting_id`, `agenda_item_id`, `event_id` says where it belongs; `occurrence` is the
///   planned date (`YYYY-MM-DD`) of a series date, `""` otherwise. `position` orders the
///   files of one place. `downloads` counts downloads, not who made them. A deleted file's
///   row stays (`deleted_at`), so its address answers 410 Gone rather than 404.
///   `replaced_by` is set on a file that a new version replaced (the new version's id, in
///   the same place): the current files of a place are those without it, and the earlier
///   versions stay downloadable at their own addresses.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StoredFile::Table)
                    .col(big_pk_auto(StoredFile::Id))
                    .col(big_integer_null(StoredFile::MeetingId))
                    .col(big_integer_null(StoredFile::AgendaItemId))
                    .col(big_integer_null(StoredFile::EventId))
                    .col(string_len(StoredFile::Occurrence, 10).default(""))
                    .col(string_len(StoredFile::Title, 200))
                    .col(string_len(StoredFile::Filename, 255))
                    .col(string_len(StoredFile::ContentType, 120))
                    .col(big_integer(StoredFile::Size))
                    .col(string_len(StoredFile::Sha256, 64))
                    .col(integer(StoredFile::Position))
                    .col(big_integer(StoredFile::Downloads).default(0))
                    .col(big_integer_null(StoredFile::UploadedBy))
                    .col(timestamp_with_time_zone(StoredFile::CreatedAt))
                    .col(timestamp_with_time_zone_null(StoredFile::DeletedAt))
                    .col(big_integer_null(StoredFile::ReplacedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_file_meeting")
                            .from(StoredFile::Table, StoredFile::MeetingId)
                            .to(Meeting::Table, Meeting::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_file_agenda_item")
                            .from(StoredFile::Table, StoredFile::AgendaItemId)
                            .to(AgendaItem::Table, AgendaItem::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_file_event")
                            .from(StoredFile::Table, StoredFile::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_file_replaced_by")
                            .from(StoredFile::Table, StoredFile::ReplacedBy)
                            .to(StoredFile::Table, StoredFile::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stored_file_uploaded_by")
                            .from(StoredFile::Table, StoredFile::UploadedBy)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_stored_file_meeting", StoredFile::MeetingId),
            ("idx_stored_file_agenda_item", StoredFile::AgendaItemId),
            ("idx_stored_file_event", StoredFile::EventId),
            ("idx_stored_file_sha256", StoredFile::Sha256),
            ("idx_stored_file_replaced_by", StoredFile::ReplacedBy),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(StoredFile::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StoredFile::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StoredFile {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    EventId,
    Occurrence,
    Title,
    Filename,
    ContentType,
    Size,
    Sha256,
    Position,
    Downloads,
    UploadedBy,
    CreatedAt,
    DeletedAt,
    ReplacedBy,
}

#[derive(DeriveIden)]
enum Meeting {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AgendaItem {
    Table,
    Id,
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
