//! `ca init`, `enroll` and `revoke`.

use std::path::PathBuf;

use caudal_config::collector::CollectorConfig;
use clap::{Args, Subcommand};

use crate::pki::{self, PkiPaths};

#[derive(Debug, Subcommand)]
pub(super) enum CaCommand {
    /// Create the CA and the server certificate (once, before the first `serve`).
    Init {
        /// Extra DNS names for the server certificate (besides caudal-collector and localhost).
        #[arg(long)]
        server_name: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub(super) struct EnrollArgs {
    /// Agent identity (must match `[agent] id` in the agent's config).
    agent_id: String,
    /// Where to write `agent.pem`, `agent.key` and `ca.pem` (default: <data_dir>/pki/agents/AGENT_ID).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Validity of the certificate in days.
    #[arg(long, default_value_t = 825)]
    days: u32,
}

fn paths(cfg: &CollectorConfig) -> PkiPaths {
    PkiPaths::new(&cfg.storage.data_dir, &cfg.tls)
}

pub(super) fn ca(cfg: &CollectorConfig, c: &CaCommand) -> anyhow::Result<()> {
    let CaCommand::Init { server_name } = c;
    let paths = paths(cfg);
    pki::ca_init(&paths, server_name)?;
    println!(
        "CA created: {}\nserver certificate: {}",
        paths.ca_cert.display(),
        paths.server_cert.display()
    );
    Ok(())
}

#[expect(clippy::unused_async, reason = "the issued list moves into the store")]
pub(super) async fn enroll(cfg: &CollectorConfig, a: &EnrollArgs) -> anyhow::Result<()> {
    let paths = paths(cfg);
    let e = pki::enroll(&paths, &a.agent_id, a.days)?;
    let out = a.out.clone().unwrap_or_else(|| {
        cfg.storage
            .data_dir
            .join("pki")
            .join("agents")
            .join(&a.agent_id)
    });
    pki::write_bundle(&out, &e)?;
    println!(
        "agent {agent_id} enrolled (serial {}, valid {days} days); bundle in {dir}\n\
         copy it to the gateway and point the agent config at it:\n\n\
         [collector]\naddress = \"COLLECTOR_HOST:{port}\"\nca_cert = \"{dir}/ca.pem\"\ncert = \"{dir}/agent.pem\"\nkey = \"{dir}/agent.key\"",
        e.serial,
        agent_id = a.agent_id,
        days = a.days,
        dir = out.display(),
        port = cfg.listen.quic.port(),
    );
    Ok(())
}

#[expect(clippy::unused_async, reason = "the revoked list moves into the store")]
pub(super) async fn revoke(cfg: &CollectorConfig, agent_id: &str) -> anyhow::Result<()> {
    let revoked = pki::revoke(&paths(cfg), agent_id)?;
    println!(
        "agent {agent_id}: {} certificate(s) revoked; refused from its next handshake",
        revoked.len()
    );
    Ok(())
}
