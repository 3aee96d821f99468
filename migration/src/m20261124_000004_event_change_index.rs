use sea_orm_migration::prelude::*;

/// Lets the calendar cache ask "has any public event changed?" from the index alone.
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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
}
