//! Modbus RTU: one serial line, shared in turn by the unit ids on it.
//!
//! RTU frames carry no transaction id, so after a timeout the port is closed
//! and opened again: a late reply must never be taken for the answer to the
//! next request. Opening the port then waits for the line to fall quiet (one
//! device timeout: a late reply to the abandoned request lands meanwhile) and
//! flushes both directions (`tcflush(TCIOFLUSH)`). Linux keeps a tty's queues
//! across opens, so without this the reply to a request of a killed
//! predecessor process, or a reply that came just after a timeout, is read as
//! the answer to the next request and every read after it is one poll stale.
//! Regressions: `agent/tests/crash.rs` (an RTU total 29,319 pulses too high),
//! `tests/tests/sync.rs` under load (an RTU total one poll behind).

use std::io;

use caudal_config::agent::{Link, Parity};
use tokio_modbus::Slave;
use tokio_modbus::client::Context;
use tokio_serial::{DataBits, SerialStream, StopBits};

/// Open the serial line of `link` (an RTU link), addressing `unit`.
///
/// # Errors
/// The port cannot be opened or configured, or `link` is not RTU.
pub async fn open(link: &Link, unit: u8, quiet: std::time::Duration) -> io::Result<Context> {
    let Link::Rtu {
        port,
        baud,
        parity,
        stop_bits,
        data_bits,
    } = link
    else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not an rtu link",
        ));
    };
    let builder = tokio_serial::new(port.to_string_lossy(), *baud)
        .parity(match parity {
            Parity::None => tokio_serial::Parity::None,
            Parity::Even => tokio_serial::Parity::Even,
            Parity::Odd => tokio_serial::Parity::Odd,
        })
        .stop_bits(if *stop_bits == 2 {
            StopBits::Two
        } else {
            StopBits::One
        })
        .data_bits(if *data_bits == 7 {
            DataBits::Seven
        } else {
            DataBits::Eight
        });
    let stream = SerialStream::open(&builder).map_err(io::Error::from)?;
    tokio::time::sleep(quiet).await;
    tokio_serial::SerialPort::clear(&stream, tokio_serial::ClearBuffer::All)
        .map_err(io::Error::from)?;
    Ok(tokio_modbus::client::rtu::attach_slave(stream, Slave(unit)))
}
