use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};
use std::collections::BTreeMap;

/// The register of organisations: councils, transport bodies, charities, universities,
/// companies and community groups, each with a stable id that people's profiles, meeting
/// attendance and guests' answers point at.
///
/// - `organisation`: `name` as shown, `name_key` (see [`crate::organisation_key`]) unique so
///   "Northvale  county council" finds "Northvale County Council"; `kind` (empty until an
///   admin sorts a name a member typed); `website`; `merged_into_id` when an admin merged a
///   duplicate into another (the row stays, so its id and name still lead somewhere).
///   Organisations are never deleted: their ids are published as open data.
/// - `organisation_id` beside each free-text organisation (`user.organisation`,
///   `meeting_attendance.organisation`, `rsvp.guest_organisation`), which stays as the name
///   shown, rewritten by the register when a name changes or two are merged.
/// - `action_owner.organisation_id`: an action owned by an organisation ("Midshire Transport
///   Partnership to publish..."); `name` holds its name. Existing owners stay people: a name
///   alone does not say it was an organisation.
///
/// Existing text is moved into the register here: one organisation per distinct key, named
/// as most rows wrote it.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables that name an organisation: (table, text column, id column).
const USES: [(&str, &str, &str); 3] = [
    ("user", "organisation", "organisation_id"),
    ("meeting_attendance", "organisation", "organisation_id"),
    ("rsvp", "guest_organisation", "guest_organisation_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(big_pk_auto(Organisation::Id))
                    .col(string_len(Organisation::Name, 200))
                    // Text: "&" becomes " and ", so a key can be longer than its name.
                    .col(text_uniq(Organisation::NameKey))
                    .col(string_len_null(Organisation::Kind, 16))
                    .col(string_len_null(Organisation::Website, 300))
                    .col(big_integer_null(Organisation::MergedIntoId))
                    .col(timestamp_with_time_zone(Organisation::CreatedAt))
                    .col(timestamp_with_time_zone(Organisation::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_organisation_merged_into")
                            .from(Organisation::Table, Organisation::MergedIntoId)
                            .to(Organisation::Table, Organisation::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (table, _, id_col) in USES {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(big_integer_null(Alias::new(id_col)))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(format!("idx_{table}_{id_col}"))
                        .table(Alias::new(table))
                        .col(Alias::new(id_col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("action_owner"))
                    .add_column(big_integer_null(Alias::new("organisation_id")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_action_owner_organisation_id")
                    .table(Alias::new("action_owner"))
                    .col(Alias::new("organisation_id"))
                    .to_owned(),
            )
            .await?;
        move_text_into_the_register(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let owners = ("action_owner", "name", "organisation_id");
        for (table, _, id_col) in USES.into_iter().chain([owners]) {
            manager
                .drop_index(
                    Index::drop()
                        .name(format!("idx_{table}_{id_col}"))
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(id_col))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Organisation::Table).to_owned())
            .await
    }
}

async fn move_text_into_the_register(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    // key -> (text as stored -> rows using it), over every table that names organisations.
    let mut names: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for (table, text_col, _) in USES {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT \"{text_col}\" AS name, COUNT(*) AS n FROM \"{table}\" \
                     WHERE \"{text_col}\" IS NOT NULL GROUP BY \"{text_col}\""
                ),
            ))
            .await?;
        for row in rows {
            let raw: String = row.try_get("", "name")?;
            let n: i64 = row.try_get("", "n")?;
            let key = crate::organisation_key(&raw);
            if !key.is_empty() {
                *names.entry(key).or_default().entry(raw).or_default() += n;
            }
        }
    }
    let now = sea_orm_migration::sea_orm::prelude::ChronoUtc::now();
    for (key, spellings) in names {
        // The spelling most rows use; a tie goes to mixed case ("Riverside City Council"
        // over "RIVERSIDE CITY COUNCIL" and "riverside city council"), then more capitals.
        let name = spellings
            .iter()
            .max_by_key(|(s, n)| {
                let mixed = s.chars().any(char::is_uppercase) && s.chars().any(char::is_lowercase);
                (**n, mixed, s.chars().filter(|c| c.is_uppercase()).count())
            })
            .map(|(s, _)| squash(s))
            .unwrap_or_default();
        let insert = Query::insert()
            .into_table(Organisation::Table)
            .columns([
                Organisation::Name,
                Organisation::NameKey,
                Organisation::CreatedAt,
                Organisation::UpdatedAt,
            ])
            .values_panic([name.clone().into(), key.into(), now.into(), now.into()])
            .returning_col(Organisation::Id)
            .to_owned();
        let row = db
            .query_one(&insert)
            .await?
            .ok_or_else(|| DbErr::Custom("the new organisation has no id".into()))?;
        let id: i64 = row.try_get("", "id")?;
        for (table, text_col, id_col) in USES {
            for raw in spellings.keys() {
                let update = Query::update()
                    .table(Alias::new(table))
                    .value(Alias::new(id_col), id)
                    .value(Alias::new(text_col), name.clone())
                    .and_where(Expr::col(Alias::new(text_col)).eq(raw.clone()))
                    .to_owned();
                db.execute(&update).await?;
            }
        }
    }
    Ok(())
}

/// Spaces as one space, none at the ends.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Name,
    NameKey,
    Kind,
    Website,
    MergedIntoId,
    CreatedAt,
    UpdatedAt,
}
