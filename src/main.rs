//! The `convene` command: serve the site, migrate, load demo data, manage admins.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use convene::audit::Who;
use convene::auth::service::{GrantOutcome, RevokeOutcome, grant_admin, revoke_admin};
use convene::config::Config;
use convene::server;

#[derive(Parser)]
#[command(
    name = "convene",
    version,
    about = "The online home of a regional open data forum",
    after_help = "Settings come from ./convene.toml (or the file named by CONVENE_CONFIG) and \
                  CONVENE_* environment variables; see the README."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database if needed, then serve the site (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo forum's people and content (safe to run again).
    SeedDemo,
    /// Manage who administers the site.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Make a personal API token for EMAIL's account and print it (once).
    Token {
        email: String,
        /// What will use it.
        #[arg(long, default_value = "Command line")]
        name: String,
        /// `read`, or `write` to act as the account too.
        #[arg(long, default_value = "read")]
        scope: String,
        /// How many days it lasts (1 to 366).
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Make EMAIL an admin, now or when that person first signs in.
    Grant { email: String },
    /// Make EMAIL an ordinary member again.
    Revoke { email: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => return fail(&err),
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&format!("cannot start the async runtime: {err}")),
    };
    runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config))
}

async fn run(command: Command, config: Config) -> ExitCode {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => match server::prepare(config).await {
            Ok(_) => {
                println!("The database is up to date.");
                ExitCode::SUCCESS
            }
            Err(err) => fail(&err),
        },
        Command::SeedDemo => {
            let state = match server::prepare(config).await {
                Ok(state) => state,
                Err(err) => return fail(&err),
            };
            match convene::demo::seed(&state.db, state.files.as_ref(), state.clock.now()).await {
                Ok(report) => {
                    println!(
                        "Demo data loaded: {} people added, {} updated, {} events added, {} answers added, {} meetings added, {} files added.",
                        report.people_added,
                        report.people_updated,
                        report.events_added,
                        report.answers_added,
                        report.meetings_added,
                        report.files_added
                    );
                    ExitCode::SUCCESS
                }
                Err(err) => fail(&err),
            }
        }
        Command::Token {
            email,
            name,
            scope,
            days,
        } => {
            // The form's rules, with its words.
            let form = convene::auth::token_pages::TokenForm {
                name,
                scope,
                days: days.to_string(),
            };
            let input = match form.parse() {
                Ok(input) => input,
                Err(errors) => {
                    let (field, message) = errors.into_iter().next().unwrap_or_default();
                    return fail(&format!("--{field}: {message}"));
                }
            };
            let state = match server::prepare(config).await {
                Ok(state) => state,
                Err(err) => return fail(&err),
            };
            match convene::auth::tokens::create_for(&state.db, &email, input, state.clock.now())
                .await
            {
                Ok((_, secret)) => {
                    println!("{secret}");
                    ExitCode::SUCCESS
                }
                Err(err) => fail(&err),
            }
        }
        Command::Admin { action } => {
            let state = match server::prepare(config).await {
                Ok(state) => state,
                Err(err) => return fail(&err),
            };
            let who = Who::CommandLine;
            let now = state.clock.now();
            match action {
                AdminAction::Grant { email } => {
                    match grant_admin(&state.db, &email, &who, now).await {
                        Ok(GrantOutcome::Granted) => println!("{email} is now an admin."),
                        Ok(GrantOutcome::AlreadyAdmin) => println!("{email} was already an admin."),
                        Ok(GrantOutcome::Reserved) => println!(
                            "Nobody with {email} has signed in yet: they will be an admin from \
                         their first sign-in with that verified address."
                        ),
                        Err(err) => return fail(&err),
                    }
                }
                AdminAction::Revoke { email } => {
                    match revoke_admin(&state.db, &email, &who, now).await {
                        Ok(RevokeOutcome::Revoked) => {
                            println!("{email} is no longer an admin.")
                        }
                        Ok(RevokeOutcome::NotAdmin) => println!("{email} was not an admin."),
                        Err(err) => return fail(&err),
                    }
                }
            }
            ExitCode::SUCCESS
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    // Listen first, so a taken port is reported before the database is touched.
    let acceptor = match server::bind(&config).await {
        Ok(acceptor) => acceptor,
        Err(err) => return fail(&err),
    };
    let state = match server::prepare(config).await {
        Ok(state) => state,
        Err(err) => return fail(&err),
    };
    let addr = server::local_addr(&acceptor);
    tracing::info!(
        url = %state.config.base_url,
        listening = ?addr,
        database = ?state.config.database,
        files = %state.files.describe(),
        "Convene is ready"
    );
    match server::run(state, acceptor, server::shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(err) => fail(&format!("the server stopped: {err}")),
    }
}

/// One line on standard error, and a failing exit code: no backtrace for a setting to fix.
fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("convene: error: {err}");
    ExitCode::FAILURE
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
}
