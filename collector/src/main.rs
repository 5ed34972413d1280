//! `caudal-collector`: command line.
//!
//! ```text
//! caudal-collector [--config FILE] [--database-url URL] [--data-dir DIR] serve
//! caudal-collector … user add NAME --role ROLE     # prints the user's first token once
//! caudal-collector … token create NAME             # prints a new token once
//! caudal-collector … check-config
//! caudal-collector … ca init [--server-name NAME]…    # CA + server certificate for QUIC
//! caudal-collector … enroll AGENT_ID [--out DIR] [--days N]   # agent certificate bundle
//! caudal-collector … revoke AGENT_ID                  # refused at the next handshake
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use caudal_collector::api::{self, AppState, Limits};
use caudal_collector::auth::{Role, new_token};
use caudal_collector::ingest::{self, Ingest, IngestMetrics};
use caudal_collector::pki::{self, PkiPaths};
use caudal_collector::store::Store;
use caudal_config::collector::CollectorConfig;
use caudal_protocol::UtcMillis;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

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
    /// Run migrations and serve the HTTP API until SIGINT/SIGTERM.
    Serve,
    /// Manage API users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load and validate the config, then exit.
    CheckConfig,
    /// Manage the certificate authority of the QUIC listener.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Issue an agent's certificate and write the bundle a technician copies to the gateway.
    Enroll {
        /// Agent identity (must match `[agent] id` in the agent's config).
        agent_id: String,
        /// Where to write `agent.pem`, `agent.key` and `ca.pem` (default: <data_dir>/pki/agents/AGENT_ID).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Validity of the certificate in days.
        #[arg(long, default_value_t = 825)]
        days: u32,
    },
    /// Revoke every certificate issued to an agent; it is refused at its next handshake.
    Revoke {
        /// Agent identity.
        agent_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum CaCommand {
    /// Create the CA and the server certificate (once, before the first `serve`).
    Init {
        /// Extra DNS names for the server certificate (besides caudal-collector and localhost).
        #[arg(long)]
        server_name: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Add a user and print its first token (shown once).
    Add {
        /// User name.
        name: String,
        /// admin, supervisor, technician, operator or guest.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create another token for a user and print it (shown once).
    Create {
        /// User name.
        name: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!("unknown role `{s}`; expected admin, supervisor, technician, operator or guest")
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

fn pki_paths(cfg: &CollectorConfig) -> PkiPaths {
    PkiPaths::new(&cfg.storage.data_dir, &cfg.tls)
}

async fn open_store(cfg: &CollectorConfig) -> anyhow::Result<Store> {
    Store::connect(&cfg.storage)
        .await
        .context("opening the store")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log_level).context("--log-level")?,
        )
        .init();
    let cfg = load_config(&cli)?;
    match &cli.command {
        Command::CheckConfig => {
            println!(
                "config ok: storage {}",
                if cfg.storage.database_url.is_some() {
                    "postgres"
                } else {
                    "sqlite"
                }
            );
        }
        Command::User(UserCommand::Add { name, role }) => {
            let store = open_store(&cfg).await?;
            store.add_user(name, *role, UtcMillis::now()).await?;
            let (token, hash) = new_token();
            store.add_token(name, &hash, UtcMillis::now()).await?;
            store.close().await;
            println!("user {name} ({role}) added; API token (shown once):\n{token}");
        }
        Command::Token(TokenCommand::Create { name }) => {
            let store = open_store(&cfg).await?;
            let (token, hash) = new_token();
            store.add_token(name, &hash, UtcMillis::now()).await?;
            store.close().await;
            println!("API token for {name} (shown once):\n{token}");
        }
        Command::Serve => serve(&cfg).await?,
        Command::Ca(CaCommand::Init { server_name }) => {
            let paths = pki_paths(&cfg);
            pki::ca_init(&paths, server_name)?;
            println!(
                "CA created: {}\nserver certificate: {}",
                paths.ca_cert.display(),
                paths.server_cert.display()
            );
        }
        Command::Enroll {
            agent_id,
            out,
            days,
        } => {
            let paths = pki_paths(&cfg);
            let e = pki::enroll(&paths, agent_id, *days)?;
            let out = out.clone().unwrap_or_else(|| {
                cfg.storage
                    .data_dir
                    .join("pki")
                    .join("agents")
                    .join(agent_id)
            });
            pki::write_bundle(&out, &e)?;
            println!(
                "agent {agent_id} enrolled (serial {}, valid {days} days); bundle in {dir}\n\
                 copy it to the gateway and point the agent config at it:\n\n\
                 [collector]\naddress = \"COLLECTOR_HOST:{port}\"\nca_cert = \"{dir}/ca.pem\"\ncert = \"{dir}/agent.pem\"\nkey = \"{dir}/agent.key\"",
                e.serial,
                dir = out.display(),
                port = cfg.listen.quic.port(),
            );
        }
        Command::Revoke { agent_id } => {
            let revoked = pki::revoke(&pki_paths(&cfg), agent_id)?;
            println!(
                "agent {agent_id}: {} certificate(s) revoked; refused from its next handshake",
                revoked.len()
            );
        }
    }
    Ok(())
}

async fn serve(cfg: &CollectorConfig) -> anyhow::Result<()> {
    let store = open_store(cfg).await?;
    tracing::info!(backend = store.backend(), "store ready");
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let listener = tokio::net::TcpListener::bind(cfg.listen.http)
        .await
        .with_context(|| format!("binding the HTTP API to {}", cfg.listen.http))?;
    let ingest_metrics = Arc::new(IngestMetrics::default());
    let state = AppState {
        store: store.clone(),
        limits: Limits::from(&cfg.api),
        ingest: Arc::clone(&ingest_metrics),
    };
    let http_shutdown = shutdown.clone();
    let http = tracker
        .spawn(async move { api::run(listener, state, http_shutdown.cancelled_owned()).await });
    let tls = pki::server_tls(&pki_paths(cfg), Arc::clone(&ingest_metrics.refusals))
        .context("QUIC TLS material")?;
    let endpoint = ingest::endpoint(cfg.listen.quic, tls)
        .with_context(|| format!("binding QUIC to {}", cfg.listen.quic))?;
    let ingest = Ingest {
        store: store.clone(),
        cfg: cfg.ingest.clone(),
        metrics: ingest_metrics,
    };
    let quic_shutdown = shutdown.clone();
    let quic = tracker.spawn(async move { ingest::run(endpoint, ingest, quic_shutdown).await });
    tracker.close();
    tokio::select! {
        () = wait_for_signal() => tracing::info!("shutting down"),
        () = shutdown.cancelled() => {}
    }
    shutdown.cancel();
    tracker.wait().await;
    store.close().await;
    http.await.context("HTTP task")?.context("HTTP server")?;
    quic.await.context("QUIC task")?.context("QUIC ingest")?;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
