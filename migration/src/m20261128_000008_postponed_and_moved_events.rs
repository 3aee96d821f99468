use sea_orm_migration::{prelude::*, schema::*};

/// Postponed and moved events: an event (or one date of a series) can be postponed with its
/// new date to follow, and an event whose date changed after publication remembers the date
/// it moved from, for its page ("Moved from 12 March"), schema.org and calendars.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            timestamp_with_time_zone_null(Event::PostponedAt),
            text_null(Event::PostponeNote),
            timestamp_with_time_zone_null(Event::PreviousStartsAt),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Event::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(EventException::Table)
                    .add_column(
                        ColumnDef::new(EventException::Postponed)
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
                    .table(EventException::Table)
                    .drop_column(EventException::Postponed)
                    .to_owned(),
            )
            .await?;
        for column in [
            Event::PostponedAt,
            Event::PostponeNote,
            Event::PreviousStartsAt,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Event::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Event {
    Table,
    PostponedAt,
    PostponeNote,
    PreviousStartsAt,
}

#[derive(DeriveIden)]
enum EventException {
    Table,
    Postponed,
}
