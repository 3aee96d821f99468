use sea_orm_migration::prelude::*;

/// Discussions of the site's pages (an event, one date of a series, a meeting): threads with
/// a `subject` (`forum_thread.subject`, from 000017), kept in a category that holds them.
///
/// - `forum_category.holds`: which pages' discussions the category holds ("events",
///   "meetings"), or none for the categories admins make. At most one category per kind; the
///   forum makes it on the first discussion, and admins may rename and move it like any other.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ForumCategory::Table)
                    .add_column(ColumnDef::new(ForumCategory::Holds).string_len(16).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("forum_category_holds")
                    .table(ForumCategory::Table)
                    .col(ForumCategory::Holds)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("forum_category_holds")
                    .table(ForumCategory::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ForumCategory::Table)
                    .drop_column(ForumCategory::Holds)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum ForumCategory {
    Table,
    Holds,
}
