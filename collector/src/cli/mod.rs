//! The command line, one file per command group:
//!
//! ```text
//! caudal-collector [--config FILE] [--database-url URL] [--data-dir DIR] serve   # serve.rs
//! caudal-collector … check-config                                             # config.rs
//! caudal-collector … user add NAME --role ROLE     # prints the user's first token once (users.rs)
//! caudal-collector … token create NAME             # prints a new token once (users.rs)
//! caudal-collector … ca init [--server-name NAME]…    # CA + server certificate for QUIC (pki.rs)
//! caudal-collector … enroll AGENT_ID [--out DIR] [--days N]   # agent certificate bundle (pki.rs)
//! caudal-collector … revoke AGENT_ID                  # refused at the next handshake (pki.rs)
//! ```

mod config;
mod pki;
mod serve;
mod users;

use std::path::PathBuf;

use anyhow::Context as _;
use caudal_collector_domain::Role;
use caudal_collector_store::Store;
use caudal_config::collector::CollectorConfig;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "caudal-collector", version, about = "Caudal central collector")]
struct Cli {
    /// Config file (TOML); without it every setting has its default.
    #[arg(long, global = true, env = "CAUDAL_COLLECTOR_CONFIG")]
    config: Option<PathBuf>,
    /// Store in PostgreSQL (postgres://…) instead of SQLite; overrides the config.
    #[arg(long, global = true, env = "CAUDAL_DATABASE_URL")]
    database_url: Option<String>,
    /// Data directory (SQLite database, PKI); overrides the config.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Log filter, e.g. `info` or `caudal_collector=debug`.
    #[arg(long, global = true, default_value = "info", env = "CAUDAL_LOG")]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run migrations and serve the HTTP API and QUIC ingest until SIGINT/SIGTERM.
    Serve,
    /// Manage API users.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(users::TokenCommand),
    /// Load and validate the config, then exit.
    CheckConfig,
    /// Manage the certificate authority of the QUIC listener.
    #[command(subcommand)]
    Ca(pki::CaCommand),
    /// Issue an agent's certificate and write the bundle a technician copies to the gateway.
    Enroll(pki::EnrollArgs),
    /// Revoke every certificate issued to an agent; it is refused at its next handshake.
    Revoke {
        /// Agent identity.
        agent_id: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        "unknown role; expected admin, supervisor, technician, operator or guest".to_owned()
    })
}

fn load_config(cli: &Cli) -> anyhow::Result<CollectorConfig> {
    let mut cfg = match &cli.config {
        Some(path) => caudal_config::load::<CollectorConfig>(path)?,
        None => CollectorConfig::default(),
    };
    if let Some(url) = &cli.database_url {
        cfg.storage.database_url = Some(toml::Spanned::new(0..0, url.clone()));
    }
    if let Some(dir) = &cli.data_dir {
        cfg.storage.data_dir = dir.clone();
    }
    // The overrides are checked by the same rules as the file.
    if let Some(bad) = caudal_config::Validate::validate(&cfg).into_iter().next() {
        anyhow::bail!("{}: {}", bad.path, bad.message);
    }
    Ok(cfg)
}

async fn open_store(cfg: &CollectorConfig) -> anyhow::Result<Store> {
    Store::connect(&cfg.storage)
        .await
        .context("opening the store")
}

/// Parse the command line and run the command.
///
/// # Errors
/// Whatever the command failed on, with context.
pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log_level).context("--log-level")?,
        )
        .init();
    let cfg = load_config(&cli)?;
    match &cli.command {
        Command::CheckConfig => config::check(&cfg),
        Command::User(c) => users::user(&cfg, c).await,
        Command::Token(c) => users::token(&cfg, c).await,
        Command::Serve => serve::serve(&cfg).await,
        Command::Ca(c) => pki::ca(&cfg, c),
        Command::Enroll(args) => pki::enroll(&cfg, args).await,
        Command::Revoke { agent_id } => pki::revoke(&cfg, agent_id).await,
    }
}
