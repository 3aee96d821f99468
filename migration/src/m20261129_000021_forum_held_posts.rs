use sea_orm_migration::prelude::*;

/// New members' first posts waiting for an admin (the `forum_hold_first_posts` setting).
///
/// - `forum_post.held`: the post waits for approval. It is also hidden (`hidden_at`, with
///   the reason "Waiting for approval"), so every list, count, feed and search that leaves
///   hidden posts out leaves it out too; its author and the admins see it.
/// - `forum_thread.held`: a thread whose opening post waits; hidden likewise until then.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ForumPost::Table)
                    .add_column(
                        ColumnDef::new(ForumPost::Held)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ForumThread::Table)
                    .add_column(
                        ColumnDef::new(ForumThread::Held)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ForumThread::Table)
                    .drop_column(ForumThread::Held)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ForumPost::Table)
                    .drop_column(ForumPost::Held)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ForumPost {
    Table,
    Held,
}

#[derive(DeriveIden)]
enum ForumThread {
    Table,
    Held,
}
