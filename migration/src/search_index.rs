//! Full-text search indexes, for any table whose rows people search (events now, forum
//! threads later): one helper so each feature's migration describes its fields instead of
//! writing the SQL again. The application reads these indexes through `convene::search`.
//!
//! On SQLite an index is an FTS5 table (`porter unicode61 remove_diacritics 2`: words, not
//! pieces of words, case and accents ignored, English stems) whose rowid is the row's id. On
//! PostgreSQL it is a table of weighted `tsvector`s under a GIN index, in the `convene_search`
//! configuration (English stems, no stop words, accents ignored where `unaccent` can be
//! installed). Triggers keep both right on every insert, update and delete of the table and
//! of the tables it takes words from (tags), so no code that changes rows has to remember.
//!
//! Migrations that call these functions run them again on every fresh database: change what
//! they generate only by adding a new function, never by editing one in use.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The PostgreSQL text search configuration every index and query uses.
pub const CONFIG: &str = "convene_search";

/// Where one field's words come from.
pub enum Source<'a> {
    /// A column of the searched table.
    Column(&'a str),
    /// Every value of `column` in the rows of `table` whose `key` is the row's id (an
    /// event's tags), joined by spaces.
    Related {
        table: &'a str,
        key: &'a str,
        column: &'a str,
    },
}

/// One searchable field. The first field of an index is its title: searches rank rows whose
/// title holds every word first.
pub struct Field<'a> {
    /// The field's name (an FTS5 column on SQLite).
    pub name: &'a str,
    /// PostgreSQL weight, 'A' (most important) to 'D'.
    pub weight: char,
    pub source: Source<'a>,
}

pub struct SearchIndex<'a> {
    /// The index's own table, e.g. `event_search`.
    pub name: &'a str,
    /// The searched table; its key is `id` (a 64-bit integer).
    pub table: &'a str,
    pub fields: &'a [Field<'a>],
}

async fn run(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    manager.get_connection().execute_unprepared(sql).await?;
    Ok(())
}

/// PostgreSQL: the `convene_search` configuration (once per database, before any index).
/// English Snowball stems like FTS5's Porter stemmer, and no stop words, as FTS5 has none, so
/// both backends find the same events. Accents are ignored through `unaccent` when it is
/// installed or may be installed (it is a trusted extension: a database owner may); without
/// it "cafe" does not find "café" on PostgreSQL, and a notice says so. Nothing on SQLite.
pub async fn create_text_search_config(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    run(
        manager,
        r#"
DO $convene$
DECLARE
    unaccent_dictionary text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'convene: the unaccent extension cannot be installed (%); searches will not ignore accents', SQLERRM;
    END;
    CREATE TEXT SEARCH DICTIONARY convene_stem (TEMPLATE = snowball, Language = english);
    CREATE TEXT SEARCH CONFIGURATION convene_search (COPY = english);
    ALTER TEXT SEARCH CONFIGURATION convene_search
        ALTER MAPPING FOR asciiword, asciihword, hword_asciipart WITH convene_stem;
    SELECT d.oid::regdictionary::text INTO unaccent_dictionary
        FROM pg_ts_dict d WHERE d.dictname = 'unaccent' LIMIT 1;
    IF unaccent_dictionary IS NULL THEN
        ALTER TEXT SEARCH CONFIGURATION convene_search
            ALTER MAPPING FOR word, hword, hword_part WITH convene_stem;
    ELSE
        EXECUTE format(
            'ALTER TEXT SEARCH CONFIGURATION convene_search ALTER MAPPING FOR word, hword, hword_part WITH %s, convene_stem',
            unaccent_dictionary);
    END IF;
END
$convene$
"#,
    )
    .await
}

/// Undoes `create_text_search_config` (the extension stays: others may use it).
pub async fn drop_text_search_config(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    run(
        manager,
        "DROP TEXT SEARCH CONFIGURATION IF EXISTS convene_search; \
         DROP TEXT SEARCH DICTIONARY IF EXISTS convene_stem;",
    )
    .await
}

