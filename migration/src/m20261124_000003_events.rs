use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Event::Table)
                    .col(big_pk_auto(Event::Id))
                    .col(string_len_uniq(Event::Uid, 80))
                    .col(string_len_uniq(Event::Slug, 120))
                    .col(string_len(Event::Status, 24))
                    .col(string_len(Event::Title, 200))
                    .col(string_len(Event::Summary, 500))
                    .col(text(Event::Description))
                    .col(string_len(Event::TimeZone, 64))
                    .col(boolean(Event::AllDay))
                    .col(timestamp_with_time_zone(Event::StartsAt))
                    .col(timestamp_with_time_zone(Event::EndsAt))
                    .col(string_len_null(Event::PlaceName, 200))
                    .col(string_len_null(Event::Address, 500))
                    .col(string_len_null(Event::OnlineUrl, 2000))
                    .col(string_len_null(Event::OrganiserContact, 320))
                    .col(integer_null(Event::Capacity))
                    .col(boolean(Event::LunchProvided))
                    .col(text_null(Event::NoteToAdmins))
                    .col(string_len_null(Event::Rrule, 500))
                    .col(timestamp_with_time_zone_null(Event::SeriesEndsAt))
                    .col(integer(Event::Sequence).default(0))
                    .col(big_integer(Event::AuthorId))
                    .col(big_integer_null(Event::ReviewerId))
                    .col(text_null(Event::ReviewNote))
                    .col(text_null(Event::CancelNote))
                    .col(timestamp_with_time_zone_null(Event::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Event::PublishedAt))
                    .col(timestamp_with_time_zone_null(Event::CancelledAt))
                    .col(timestamp_with_time_zone(Event::CreatedAt))
                    .col(timestamp_with_time_zone(Event::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_author")
                            .from(Event::Table, Event::AuthorId)
                            .to(User::Table, User::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "idx_event_status_starts",
                vec![Event::Status, Event::StartsAt],
            ),
            ("idx_event_status_ends", vec![Event::Status, Event::EndsAt]),
            ("idx_event_author", vec![Event::AuthorId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Event::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(EventTag::Table)
                    .col(big_integer(EventTag::EventId))
                    .col(string_len(EventTag::Tag, 40))
                    .primary_key(Index::create().col(EventTag::EventId).col(EventTag::Tag))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_tag_event")
                            .from(EventTag::Table, EventTag::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_tag_tag")
                    .table(EventTag::Table)
                    .col(EventTag::Tag)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventSlug::Table)
                    .col(string_len(EventSlug::Slug, 120).primary_key())
                    .col(big_integer(EventSlug::EventId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_slug_event")
                            .from(EventSlug::Table, EventSlug::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventRevision::Table)
                    .col(big_pk_auto(EventRevision::Id))
                    .col(big_integer(EventRevision::EventId))
                    .col(big_integer(EventRevision::AuthorId))
                    .col(text(EventRevision::Payload))
                    .col(string_len(EventRevision::Status, 16))
                    .col(text_null(EventRevision::ReviewNote))
                    .col(big_integer_null(EventRevision::ReviewerId))
                    .col(timestamp_with_time_zone(EventRevision::CreatedAt))
                    .col(timestamp_with_time_zone_null(EventRevision::ReviewedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_revision_event")
                            .from(EventRevision::Table, EventRevision::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_event_revision_event_status")
                    .table(EventRevision::Table)
                    .col(EventRevision::EventId)
                    .col(EventRevision::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventException::Table)
                    .col(big_pk_auto(EventException::Id))
                    .col(big_integer(EventException::EventId))
                    .col(timestamp_with_time_zone(EventException::OccurrenceStart))
                    .col(boolean(EventException::Cancelled))
                    .col(timestamp_with_time_zone_null(EventException::NewStartsAt))
                    .col(timestamp_with_time_zone_null(EventException::NewEndsAt))
                    .col(text_null(EventException::Note))
                    .col(timestamp_with_time_zone(EventException::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_event_exception_event")
                            .from(EventException::Table, EventException::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_event_exception_occurrence")
                    .table(EventException::Table)
                    .col(EventException::EventId)
                    .col(EventException::OccurrenceStart)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EventException::Table.into_iden(),
            EventRevision::Table.into_iden(),
            EventSlug::Table.into_iden(),
            EventTag::Table.into_iden(),
            Event::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
    Uid,
    Slug,
    Status,
    Title,
    Summary,
    Description,
    TimeZone,
    AllDay,
    StartsAt,
    EndsAt,
    PlaceName,
    Address,
    OnlineUrl,
    OrganiserContact,
    Capacity,
    LunchProvided,
    NoteToAdmins,
    Rrule,
    SeriesEndsAt,
    Sequence,
    AuthorId,
    ReviewerId,
    ReviewNote,
    CancelNote,
    SubmittedAt,
    PublishedAt,
    CancelledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventTag {
    Table,
    EventId,
    Tag,
}

#[derive(DeriveIden)]
enum EventSlug {
    Table,
    Slug,
    EventId,
}

#[derive(DeriveIden)]
enum EventRevision {
    Table,
    Id,
    EventId,
    AuthorId,
    Payload,
    Status,
    ReviewNote,
    ReviewerId,
    CreatedAt,
    ReviewedAt,
}

#[derive(DeriveIden)]
enum EventException {
    Table,
    Id,
    EventId,
    OccurrenceStart,
    Cancelled,
    NewStartsAt,
    NewEndsAt,
    Note,
    CreatedAt,
}
