use sea_orm_migration::{prelude::*, schema::*};

/// RSVP: members' answers to an event or to one date of a series (going, on the waiting list,
/// or their apologies), guests added by organisers, attendance ticked at the door; what an
/// event offers besides itself (lunch, or an extra with its own name) and when answers close;
/// each member's secret address for their personal calendar feed.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Rsvp::Table)
                    .col(big_pk_auto(Rsvp::Id))
                    .col(big_integer(Rsvp::EventId))
                    // "" for a one-off event, the planned date (YYYY-MM-DD in the organiser's
                    // zone) for a date of a series: the date in its page's address.
                    .col(string_len(Rsvp::Occurrence, 10))
                    .col(big_integer_null(Rsvp::UserId))
                    .col(string_len_null(Rsvp::GuestName, 100))
                    .col(string_len_null(Rsvp::GuestOrganisation, 200))
                    .col(string_len_null(Rsvp::GuestEmail, 320))
                    .col(big_integer_null(Rsvp::AddedBy))
                    .col(string_len(Rsvp::Response, 16))
                    .col(boolean(Rsvp::Extra).default(false))
                    .col(text_null(Rsvp::Note))
                    .col(timestamp_with_time_zone(Rsvp::QueuedAt))
                    .col(timestamp_with_time_zone_null(Rsvp::CheckedInAt))
                    .col(timestamp_with_time_zone(Rsvp::CreatedAt))
                    .col(timestamp_with_time_zone(Rsvp::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rsvp_event")
                            .from(Rsvp::Table, Rsvp::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rsvp_user")
                            .from(Rsvp::Table, Rsvp::UserId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rsvp_added_by")
                            .from(Rsvp::Table, Rsvp::AddedBy)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // One answer per member and date; guests (no account) and erased histories have none.
        manager
            .create_index(
                Index::create()
                    .name("idx_rsvp_member")
                    .table(Rsvp::Table)
                    .col(Rsvp::EventId)
                    .col(Rsvp::Occurrence)
                    .col(Rsvp::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rsvp_queue")
                    .table(Rsvp::Table)
                    .col(Rsvp::EventId)
                    .col(Rsvp::Occurrence)
                    .col(Rsvp::Response)
                    .col(Rsvp::QueuedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rsvp_user")
                    .table(Rsvp::Table)
                    .col(Rsvp::UserId)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        for column in [
            string_len_null(Event::ExtraLabel, 60),
            integer_null(Event::RsvpClosesHours),
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
                    .table(User::Table)
                    .add_column(string_len_null(User::CalendarToken, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_calendar_token")
                    .table(User::Table)
                    .col(User::CalendarToken)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_user_calendar_token")
                    .table(User::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .drop_column(User::CalendarToken)
                    .to_owned(),
            )
            .await?;
        for column in [Event::ExtraLabel, Event::RsvpClosesHours] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Event::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Rsvp::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Rsvp {
    Table,
    Id,
    EventId,
    Occurrence,
    UserId,
    GuestName,
    GuestOrganisation,
    GuestEmail,
    AddedBy,
    Response,
    Extra,
    Note,
    QueuedAt,
    CheckedInAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
    ExtraLabel,
    RsvpClosesHours,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    CalendarToken,
}
