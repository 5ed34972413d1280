//! `user add` and `token create`.

use caudal_collector_domain::Role;
use caudal_config::collector::CollectorConfig;
use caudal_protocol::UtcMillis;
use clap::Subcommand;

use crate::auth::new_token;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Add a user and print its first token (shown once).
    Add {
        /// User name.
        name: String,
        /// admin, supervisor, technician, operator or guest.
        #[arg(long, value_parser = super::parse_role)]
        role: Role,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum TokenCommand {
    /// Create another token for a user and print it (shown once).
    Create {
        /// User name.
        name: String,
    },
}

pub(super) async fn user(cfg: &CollectorConfig, c: &UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add { name, role } = c;
    let store = super::open_store(cfg).await?;
    store.add_user(name, *role, UtcMillis::now()).await?;
    let (token, hash) = new_token();
    store.add_token(name, &hash, UtcMillis::now()).await?;
    store.close().await;
    println!("user {name} ({role}) added; API token (shown once):\n{token}");
    Ok(())
}

pub(super) async fn token(cfg: &CollectorConfig, c: &TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { name } = c;
    let store = super::open_store(cfg).await?;
    let (token, hash) = new_token();
    store.add_token(name, &hash, UtcMillis::now()).await?;
    store.close().await;
    println!("API token for {name} (shown once):\n{token}");
    Ok(())
}
