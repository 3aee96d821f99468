//! `cargo run --release --example seed-events -- COUNT`: adds COUNT generated published
//! events to the database Convene is configured for (`CONVENE_DATABASE_URL` or the data
//! folder's SQLite file), after `convene seed-demo` has loaded the demo people.

#[path = "generate.rs"]
mod generate;

use convene::clock::{Clock, SystemClock};
use convene::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let count: usize = match std::env::args().nth(1).and_then(|n| n.parse().ok()) {
        Some(n) => n,
        None => {
            eprintln!("usage: seed-events COUNT");
            return std::process::ExitCode::FAILURE;
        }
    };
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("seed-events: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let db = match convene::db::connect(&config).await {
        Ok(db) => db,
        Err(err) => {
            eprintln!("seed-events: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match generate::generate_events(&db, count, SystemClock.now()).await {
        Ok(added) => {
            println!("Added {added} generated events.");
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("seed-events: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
