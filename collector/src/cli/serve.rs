//! `serve`: open the store, start the API and ingest, run until SIGINT or
//! SIGTERM (or until a task fails), then stop everything cleanly.

use std::sync::Arc;

use caudal_config::collector::CollectorConfig;

use crate::app::{App, SystemClock};

pub(super) async fn serve(cfg: &CollectorConfig) -> anyhow::Result<()> {
    let app = App::open(cfg, Arc::new(SystemClock)).await?;
    let bound = app.start(cfg).await?;
    tracing::info!(http = %bound.http, quic = %bound.quic, "collector serving");
    let failed = tokio::select! {
        () = wait_for_signal() => false,
        () = app.shutdown.cancelled() => true,
    };
    tracing::info!("shutting down");
    app.stop().await;
    if failed {
        anyhow::bail!("a task of the collector failed (see the log above); stopped");
    }
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
