use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Metrics without tracking: how often each page was viewed, and each file or dataset
/// downloaded, per day in the site's time zone. Nothing else about a visit is kept: no
/// address, no browser, no cookie, no account. Instances add their counts to the day's row.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PageView::Table)
                    .col(date(PageView::Day))
                    .col(string_len(PageView::Kind, 8))
                    .col(string_len(PageView::Path, 300))
                    .col(big_integer(PageView::Count))
                    .primary_key(
                        Index::create()
                            .col(PageView::Day)
                            .col(PageView::Kind)
                            .col(PageView::Path),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PageView::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PageView {
    Table,
    Day,
    Kind,
    Path,
    Count,
}