/// Creates the index, its triggers, and fills it from the rows already there.
pub async fn create(manager: &SchemaManager<'_>, index: &SearchIndex<'_>) -> Result<(), DbErr> {
    let sql = match manager.get_database_backend() {
        DbBackend::Postgres => postgres_create(index),
        DbBackend::Sqlite => sqlite_create(index),
        other => {
            return Err(DbErr::Migration(format!(
                "full-text search is not available on {other:?}"
            )));
        }
    };
    for statement in sql {
        run(manager, &statement).await?;
    }
    Ok(())
}

/// Drops the index and its triggers.
pub async fn drop(manager: &SchemaManager<'_>, index: &SearchIndex<'_>) -> Result<(), DbErr> {
    let SearchIndex { name, table, .. } = index;
    let mut sql = Vec::new();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            sql.push(format!("DROP TRIGGER IF EXISTS {name}_rows ON {table}"));
            for related in related_tables(index) {
                sql.push(format!("DROP TRIGGER IF EXISTS {name}_rows ON {related}"));
                sql.push(format!("DROP FUNCTION IF EXISTS {name}_on_{related}()"));
            }
            sql.push(format!("DROP FUNCTION IF EXISTS {name}_on_{table}()"));
            sql.push(format!("DROP FUNCTION IF EXISTS {name}_refresh(bigint)"));
            sql.push(format!("DROP TABLE IF EXISTS {name}"));
        }
        _ => {
            for suffix in ["insert", "update", "delete"] {
                sql.push(format!("DROP TRIGGER IF EXISTS {name}_{table}_{suffix}"));
                for related in related_tables(index) {
                    sql.push(format!("DROP TRIGGER IF EXISTS {name}_{related}_{suffix}"));
                }
            }
            sql.push(format!("DROP TABLE IF EXISTS {name}"));
        }
    }
    for statement in sql {
        run(manager, &statement).await?;
    }
    Ok(())
}

/// The tables other than the searched one that fields take words from, each once.
fn related_tables<'a>(index: &SearchIndex<'a>) -> Vec<&'a str> {
    let mut tables = Vec::new();
    for field in index.fields {
        if let Source::Related { table, .. } = field.source
            && !tables.contains(&table)
        {
            tables.push(table);
        }
    }
    tables
}

/// The key columns (in `table`) of the related tables, in the order of `related_tables`.
fn related_key<'a>(index: &SearchIndex<'a>, related: &str) -> &'a str {
    index
        .fields
        .iter()
        .find_map(|f| match f.source {
            Source::Related { table, key, .. } if table == related => Some(key),
            _ => None,
        })
        .unwrap_or("id")
}

/// The columns of the searched table the fields read (updates of others leave the index be).
fn own_columns<'a>(index: &SearchIndex<'a>) -> Vec<&'a str> {
    index
        .fields
        .iter()
        .filter_map(|f| match f.source {
            Source::Column(column) => Some(column),
            Source::Related { .. } => None,
        })
        .collect()
}

