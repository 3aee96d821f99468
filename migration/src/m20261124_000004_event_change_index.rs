use sea_orm_migration::prelude::*;

/// Indexes that keep listings and feeds cheap at any size: "has any public event changed?"
/// for the calendar cache, and live series by their end. The (status, ends_at) index goes:
/// it tempted the planner into sorting every upcoming event for a page of twenty.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_event_status_updated")
                    .table(Event::Table)
                    .col(Event::Status)
                    .col(Event::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_status_series_ends")
                    .table(Event::Table)
                    .col(Event::Status)
                    .col(Event::SeriesEndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_event_status_ends")
                    .table(Event::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_event_status_ends")
                    .table(Event::Table)
                    .col(Event::Status)
                    .col(Event::EndsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_event_status_series_ends")
                    .table(Event::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_event_status_updated")
                    .table(Event::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Status,
    UpdatedAt,
    SeriesEndsAt,
    EndsAt,
}
