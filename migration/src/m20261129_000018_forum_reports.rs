use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Members report forum posts to the admins.
///
/// - `forum_report`: one member's report of one post, with their reason. It is open until an
///   admin hides the post (`outcome` "hidden") or dismisses the reports on it ("dismissed"),
///   when `resolved_at` and `resolved_by` are set. A member has at most one open report per
///   post: the service checks under the thread's lock (a partial unique index would say it
///   in the schema, but sea-query writes none for both databases).
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ForumReport::Table)
                    .col(big_pk_auto(ForumReport::Id))
                    .col(big_integer(ForumReport::PostId))
                    .col(big_integer_null(ForumReport::ReporterId))
                    .col(string_len(ForumReport::Reason, 500))
                    .col(timestamp_with_time_zone(ForumReport::CreatedAt))
                    .col(timestamp_with_time_zone_null(ForumReport::ResolvedAt))
                    .col(big_integer_null(ForumReport::ResolvedBy))
                    .col(string_len_null(ForumReport::Outcome, 16))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_report_post")
                            .from(ForumReport::Table, ForumReport::PostId)
                            .to(ForumPost::Table, ForumPost::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_report_reporter")
                            .from(ForumReport::Table, ForumReport::ReporterId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_report_resolved_by")
                            .from(ForumReport::Table, ForumReport::ResolvedBy)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_report_post")
                    .table(ForumReport::Table)
                    .col(ForumReport::PostId)
                    .col(ForumReport::ReporterId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_report_open")
                    .table(ForumReport::Table)
                    .col(ForumReport::ResolvedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ForumReport::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ForumReport {
    Table,
    Id,
    PostId,
    ReporterId,
    Reason,
    CreatedAt,
    ResolvedAt,
    ResolvedBy,
    Outcome,
}

#[derive(DeriveIden)]
enum ForumPost {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
