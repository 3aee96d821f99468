use sea_orm_migration::{prelude::*, schema::*};

/// The outbox: every e-mail is written here in the same transaction as the change that
/// causes it, and a worker sends it later (with retries), so a crash or a mail server that is
/// down loses nothing.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(big_pk_auto(Outbox::Id))
                    .col(string_len(Outbox::Kind, 40))
                    .col(big_integer_null(Outbox::UserId))
                    .col(string_len(Outbox::ToAddress, 320))
                    // What the message's templates render, as JSON.
                    .col(text(Outbox::Data))
                    // Set once rendered (for the admins' view and the log).
                    .col(string_len_null(Outbox::Subject, 300))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(text_null(Outbox::LastError))
                    .col(string_len_uniq(Outbox::MessageId, 200))
                    // One message per cause: a second write of the same notification is dropped.
                    .col(string_len_null(Outbox::DedupeKey, 200).unique_key())
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::SentAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_outbox_user")
                            .from(Outbox::Table, Outbox::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Kind,
    UserId,
    ToAddress,
    Data,
    Subject,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    MessageId,
    DedupeKey,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
