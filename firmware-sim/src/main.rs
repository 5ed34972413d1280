//! `caudal-sim`: run a field of simulated wells until Ctrl-C.

use std::num::NonZeroU32;
use std::path::PathBuf;

use anyhow::Context as _;
use caudal_config::sim::{FleetSection, SimConfig};
use caudal_sim::{Endpoint, Field};
use clap::Parser;

/// Simulated water-well controllers behind Modbus TCP and RTU.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Simulator config (TOML).
    #[arg(long)]
    config: PathBuf,
    /// Add (or resize) a fleet of this many identical TCP wells, for load tests.
    #[arg(long)]
    fleet: Option<NonZeroU32>,
    /// Override the file's time_scale (simulated seconds per real second).
    #[arg(long)]
    time_scale: Option<f64>,
    /// Log filter, e.g. `info` or `caudal_sim=debug`.
    #[arg(long, default_value = "info")]
    log_level: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&cli.log_level))
        .init();
    let mut cfg: SimConfig = caudal_config::load(&cli.config)?;
    if let Some(scale) = cli.time_scale {
        cfg.time_scale = scale
            .try_into()
            .map_err(|e: String| anyhow::anyhow!("--time-scale {e}"))?;
    }
    if let Some(n) = cli.fleet {
        let mut fleet: FleetSection = match cfg.fleet.take() {
            Some(f) => f,
            None => {
                toml::from_str(&format!("count = {n}")).context("building the fleet section")?
            }
        };
        fleet.count = toml::Spanned::new(0..0, n);
        cfg.fleet = Some(fleet);
    }
    let field = Field::start(&cfg).await.context("starting the field")?;
    let devices = field.devices();
    let mut out = String::new();
    for d in devices.iter().take(50) {
        let at = match &d.endpoint {
            Endpoint::Tcp(a) => format!("modbus-tcp {a}"),
            Endpoint::Rtu(p) => format!("modbus-rtu {}", p.display()),
        };
        out.push_str(&format!("{:<16} unit {:>3}  {at}\n", d.id, d.unit_id));
    }
    if devices.len() > 50 {
        out.push_str(&format!("... and {} more devices\n", devices.len() - 50));
    }
    out.push_str(&format!(
        "ground truth: http://{}/truth\n",
        field.truth_addr()
    ));
    print!("{out}");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    field.shutdown().await;
    Ok(())
}
