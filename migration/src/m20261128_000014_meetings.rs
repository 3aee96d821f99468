use sea_orm_migration::{prelude::*, schema::*};

/// Meetings: the forum's meetings with their officers and place (and the date of a series
/// they belong to), the agenda, members' updates, attendance and apologies, minutes written
/// per item with their life cycle and amendments, and actions with their owners and the
/// progress recorded from meeting to meeting. People get initials, as the minutes name them.
#[derive(DeriveMigrationName)]
pub struct Migration;

fn user_fk(
    table: impl IntoIden + Clone + 'static,
    col: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(User::Table, User::Id)
        .on_delete(ForeignKeyAction::SetNull)
        .to_owned()
}

fn meeting_fk(
    table: impl IntoIden + Clone + 'static,
    col: impl IntoIden,
    name: &str,
    cascade: bool,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, col)
        .to(Meeting::Table, Meeting::Id)
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::SetNull
        })
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .add_column(string_len_null(User::Initials, 8))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Meeting::Table)
                    .col(big_pk_auto(Meeting::Id))
                    .col(string_len_uniq(Meeting::Slug, 120))
                    .col(string_len(Meeting::Title, 200))
                    .col(timestamp_with_time_zone(Meeting::StartsAt))
                    .col(timestamp_with_time_zone_null(Meeting::EndsAt))
                    .col(string_len(Meeting::Place, 300))
                    .col(big_integer_null(Meeting::ChairId))
                    .col(big_integer_null(Meeting::SecretaryId))
                    .col(big_integer_null(Meeting::EventId))
                    // "" for a one-off event, else the date of the series, as in RSVP.
                    .col(string_len(Meeting::Occurrence, 10).default(""))
                    .col(timestamp_with_time_zone_null(Meeting::PostponedFrom))
                    .col(text_null(Meeting::PostponedReason))
                    .col(timestamp_with_time_zone_null(Meeting::AgendaPublishedAt))
                    .col(string_len(Meeting::MinutesStatus, 16).default("none"))
                    .col(text_null(Meeting::MinutesNotes))
                    .col(timestamp_with_time_zone_null(Meeting::MinutesPublishedAt))
                    .col(timestamp_with_time_zone_null(Meeting::MinutesAgreedAt))
                    .col(big_integer_null(Meeting::AgreedAtMeetingId))
                    .col(boolean(Meeting::Archived).default(false))
                    .col(big_integer_null(Meeting::CreatedBy))
                    .col(timestamp_with_time_zone(Meeting::CreatedAt))
                    .col(timestamp_with_time_zone(Meeting::UpdatedAt))
                    .foreign_key(&mut user_fk(
                        Meeting::Table,
                        Meeting::ChairId,
                        "fk_meeting_chair",
                    ))
                    .foreign_key(&mut user_fk(
                        Meeting::Table,
                        Meeting::SecretaryId,
                        "fk_meeting_secretary",
                    ))
                    .foreign_key(&mut user_fk(
                        Meeting::Table,
                        Meeting::CreatedBy,
                        "fk_meeting_created_by",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_meeting_event")
                            .from(Meeting::Table, Meeting::EventId)
                            .to(Event::Table, Event::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(&mut meeting_fk(
                        Meeting::Table,
                        Meeting::AgreedAtMeetingId,
                        "fk_meeting_agreed_at",
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_starts_at")
                    .table(Meeting::Table)
                    .col(Meeting::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_event")
                    .table(Meeting::Table)
                    .col(Meeting::EventId)
                    .col(Meeting::Occurrence)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgendaItem::Table)
                    .col(big_pk_auto(AgendaItem::Id))
                    .col(big_integer(AgendaItem::MeetingId))
                    .col(integer(AgendaItem::Position))
                    // "HH:MM" in the site's zone, as the agenda prints it.
                    .col(string_len_null(AgendaItem::StartTime, 5))
                    .col(string_len(AgendaItem::Title, 200))
                    .col(string_len_null(AgendaItem::Presenters, 300))
                    .col(integer_null(AgendaItem::DurationMinutes))
                    .col(text_null(AgendaItem::Note))
                    .col(text_null(AgendaItem::Minutes))
                    // Members' one-page updates are shown under this item.
                    .col(boolean(AgendaItem::RoundRobin).default(false))
                    .col(big_integer_null(AgendaItem::DeferredFromId))
                    .col(text_null(AgendaItem::DeferredNote))
                    .col(big_integer_null(AgendaItem::DeferredToMeetingId))
                    .col(timestamp_with_time_zone(AgendaItem::CreatedAt))
                    .col(timestamp_with_time_zone(AgendaItem::UpdatedAt))
                    .foreign_key(&mut meeting_fk(
                        AgendaItem::Table,
                        AgendaItem::MeetingId,
                        "fk_agenda_item_meeting",
                        true,
                    ))
                    .foreign_key(&mut meeting_fk(
                        AgendaItem::Table,
                        AgendaItem::DeferredToMeetingId,
                        "fk_agenda_item_deferred_to",
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_agenda_item_meeting")
                    .table(AgendaItem::Table)
                    .col(AgendaItem::MeetingId)
                    .col(AgendaItem::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingUpdate::Table)
                    .col(big_pk_auto(MeetingUpdate::Id))
                    .col(big_integer(MeetingUpdate::MeetingId))
                    .col(big_integer(MeetingUpdate::AuthorId))
                    .col(text(MeetingUpdate::Body))
                    .col(timestamp_with_time_zone(MeetingUpdate::CreatedAt))
                    .col(timestamp_with_time_zone(MeetingUpdate::UpdatedAt))
                    .foreign_key(&mut meeting_fk(
                        MeetingUpdate::Table,
                        MeetingUpdate::MeetingId,
                        "fk_meeting_update_meeting",
                        true,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_meeting_update_author")
                            .from(MeetingUpdate::Table, MeetingUpdate::AuthorId)
                            .to(User::Table, User::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_update_author")
                    .table(MeetingUpdate::Table)
                    .col(MeetingUpdate::MeetingId)
                    .col(MeetingUpdate::AuthorId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingAttendance::Table)
                    .col(big_pk_auto(MeetingAttendance::Id))
                    .col(big_integer(MeetingAttendance::MeetingId))
                    .col(big_integer_null(MeetingAttendance::UserId))
                    .col(string_len(MeetingAttendance::Name, 100))
                    .col(string_len_null(MeetingAttendance::Organisation, 200))
                    // attended | apologies
                    .col(string_len(MeetingAttendance::Status, 16))
                    // rsvp | door | manual
                    .col(string_len(MeetingAttendance::Source, 16))
                    .col(timestamp_with_time_zone(MeetingAttendance::CreatedAt))
                    .foreign_key(&mut meeting_fk(
                        MeetingAttendance::Table,
                        MeetingAttendance::MeetingId,
                        "fk_meeting_attendance_meeting",
                        true,
                    ))
                    .foreign_key(&mut user_fk(
                        MeetingAttendance::Table,
                        MeetingAttendance::UserId,
                        "fk_meeting_attendance_user",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_meeting_attendance_person")
                    .table(MeetingAttendance::Table)
                    .col(MeetingAttendance::MeetingId)
                    .col(MeetingAttendance::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MeetingAction::Table)
                    .col(big_pk_auto(MeetingAction::Id))
                    .col(big_integer(MeetingAction::MeetingId))
                    .col(big_integer_null(MeetingAction::AgendaItemId))
                    .col(text(MeetingAction::Text))
                    .col(date_null(MeetingAction::DueOn))
                    // open | in_progress | done | dropped
                    .col(string_len(MeetingAction::Status, 16))
                    .col(timestamp_with_time_zone_null(MeetingAction::ClosedAt))
                    .col(big_integer_null(MeetingAction::CreatedBy))
                    .col(timestamp_with_time_zone(MeetingAction::CreatedAt))
                    .col(timestamp_with_time_zone(MeetingAction::UpdatedAt))
                    .foreign_key(&mut meeting_fk(
                        MeetingAction::Table,
                        MeetingAction::MeetingId,
                        "fk_meeting_action_meeting",
                        true,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_meeting_action_item")
                            .from(MeetingAction::Table, MeetingAction::AgendaItemId)
                            .to(AgendaItem::Table, AgendaItem::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(&mut user_fk(
                        MeetingAction::Table,
                        MeetingAction::CreatedBy,
                        "fk_meeting_action_created_by",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_meeting_action_meeting", MeetingAction::MeetingId),
            ("idx_meeting_action_status", MeetingAction::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(MeetingAction::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ActionOwner::Table)
                    .col(big_pk_auto(ActionOwner::Id))
                    .col(big_integer(ActionOwner::ActionId))
                    .col(big_integer_null(ActionOwner::UserId))
                    // A person without an account, as the minutes name them.
                    .col(string_len_null(ActionOwner::Name, 100))
                    .col(integer(ActionOwner::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_action_owner_action")
                            .from(ActionOwner::Table, ActionOwner::ActionId)
                            .to(MeetingAction::Table, MeetingAction::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut user_fk(
                        ActionOwner::Table,
                        ActionOwner::UserId,
                        "fk_action_owner_user",
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_action_owner_action", ActionOwner::ActionId),
            ("idx_action_owner_user", ActionOwner::UserId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ActionOwner::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ActionNote::Table)
                    .col(big_pk_auto(ActionNote::Id))
                    .col(big_integer(ActionNote::ActionId))
                    // The meeting it was recorded at, if any.
                    .col(big_integer_null(ActionNote::MeetingId))
                    .col(string_len(ActionNote::Status, 16))
                    .col(text_null(ActionNote::Note))
                    .col(big_integer_null(ActionNote::AuthorId))
                    .col(timestamp_with_time_zone(ActionNote::At))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_action_note_action")
                            .from(ActionNote::Table, ActionNote::ActionId)
                            .to(MeetingAction::Table, MeetingAction::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(&mut meeting_fk(
                        ActionNote::Table,
                        ActionNote::MeetingId,
                        "fk_action_note_meeting",
                        false,
                    ))
                    .foreign_key(&mut user_fk(
                        ActionNote::Table,
                        ActionNote::AuthorId,
                        "fk_action_note_author",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_note_action")
                    .table(ActionNote::Table)
                    .col(ActionNote::ActionId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MinutesAmendment::Table)
                    .col(big_pk_auto(MinutesAmendment::Id))
                    .col(big_integer(MinutesAmendment::MeetingId))
                    .col(big_integer_null(MinutesAmendment::AgendaItemId))
                    .col(text(MinutesAmendment::Text))
                    .col(big_integer_null(MinutesAmendment::AuthorId))
                    .col(timestamp_with_time_zone(MinutesAmendment::At))
                    .foreign_key(&mut meeting_fk(
                        MinutesAmendment::Table,
                        MinutesAmendment::MeetingId,
                        "fk_minutes_amendment_meeting",
                        true,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_minutes_amendment_item")
                            .from(MinutesAmendment::Table, MinutesAmendment::AgendaItemId)
                            .to(AgendaItem::Table, AgendaItem::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(&mut user_fk(
                        MinutesAmendment::Table,
                        MinutesAmendment::AuthorId,
                        "fk_minutes_amendment_author",
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MinutesAmendment::Table.into_iden(),
            ActionNote::Table.into_iden(),
            ActionOwner::Table.into_iden(),
            MeetingAction::Table.into_iden(),
            MeetingAttendance::Table.into_iden(),
            MeetingUpdate::Table.into_iden(),
            AgendaItem::Table.into_iden(),
            Meeting::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(User::Table)
                    .drop_column(User::Initials)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden, Clone)]
enum Meeting {
    Table,
    Id,
    Slug,
    Title,
    StartsAt,
    EndsAt,
    Place,
    ChairId,
    SecretaryId,
    EventId,
    Occurrence,
    PostponedFrom,
    PostponedReason,
    AgendaPublishedAt,
    MinutesStatus,
    MinutesNotes,
    MinutesPublishedAt,
    MinutesAgreedAt,
    AgreedAtMeetingId,
    Archived,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum AgendaItem {
    Table,
    Id,
    MeetingId,
    Position,
    StartTime,
    Title,
    Presenters,
    DurationMinutes,
    Note,
    Minutes,
    RoundRobin,
    DeferredFromId,
    DeferredNote,
    DeferredToMeetingId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum MeetingUpdate {
    Table,
    Id,
    MeetingId,
    AuthorId,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum MeetingAttendance {
    Table,
    Id,
    MeetingId,
    UserId,
    Name,
    Organisation,
    Status,
    Source,
    CreatedAt,
}

#[derive(DeriveIden, Clone)]
enum MeetingAction {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    Text,
    DueOn,
    Status,
    ClosedAt,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone)]
enum ActionOwner {
    Table,
    Id,
    ActionId,
    UserId,
    Name,
    Position,
}

#[derive(DeriveIden, Clone)]
enum ActionNote {
    Table,
    Id,
    ActionId,
    MeetingId,
    Status,
    Note,
    AuthorId,
    At,
}

#[derive(DeriveIden, Clone)]
enum MinutesAmendment {
    Table,
    Id,
    MeetingId,
    AgendaItemId,
    Text,
    AuthorId,
    At,
}

#[derive(DeriveIden)]
enum User {
    Table,
    Id,
    Initials,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
}
