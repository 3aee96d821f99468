use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .col(big_pk_auto(User::Id))
                    .col(string_len_uniq(User::Email, 320))
                    .col(string_len(User::DisplayName, 200))
                    .col(string_len_null(User::Organisation, 200))
                    .col(string_len(User::Role, 16).default("member"))
                    .col(boolean(User::Disabled).default(false))
                    .col(boolean(User::ListedPublicly).default(true))
                    .col(timestamp_with_time_zone(User::CreatedAt))
                    .col(timestamp_with_time_zone(User::UpdatedAt))
                    .col(timestamp_with_time_zone_null(User::LastSignInAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::ActorUserId))
                    .col(string_len(AuditLog::ActorLabel, 320))
                    .col(string_len(AuditLog::Action, 64))
                    .col(string_len(AuditLog::TargetType, 64))
                    .col(string_len_null(AuditLog::TargetId, 64))
                    .col(text_null(AuditLog::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_log_actor")
                            .from(AuditLog::Table, AuditLog::ActorUserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(User::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    Email,
    DisplayName,
    Organisation,
    Role,
    Disabled,
    ListedPublicly,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    Detail,
}
