use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// The forum: categories, threads and posts.
///
/// - `forum_category`: ordered by `position`; `slug` is its address (`/forum/{slug}`);
///   `admins_only` keeps new threads in it (Announcements) to admins.
/// - `forum_thread`: a title in a category, its first post being the opening one.
///   `last_post_at` and `post_count` (visible posts) keep listings to one query. `pinned`
///   threads come first; `locked` ones take no more replies; a hidden one (`hidden_at`, with
///   the admin's reason) is seen by admins only. `subject` names what the thread discusses
///   when it belongs to a page (`event:12`, `meeting:3`): one thread per subject.
/// - `forum_post`: Markdown, and `body_html`, the same made safe HTML once when it is written
///   (pages show it without rendering fifty posts on every request); `edited_at` when its
///   author changed it (the text before each
///   edit is in `forum_post_version`, for admins); `deleted_at` when its author deleted it
///   (the text is cleared, the place kept); hidden by an admin like threads.
/// - `forum_reader`: per member and thread, the last post they have seen (for "new since your
///   last visit") and whether they follow it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ForumCategory::Table)
                    .col(big_pk_auto(ForumCategory::Id))
                    .col(string_len_uniq(ForumCategory::Slug, 60))
                    .col(string_len(ForumCategory::Name, 80))
                    .col(string_len(ForumCategory::Description, 300).default(""))
                    .col(integer(ForumCategory::Position))
                    .col(boolean(ForumCategory::AdminsOnly).default(false))
                    .col(timestamp_with_time_zone(ForumCategory::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ForumThread::Table)
                    .col(big_pk_auto(ForumThread::Id))
                    .col(big_integer(ForumThread::CategoryId))
                    .col(string_len(ForumThread::Title, 150))
                    .col(string_len(ForumThread::Slug, 80))
                    .col(big_integer_null(ForumThread::AuthorId))
                    .col(string_len_null(ForumThread::Subject, 60).unique_key())
                    .col(timestamp_with_time_zone(ForumThread::CreatedAt))
                    .col(timestamp_with_time_zone(ForumThread::LastPostAt))
                    .col(integer(ForumThread::PostCount).default(0))
                    .col(boolean(ForumThread::Pinned).default(false))
                    .col(boolean(ForumThread::Locked).default(false))
                    .col(timestamp_with_time_zone_null(ForumThread::HiddenAt))
                    .col(string_len_null(ForumThread::HiddenReason, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_thread_category")
                            .from(ForumThread::Table, ForumThread::CategoryId)
                            .to(ForumCategory::Table, ForumCategory::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_thread_author")
                            .from(ForumThread::Table, ForumThread::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_thread_listing")
                    .table(ForumThread::Table)
                    .col(ForumThread::CategoryId)
                    .col(ForumThread::Pinned)
                    .col(ForumThread::LastPostAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ForumPost::Table)
                    .col(big_pk_auto(ForumPost::Id))
                    .col(big_integer(ForumPost::ThreadId))
                    .col(big_integer_null(ForumPost::AuthorId))
                    .col(text(ForumPost::Body))
                    .col(text(ForumPost::BodyHtml))
                    .col(timestamp_with_time_zone(ForumPost::CreatedAt))
                    .col(timestamp_with_time_zone_null(ForumPost::EditedAt))
                    .col(timestamp_with_time_zone_null(ForumPost::DeletedAt))
                    .col(timestamp_with_time_zone_null(ForumPost::HiddenAt))
                    .col(string_len_null(ForumPost::HiddenReason, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_post_thread")
                            .from(ForumPost::Table, ForumPost::ThreadId)
                            .to(ForumThread::Table, ForumThread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_post_author")
                            .from(ForumPost::Table, ForumPost::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_post_thread")
                    .table(ForumPost::Table)
                    .col(ForumPost::ThreadId)
                    .col(ForumPost::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_post_author")
                    .table(ForumPost::Table)
                    .col(ForumPost::AuthorId)
                    .col(ForumPost::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ForumPostVersion::Table)
                    .col(big_pk_auto(ForumPostVersion::Id))
                    .col(big_integer(ForumPostVersion::PostId))
                    .col(text(ForumPostVersion::Body))
                    .col(timestamp_with_time_zone(ForumPostVersion::WrittenAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_post_version_post")
                            .from(ForumPostVersion::Table, ForumPostVersion::PostId)
                            .to(ForumPost::Table, ForumPost::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_forum_post_version_post")
                    .table(ForumPostVersion::Table)
                    .col(ForumPostVersion::PostId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ForumReader::Table)
                    .col(big_integer(ForumReader::UserId))
                    .col(big_integer(ForumReader::ThreadId))
                    .col(big_integer(ForumReader::LastReadPostId).default(0))
                    .col(boolean(ForumReader::Following).default(false))
                    .primary_key(
                        Index::create()
                            .col(ForumReader::UserId)
                            .col(ForumReader::ThreadId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_reader_user")
                            .from(ForumReader::Table, ForumReader::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_forum_reader_thread")
                            .from(ForumReader::Table, ForumReader::ThreadId)
                            .to(ForumThread::Table, ForumThread::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ForumReader::Table.into_iden(),
            ForumPostVersion::Table.into_iden(),
            ForumPost::Table.into_iden(),
            ForumThread::Table.into_iden(),
            ForumCategory::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ForumCategory {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Position,
    AdminsOnly,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ForumThread {
    Table,
    Id,
    CategoryId,
    Title,
    Slug,
    AuthorId,
    Subject,
    CreatedAt,
    LastPostAt,
    PostCount,
    Pinned,
    Locked,
    HiddenAt,
    HiddenReason,
}

#[derive(DeriveIden)]
enum ForumPost {
    Table,
    Id,
    ThreadId,
    AuthorId,
    Body,
    BodyHtml,
    CreatedAt,
    EditedAt,
    DeletedAt,
    HiddenAt,
    HiddenReason,
}

#[derive(DeriveIden)]
enum ForumPostVersion {
    Table,
    Id,
    PostId,
    Body,
    WrittenAt,
}

#[derive(DeriveIden)]
enum ForumReader {
    Table,
    UserId,
    ThreadId,
    LastReadPostId,
    Following,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
