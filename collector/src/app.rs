//! The running collector: the store and every long-lived task (HTTP API,
//! QUIC ingest, and the jobs later issues add) under one
//! [`CancellationToken`] and one [`TaskTracker`], with the [`Clock`]
//! injected so tests can drive time.
//!
//! `serve` is [`App::open`] + [`App::start`] + wait for a signal +
//! [`App::stop`]. Tests call the same three with `127.0.0.1:0` listeners and
//! a [`ManualClock`].
//!
//! Invariant: every task the collector spawns is tracked here, and
//! [`App::stop`] returns only after all of them ended and the store closed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use caudal_collector_store::{Store, StoreError};
use caudal_config::collector::CollectorConfig;
use caudal_protocol::UtcMillis;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, AppState, Limits};
use crate::ingest::{self, Ingest, IngestMetrics};
use crate::pki::{self, PkiError, PkiPaths};
use crate::telemetry::HttpStats;

/// Where the collector reads the time. Domain code never reads a clock: the
/// edges call [`Clock::now`] and pass the value along.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in ms UTC.
    fn now(&self) -> UtcMillis;
}

/// A shared clock.
pub type SharedClock = Arc<dyn Clock>;

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UtcMillis {
        UtcMillis::now()
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock showing `t`.
    #[must_use]
    pub fn at(t: UtcMillis) -> ManualClock {
        ManualClock(AtomicI64::new(t.0))
    }

    /// Show `t` from now on.
    pub fn set(&self, t: UtcMillis) {
        self.0.store(t.0, Ordering::SeqCst);
    }

    /// Move forward by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UtcMillis {
        UtcMillis(self.0.load(Ordering::SeqCst))
    }
}

/// Why the collector could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store could not be opened.
    #[error("opening the store: {0}")]
    Store(#[from] StoreError),
    /// The HTTP listener could not be bound.
    #[error("binding the HTTP API to {addr}: {source}")]
    BindHttp {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The QUIC listener could not be bound.
    #[error("binding QUIC to {addr}: {reason}")]
    BindQuic {
        /// The address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// The TLS material of the QUIC listener is missing or bad.
    #[error("QUIC TLS material: {0}")]
    Pki(#[from] PkiError),
}

/// The collector's store and tasks.
#[derive(Debug)]
pub struct App {
    /// The store.
    pub store: Store,
    /// Cancelled to stop every task.
    pub shutdown: CancellationToken,
    /// Every task spawned.
    pub tasks: TaskTracker,
    /// Where time comes from.
    pub clock: SharedClock,
    /// HTTP counters.
    pub http: Arc<HttpStats>,
    /// QUIC ingest counters.
    pub ingest: Arc<IngestMetrics>,
}

/// Where [`App::start`] listens once bound.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// The HTTP API.
    pub http: SocketAddr,
    /// The QUIC listener.
    pub quic: SocketAddr,
}

impl App {
    /// Open the store (running migrations).
    ///
    /// # Errors
    /// [`StartError::Store`].
    pub async fn open(cfg: &CollectorConfig, clock: SharedClock) -> Result<App, StartError> {
        let store = Store::connect(&cfg.storage).await?;
        tracing::info!(backend = store.backend(), "store ready");
        Ok(App::with_store(store, clock))
    }

    /// An app over an open store.
    #[must_use]
    pub fn with_store(store: Store, clock: SharedClock) -> App {
        App {
            store,
            shutdown: CancellationToken::new(),
            tasks: TaskTracker::new(),
            clock,
            http: Arc::default(),
            ingest: Arc::default(),
        }
    }

    /// What the HTTP handlers share.
    #[must_use]
    pub fn state(&self, cfg: &CollectorConfig) -> AppState {
        AppState {
            store: self.store.clone(),
            limits: Limits::from(&cfg.api),
            ingest: Arc::clone(&self.ingest),
            http: Arc::clone(&self.http),
            clock: Arc::clone(&self.clock),
        }
    }

    /// Bind the HTTP and QUIC listeners of `cfg` and spawn their tasks.
    ///
    /// # Errors
    /// A listener that cannot be bound, or missing TLS material.
    pub async fn start(&self, cfg: &CollectorConfig) -> Result<Bound, StartError> {
        let listener = tokio::net::TcpListener::bind(cfg.listen.http)
            .await
            .map_err(|source| StartError::BindHttp {
                addr: cfg.listen.http,
                source,
            })?;
        let http_addr = listener
            .local_addr()
            .map_err(|source| StartError::BindHttp {
                addr: cfg.listen.http,
                source,
            })?;
        let state = self.state(cfg);
        let stop = self.shutdown.clone();
        self.tasks.spawn(async move {
            if let Err(error) = api::run(listener, state, stop.clone().cancelled_owned()).await {
                tracing::error!(%error, "HTTP API stopped");
                stop.cancel();
            }
        });
        let paths = PkiPaths::new(&cfg.storage.data_dir, &cfg.tls);
        let tls = pki::server_tls(&paths, Arc::clone(&self.ingest.refusals))?;
        let quic_err = |reason: String| StartError::BindQuic {
            addr: cfg.listen.quic,
            reason,
        };
        let endpoint =
            ingest::endpoint(cfg.listen.quic, tls).map_err(|e| quic_err(format!("{e:#}")))?;
        let quic_addr = endpoint.local_addr().map_err(|e| quic_err(e.to_string()))?;
        let ingest = Ingest {
            store: self.store.clone(),
            cfg: cfg.ingest.clone(),
            metrics: Arc::clone(&self.ingest),
        };
        let stop = self.shutdown.clone();
        self.tasks.spawn(async move {
            if let Err(error) = ingest::run(endpoint, ingest, stop.clone()).await {
                tracing::error!(%error, "QUIC ingest stopped");
                stop.cancel();
            }
        });
        Ok(Bound {
            http: http_addr,
            quic: quic_addr,
        })
    }

    /// Cancel every task, wait for them, close the store.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.store.close().await;
    }
}
