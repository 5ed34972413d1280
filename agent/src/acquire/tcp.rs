//! Modbus TCP: one connection per device.

use std::io;
use std::time::Duration;

use tokio::net::lookup_host;
use tokio_modbus::Slave;
use tokio_modbus::client::Context;

/// Connect to `address` (`host:port`) within `deadline`, addressing `unit`.
///
/// # Errors
/// Resolution, connection or deadline failures.
pub async fn connect(address: &str, unit: u8, deadline: Duration) -> io::Result<Context> {
    let attempt = async {
        let addr = lookup_host(address).await?.next().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{address} resolves to no address"),
            )
        })?;
        tokio_modbus::client::tcp::connect_slave(addr, Slave(unit)).await
    };
    tokio::time::timeout(deadline, attempt).await.map_err(|_| {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connecting to {address} timed out"),
        )
    })?
}
