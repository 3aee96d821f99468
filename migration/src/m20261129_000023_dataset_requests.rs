use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Dataset requests: members ask for datasets that public bodies hold, vote for them, and
/// admins record how each request stands with its publisher.
///
/// - `dataset_request`: what is asked for, of whom, why, with links; its status
///   (`requested`, `discussing`, `published`, `declined`), the dataset's address once
///   published and the publisher's reason when declined. `votes` is the count of its rows in
///   `dataset_request_vote`, changed in the same transaction as they are (by one, so two
///   votes at the same moment both count).
/// - `dataset_request_vote`: one member's vote; its key (request, member) makes a second
///   vote impossible.
/// - `dataset_request_change`: the visible history, one row when the request is made and one
///   per change of status.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DatasetRequest::Table)
                    .col(big_pk_auto(DatasetRequest::Id))
                    .col(string_len(DatasetRequest::Title, 200))
                    .col(string_len(DatasetRequest::Holder, 200))
                    .col(text(DatasetRequest::Description))
                    .col(text(DatasetRequest::Reason))
                    .col(text(DatasetRequest::Links))
                    .col(string_len(DatasetRequest::Status, 16))
                    .col(string_len_null(DatasetRequest::OutcomeLink, 500))
                    .col(text_null(DatasetRequest::OutcomeNote))
                    .col(integer(DatasetRequest::Votes).default(0))
                    .col(big_integer_null(DatasetRequest::AuthorId))
                    .col(timestamp_with_time_zone(DatasetRequest::CreatedAt))
                    .col(timestamp_with_time_zone(DatasetRequest::UpdatedAt))
                    .col(timestamp_with_time_zone(DatasetRequest::StatusChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dataset_request_author")
                            .from(DatasetRequest::Table, DatasetRequest::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_dataset_request_votes", DatasetRequest::Votes),
            ("idx_dataset_request_created", DatasetRequest::CreatedAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(DatasetRequest::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DatasetRequestVote::Table)
                    .col(big_integer(DatasetRequestVote::RequestId))
                    .col(big_integer(DatasetRequestVote::UserId))
                    .col(timestamp_with_time_zone(DatasetRequestVote::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(DatasetRequestVote::RequestId)
                            .col(DatasetRequestVote::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dataset_request_vote_request")
                            .from(DatasetRequestVote::Table, DatasetRequestVote::RequestId)
                            .to(DatasetRequest::Table, DatasetRequest::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dataset_request_vote_user")
                            .from(DatasetRequestVote::Table, DatasetRequestVote::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_request_vote_user")
                    .table(DatasetRequestVote::Table)
                    .col(DatasetRequestVote::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DatasetRequestChange::Table)
                    .col(big_pk_auto(DatasetRequestChange::Id))
                    .col(big_integer(DatasetRequestChange::RequestId))
                    .col(string_len(DatasetRequestChange::Status, 16))
                    .col(text_null(DatasetRequestChange::Note))
                    .col(string_len_null(DatasetRequestChange::Link, 500))
                    .col(big_integer_null(DatasetRequestChange::ActorId))
                    .col(timestamp_with_time_zone(DatasetRequestChange::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dataset_request_change_request")
                            .from(DatasetRequestChange::Table, DatasetRequestChange::RequestId)
                            .to(DatasetRequest::Table, DatasetRequest::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_dataset_request_change_actor")
                            .from(DatasetRequestChange::Table, DatasetRequestChange::ActorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dataset_request_change_request")
                    .table(DatasetRequestChange::Table)
                    .col(DatasetRequestChange::RequestId)
                    .col(DatasetRequestChange::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DatasetRequestChange::Table.into_iden(),
            DatasetRequestVote::Table.into_iden(),
            DatasetRequest::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DatasetRequest {
    Table,
    Id,
    Title,
    Holder,
    Description,
    Reason,
    Links,
    Status,
    OutcomeLink,
    OutcomeNote,
    Votes,
    AuthorId,
    CreatedAt,
    UpdatedAt,
    StatusChangedAt,
}

#[derive(DeriveIden)]
enum DatasetRequestVote {
    Table,
    RequestId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DatasetRequestChange {
    Table,
    Id,
    RequestId,
    Status,
    Note,
    Link,
    ActorId,
    At,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
