use sea_orm_migration::{prelude::*, schema::*};

/// Each event's VEVENT text as feeds serve it, kept so that building a feed is reading and
/// joining stored text rather than rendering every event again. An entry is valid for the
/// event's `updated_at` it was rendered from and for one renderer (`render_key`); feeds
/// render again whatever is missing or outdated.
///
/// The index on `(status, starts_at)` is widened with the columns that decide whether an
/// event is in a feed, so that choosing a feed's events in order reads the index alone and
/// not every event's row; listings use its first two columns as before.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventFeedEntry::Table)
                    .col(big_integer(EventFeedEntry::EventId).primary_key())
                    .col(timestamp_with_time_zone(EventFeedEntry::RenderedFor))
                    .col(big_integer(EventFeedEntry::RenderKey))
                    .col(text(EventFeedEntry::Vevents))
                    .col(string_len_null(EventFeedEntry::Zone, 64))
                    .col(integer_null(EventFeedEntry::ZoneFrom))
                    .col(integer_null(EventFeedEntry::ZoneTo))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_feed_entry_event")
                            .from(EventFeedEntry::Table, EventFeedEntry::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_status_starts_feed")
                    .table(Event::Table)
                    .col(Event::Status)
                    .col(Event::StartsAt)
                    .col(Event::EndsAt)
                    .col(Event::SeriesEndsAt)
                    .col(Event::CancelledAt)
                    .col(Event::UpdatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_event_status_starts")
                    .table(Event::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("idx_event_status_starts")
                    .table(Event::Table)
                    .col(Event::Status)
                    .col(Event::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_event_status_starts_feed")
                    .table(Event::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(EventFeedEntry::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EventFeedEntry {
    Table,
    EventId,
    RenderedFor,
    RenderKey,
    Vevents,
    Zone,
    ZoneFrom,
    ZoneTo,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
    Status,
    StartsAt,
    EndsAt,
    SeriesEndsAt,
    CancelledAt,
    UpdatedAt,
}
