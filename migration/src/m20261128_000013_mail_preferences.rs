use sea_orm_migration::{prelude::*, schema::*};

/// What members want by e-mail, and how they stop it without signing in:
/// - `mail_preference`: one row per member and topic they changed from its default
///   (`off`, `on`, `daily`);
/// - `user.mail_token`: the secret in every message's unsubscribe link;
/// - `outbox.topic`: which topic a message belongs to (what its unsubscribe link stops);
/// - `announcement`: a change that concerns people a feature does not know (an event's
///   attendees, when the event changes), written in the change's transaction and turned into
///   one message per person by whoever knows them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailPreference::Table)
                    .col(big_integer(MailPreference::UserId))
                    .col(string_len(MailPreference::Topic, 32))
                    .col(string_len(MailPreference::Mode, 16))
                    .col(timestamp_with_time_zone(MailPreference::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MailPreference::UserId)
                            .col(MailPreference::Topic),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_mail_preference_user")
                            .from(MailPreference::Table, MailPreference::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .add_column(string_len_null(User::MailToken, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_mail_token")
                    .table(User::Table)
                    .col(User::MailToken)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .add_column(string_len_null(Outbox::Topic, 32))
                    .to_owned(),
            )
            .await?;
        // How many messages one person had within the hour (the flood limit).
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_user_created")
                    .table(Outbox::Table)
                    .col(Outbox::UserId)
                    .col(Outbox::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Announcement::Table)
                    .col(big_pk_auto(Announcement::Id))
                    .col(string_len(Announcement::Kind, 40))
                    .col(text(Announcement::Data))
                    .col(timestamp_with_time_zone(Announcement::CreatedAt))
                    .col(timestamp_with_time_zone_null(Announcement::DoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_announcement_pending")
                    .table(Announcement::Table)
                    .col(Announcement::DoneAt)
                    .col(Announcement::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Announcement::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_outbox_user_created")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .drop_column(Outbox::Topic)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_user_mail_token")
                    .table(User::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .drop_column(User::MailToken)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(MailPreference::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailPreference {
    Table,
    UserId,
    Topic,
    Mode,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    MailToken,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Topic,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Announcement {
    Table,
    Id,
    Kind,
    Data,
    CreatedAt,
    DoneAt,
}
