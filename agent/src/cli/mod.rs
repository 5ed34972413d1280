//! The command line: `run`, `check-config`, `probe`, `status`.

mod program;
pub use program::main;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use caudal_config::agent::{AgentConfig, Link, RegisterKind};
use caudal_protocol::ChannelId;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::acquire;
use crate::decode::decode;
use crate::outbox;
use crate::spec::AgentSpec;

/// Caudal edge agent.
#[derive(Debug, Parser)]
#[command(name = "caudal-agent", version, about)]
pub struct Cli {
    /// Log filter (`error`, `warn`, `info`, `debug`, or a tracing filter such as `caudal_agent=debug`).
    #[arg(long, global = true, default_value = "info", env = "CAUDAL_LOG")]
    pub log_level: String,
    /// Log format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Poll the devices and store readings until SIGINT/SIGTERM.
    Run {
        /// Agent config file.
        #[arg(long)]
        config: PathBuf,
    },
    /// Validate a config file; print `file:line:column: path: message` on error.
    CheckConfig {
        /// Agent config file.
        file: PathBuf,
    },
    /// Read and decode one device's registers once (commissioning).
    Probe {
        /// Agent config file.
        #[arg(long)]
        config: PathBuf,
        /// Device id from the config.
        #[arg(long)]
        device: String,
    },
    /// Show the outbox backlog and the last poll and errors per device.
    Status {
        /// Agent config file.
        #[arg(long)]
        config: PathBuf,
    },
}

/// A config error, kept apart so `main` can exit with code 2.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BadConfig(#[from] pub caudal_config::ConfigError);

/// Load and validate the agent config.
///
/// # Errors
/// [`BadConfig`].
pub fn load(path: &Path) -> Result<AgentConfig, BadConfig> {
    Ok(caudal_config::load::<AgentConfig>(path)?)
}

/// `check-config`: the summary line on success.
///
/// # Errors
/// [`BadConfig`].
pub fn check_config(path: &Path) -> Result<String, BadConfig> {
    let cfg = load(path)?;
    let channels: usize = cfg.devices.iter().map(|d| d.channels.len()).sum();
    Ok(format!(
        "{}: ok ({} devices, {channels} channels)",
        path.display(),
        cfg.devices.len()
    ))
}

/// `run`: until `shutdown`.
///
/// # Errors
/// Config and startup errors.
pub async fn run(path: &Path, shutdown: CancellationToken) -> anyhow::Result<()> {
    let cfg = load(path)?;
    crate::pipeline::run(&cfg, shutdown, None).await
}

/// `probe`: the report text; errors when the device never answered.
///
/// # Errors
/// Config errors, an unknown device, or a device that did not answer.
pub async fn probe(path: &Path, device: &str) -> anyhow::Result<String> {
    let cfg = load(path)?;
    let spec = AgentSpec::build(&cfg, |_| Ok::<_, std::convert::Infallible>(ChannelId(0)))?;
    let dev = spec
        .devices
        .iter()
        .find(|d| d.id == device)
        .with_context(|| format!("no device `{device}` in {}", path.display()))?;
    let link = match &dev.link {
        Link::Tcp { address } => format!("tcp {address}"),
        Link::Rtu { port, baud, .. } => format!("rtu {} {baud} baud", port.display()),
    };
    let mut out = format!("device {} ({link}, unit {})\n", dev.id, dev.unit_id);
    let mut answered = false;
    for (req, result) in acquire::probe(dev).await {
        let _ = write!(
            out,
            "{:?} {}..{}: ",
            req.table,
            req.start,
            u32::from(req.start) + u32::from(req.count)
        );
        match result {
            Err(e) => {
                let _ = writeln!(out, "{e}");
            }
            Ok(words) => {
                answered = true;
                let hex: Vec<String> = words.iter().map(|w| format!("{w:04x}")).collect();
                let _ = writeln!(out, "{}", hex.join(" "));
                for &(i, offset) in &req.members {
                    let ch = &dev.channels[i];
                    let words = words.get(usize::from(offset)..).unwrap_or(&[]);
                    let raw = match ch.register {
                        RegisterKind::Coil | RegisterKind::Discrete => words
                            .first()
                            .map(|w| i64::from(*w))
                            .ok_or_else(|| "short reply".to_owned()),
                        RegisterKind::Holding | RegisterKind::Input => {
                            decode(words, ch.data_type, ch.byte_order).map_err(|e| e.to_string())
                        }
                    };
                    let _ = match raw {
                        Ok(raw) if ch.counter.is_some() => {
                            writeln!(out, "  {:<24} raw={raw} (pulses)", ch.def.name)
                        }
                        Ok(raw) => writeln!(
                            out,
                            "  {:<24} raw={raw} value={} {}",
                            ch.def.name,
                            ch.def.coding.value(raw, None),
                            ch.def.unit
                        ),
                        Err(e) => writeln!(out, "  {:<24} {e}", ch.def.name),
                    };
                }
            }
        }
    }
    anyhow::ensure!(answered, "{out}device `{device}` did not answer");
    Ok(out)
}

/// `12.3 s ago` for a UTC time in ms, `never` for none.
fn ago(ms: Option<i64>) -> String {
    match ms {
        None => "never".to_owned(),
        Some(t) => {
            let age = caudal_protocol::UtcMillis::now().0.saturating_sub(t);
            #[allow(clippy::cast_precision_loss, reason = "display only")]
            let secs = age as f64 / 1000.0;
            format!("{secs:.1} s ago")
        }
    }
}

/// `status`: the report text.
///
/// # Errors
/// Config errors or no readable outbox.
pub fn status(path: &Path) -> anyhow::Result<String> {
    let cfg = load(path)?;
    let s = outbox::status(&cfg.agent.data_dir)
        .with_context(|| format!("reading the outbox in {}", cfg.agent.data_dir.display()))?;
    let (first, last) = s.backlog;
    let backlog = (last.0 + 1).saturating_sub(first.0);
    let mut out = format!(
        "epoch {:#018x}\nbacklog {backlog} readings (seq {}..={})\ndisk {} of {} bytes\ndropped (unacked tombstones) {}\n",
        s.epoch.0, first.0, last.0, s.used_bytes, cfg.agent.disk_budget_bytes, s.dropped
    );
    for d in s.devices {
        let (id, polls, errors) = (&d.id, d.polls, d.errors);
        let _ = writeln!(
            out,
            "device {id}: last poll {}, last answer {}, polls {polls}, errors {errors}{}",
            ago(d.last_poll_ms),
            ago(d.last_ok_ms),
            d.last_error
                .map(|e| format!(", last error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(out)
}
