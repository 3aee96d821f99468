//! Opening the database, migrating it, and starting write transactions that behave the same
//! on SQLite and PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use crate::config::{Backend, Config, ConfigError};

/// How long a SQLite writer waits for another writer before giving up. Writes are short, so
/// this only matters under a burst; it is what keeps "database is locked" away from users.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Opens the pool. Errors name `CONVENE_DATABASE_URL` and never show a password.
pub async fn connect(config: &Config) -> Result<DatabaseConnection, ConfigError> {
    let url = &config.database;
    if let Some(path) = url.sqlite_path()
        && let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            ConfigError::new(
                "database_url",
                format!("cannot create the folder {}: {e}", parent.display()),
            )
        })?;
    }

    let mut options = ConnectOptions::new(url.url.clone());
    options
        .max_connections(config.db_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(8))
        .sqlx_logging(false);
    if url.backend == Backend::Sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(sqlx_sqlite_journal_wal())
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .create_if_missing(true)
        });
    }

    let db = Database::connect(options).await.map_err(|e| {
        ConfigError::new(
            "database_url",
            format!("cannot open {}: {}", url.redacted(), describe_db_error(&e)),
        )
    })?;
    db.ping().await.map_err(|e| {
        ConfigError::new(
            "database_url",
            format!("cannot use {}: {}", url.redacted(), describe_db_error(&e)),
        )
    })?;
    Ok(db)
}

fn sqlx_sqlite_journal_wal() -> sea_orm::sqlx::sqlite::SqliteJournalMode {
    sea_orm::sqlx::sqlite::SqliteJournalMode::Wal
}

/// The driver's message without the URL it may echo.
fn describe_db_error(err: &DbErr) -> String {
    let text = err.to_string();
    let text = text
        .strip_prefix("Connection Error: ")
        .or_else(|| text.strip_prefix("Conn Error: "))
        .unwrap_or(&text);
    crate::config::redact_url(text)
}

/// Applies pending migrations. Safe when several instances start at once: on PostgreSQL the
/// migrations run under a transaction-scoped advisory lock, on SQLite inside an immediate
/// (write-locking) transaction, so a second instance waits and then finds nothing to do.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    // Nothing to do (the usual case for `convene admin ...` beside a running server): no
    // write lock is taken, so the command does not queue behind the server's writes.
    if nothing_pending(db).await {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        // An arbitrary constant that identifies "Convene is migrating" on this database.
        txn.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(7305251004718236)",
        ))
        .await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}

/// Whether every migration is already applied, found by reading alone. `get_pending_migrations`
/// would create the bookkeeping table outside the migration lock, and two instances starting
/// on a new PostgreSQL database would race on it; a missing table here just means "migrate".
async fn nothing_pending(db: &DatabaseConnection) -> bool {
    let Ok(rows) = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM seaql_migrations",
        ))
        .await
    else {
        return false;
    };
    let applied: std::collections::HashSet<String> = rows
        .iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect();
    Migrator::migrations()
        .iter()
        .all(|m| applied.contains(m.name()))
}

tokio::task_local! {
    /// Set while a background round runs (the outbox, announcements, reminders, ...).
    static BACKGROUND: ();
}

/// Runs a background task: its statements are not counted by [`count_statements`], which
/// measures what requests cost.
pub async fn in_background<F: std::future::Future>(task: F) -> F::Output {
    BACKGROUND.scope((), task).await
}

/// Counts every SQL statement the pool runs for requests (background rounds, which run
/// every few seconds whatever happens, are left out). Cheap (one atomic add); tests use it
/// to prove a page costs a fixed number of queries whatever the data size.
pub fn count_statements(
    db: &mut DatabaseConnection,
) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let inner = counter.clone();
    db.set_metric_callback(move |_| {
        if BACKGROUND.try_with(|_| ()).is_err() {
            inner.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    counter
}

/// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
/// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
/// with "database is locked" when a read lock cannot be upgraded.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        }
        _ => db.begin().await,
    }
}

/// The rows that come after a cursor in a list ordered newest first by a moment and then by
/// id: those before the cursor's moment, and those within its microsecond with a lower id.
/// Cursors carry moments to the microsecond; SQLite keeps the nanoseconds a clock gave, so
/// an exact comparison with the cursor's moment would skip rows saved at the same instant.
pub fn before_cursor<C: sea_orm::ColumnTrait>(
    at_column: C,
    id_column: C,
    at: chrono::DateTime<chrono::Utc>,
    id: i64,
) -> sea_orm::Condition {
    use sea_orm::Condition;
    let next = at + chrono::Duration::microseconds(1);
    Condition::any().add(at_column.lt(at)).add(
        Condition::all()
            .add(at_column.gte(at))
            .add(at_column.lt(next))
            .add(id_column.lt(id)),
    )
}
