//! `caudal-collector`: see [`caudal_collector::cli`] for the commands.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    caudal_collector::cli::run().await
}
