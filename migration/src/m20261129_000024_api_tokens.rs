use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Personal API tokens: a member's named token for the JSON API, read-only or able to write,
/// with an expiry. Only the SHA-256 of a token is stored (it is shown once, when made);
/// `hint` keeps its first characters so a member can tell their tokens apart. A revoked
/// token keeps its row (revoked_at) so the list can say so; deleting the account deletes
/// them.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(big_integer(ApiToken::UserId))
                    .col(string_len(ApiToken::Name, 80))
                    .col(string_len_uniq(ApiToken::TokenHash, 64))
                    .col(string_len(ApiToken::Hint, 16))
                    .col(string_len(ApiToken::Scope, 8))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone(ApiToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_token_user")
                            .from(ApiToken::Table, ApiToken::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_api_token_user")
                    .table(ApiToken::Table)
                    .col(ApiToken::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiToken::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Hint,
    Scope,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}
