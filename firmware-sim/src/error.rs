//! Errors of starting a field.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a field could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A TCP listen address could not be bound.
    #[error("cannot listen on {addr} for {what}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Which server.
        what: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A pseudo-terminal could not be opened.
    #[error("cannot open a pseudo-terminal for {device}: {source}")]
    Pty {
        /// The device id.
        device: String,
        /// The serial error.
        source: tokio_serial::Error,
    },
    /// The requested symlink to a pty could not be made.
    #[error("cannot link {path} to the pty of {device}: {source}")]
    Symlink {
        /// The link path.
        path: PathBuf,
        /// The device id.
        device: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The config breaks a rule (use `caudal_config::load`, which validates).
    #[error("invalid simulator config: {0}")]
    Config(String),
}