fn sqlite_create(index: &SearchIndex<'_>) -> Vec<String> {
    let SearchIndex {
        name,
        table,
        fields,
    } = index;
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    let values: Vec<String> = fields
        .iter()
        .map(|f| match f.source {
            Source::Column(column) => format!("s.{column}"),
            Source::Related { table, key, column } => format!(
                "(SELECT group_concat(r.{column}, ' ') FROM {table} AS r WHERE r.{key} = s.id)"
            ),
        })
        .collect();
    let insert = |filter: &str| {
        format!(
            "INSERT INTO {name} (rowid, {}) SELECT s.id, {} FROM {table} AS s{filter};",
            names.join(", "),
            values.join(", ")
        )
    };
    // Rows are replaced whole: an FTS5 table holds its own copy of the text, so a stale row
    // never needs its old values to be removed.
    let refresh = |id: &str| {
        format!(
            "DELETE FROM {name} WHERE rowid = {id}; {}",
            insert(&format!(" WHERE s.id = {id}"))
        )
    };
    let mut sql = vec![
        format!(
            "CREATE VIRTUAL TABLE {name} USING fts5({}, tokenize = 'porter unicode61 remove_diacritics 2')",
            names.join(", ")
        ),
        format!(
            "CREATE TRIGGER {name}_{table}_insert AFTER INSERT ON {table} BEGIN {} END",
            refresh("NEW.id")
        ),
        format!(
            "CREATE TRIGGER {name}_{table}_update AFTER UPDATE OF {} ON {table} BEGIN {} END",
            own_columns(index).join(", "),
            refresh("NEW.id")
        ),
        format!(
            "CREATE TRIGGER {name}_{table}_delete AFTER DELETE ON {table} BEGIN \
             DELETE FROM {name} WHERE rowid = OLD.id; END"
        ),
    ];
    for related in related_tables(index) {
        let key = related_key(index, related);
        sql.push(format!(
            "CREATE TRIGGER {name}_{related}_insert AFTER INSERT ON {related} BEGIN {} END",
            refresh(&format!("NEW.{key}"))
        ));
        sql.push(format!(
            "CREATE TRIGGER {name}_{related}_update AFTER UPDATE ON {related} BEGIN {} {} END",
            refresh(&format!("OLD.{key}")),
            refresh(&format!("NEW.{key}"))
        ));
        sql.push(format!(
            "CREATE TRIGGER {name}_{related}_delete AFTER DELETE ON {related} BEGIN {} END",
            refresh(&format!("OLD.{key}"))
        ));
    }
    sql.push(insert(""));
    sql
}

fn postgres_create(index: &SearchIndex<'_>) -> Vec<String> {
    let SearchIndex {
        name,
        table,
        fields,
    } = index;
    let document = fields
        .iter()
        .map(|f| {
            let text = match f.source {
                Source::Column(column) => format!("coalesce(s.{column}, '')"),
                Source::Related { table, key, column } => format!(
                    "coalesce((SELECT string_agg(r.{column}, ' ') FROM {table} AS r \
                     WHERE r.{key} = s.id), '')"
                ),
            };
            format!(
                "setweight(to_tsvector('{CONFIG}', {text}), '{}')",
                f.weight.to_ascii_uppercase()
            )
        })
        .collect::<Vec<_>>()
        .join(" || ");
    let mut sql = vec![
        format!(
            "CREATE TABLE {name} (\
             id bigint PRIMARY KEY REFERENCES {table} (id) ON DELETE CASCADE, \
             document tsvector NOT NULL)"
        ),
        format!("CREATE INDEX {name}_document ON {name} USING gin (document)"),
        // An upsert, so two transactions refreshing the same row cannot collide.
        format!(
            "CREATE FUNCTION {name}_refresh(row_id bigint) RETURNS void LANGUAGE sql AS $body$ \
             INSERT INTO {name} (id, document) SELECT s.id, {document} FROM {table} AS s \
             WHERE s.id = row_id \
             ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document \
             $body$"
        ),
        format!(
            "CREATE FUNCTION {name}_on_{table}() RETURNS trigger LANGUAGE plpgsql AS $body$ \
             BEGIN PERFORM {name}_refresh(NEW.id); RETURN NULL; END $body$"
        ),
        format!(
            "CREATE TRIGGER {name}_rows AFTER INSERT OR UPDATE OF {} ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {name}_on_{table}()",
            own_columns(index).join(", ")
        ),
    ];
    for related in related_tables(index) {
        let key = related_key(index, related);
        sql.push(format!(
            "CREATE FUNCTION {name}_on_{related}() RETURNS trigger LANGUAGE plpgsql AS $body$ \
             BEGIN \
             IF TG_OP <> 'INSERT' THEN PERFORM {name}_refresh(OLD.{key}); END IF; \
             IF TG_OP <> 'DELETE' THEN PERFORM {name}_refresh(NEW.{key}); END IF; \
             RETURN NULL; END $body$"
        ));
        sql.push(format!(
            "CREATE TRIGGER {name}_rows AFTER INSERT OR UPDATE OR DELETE ON {related} \
             FOR EACH ROW EXECUTE FUNCTION {name}_on_{related}()"
        ));
    }
    sql.push(format!(
        "INSERT INTO {name} (id, document) SELECT s.id, {document} FROM {table} AS s"
    ));
    sql
}
