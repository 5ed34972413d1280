//! The `caudal-agent` program: command line, logging, runtime, signals, exit codes.
//! `src/main.rs` only calls [`main`]; end-to-end tests build the same program.

use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;
use tracing_subscriber::EnvFilter;

use super::{self as cli, BadConfig, Cli, Command, LogFormat};

fn init_tracing(cli: &Cli) {
    let filter = EnvFilter::try_new(&cli.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn shutdown_on_signal(token: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutdown requested");
    token.cancel();
}

/// The whole `caudal-agent` program: parse the command line, run, exit code.
#[must_use]
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("caudal-agent: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result: anyhow::Result<()> = runtime.block_on(async {
        match &cli.command {
            Command::Run { config } => {
                let token = CancellationToken::new();
                tokio::spawn(shutdown_on_signal(token.clone()));
                cli::run(config, token).await
            }
            Command::CheckConfig { file } => {
                println!("{}", cli::check_config(file)?);
                Ok(())
            }
            Command::Probe { config, device } => {
                print!("{}", cli::probe(config, device).await?);
                Ok(())
            }
            Command::Status { config } => {
                print!("{}", cli::status(config)?);
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<BadConfig>().is_some() => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("caudal-agent: {e:#}");
            ExitCode::FAILURE
        }
    }
}
