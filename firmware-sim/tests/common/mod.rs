//! Helpers shared by the simulator's behaviour tests: one per boundary
//! (config, Modbus client over TCP, over the RTU pty).
#![allow(dead_code, reason = "each test binary uses a subset")]

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use caudal_config::UnitId;
use caudal_config::sim::{SimConfig, SimDevice};
use caudal_sim::Field;
use tokio_modbus::client::Context;
use tokio_modbus::prelude::*;

/// Deadline of every client call: generous, for a loaded 2-core machine.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

/// Await `f` or fail the test after [`DEADLINE`].
pub(crate) async fn within<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(DEADLINE, f).await.expect("timed out")
}

pub(crate) fn unit(u: u8) -> UnitId {
    UnitId::try_from(i64::from(u)).unwrap()
}

/// A field config with a stopped clock (tests advance it) and these devices.
pub(crate) fn manual(devices: Vec<SimDevice>) -> SimConfig {
    let mut cfg = SimConfig {
        devices,
        ..SimConfig::default()
    };
    cfg.time_scale = 0.0.try_into().unwrap();
    cfg
}

pub(crate) fn tcp_device(id: &str, u: u8) -> SimDevice {
    SimDevice::tcp(id, unit(u))
}

pub(crate) fn rtu_device(id: &str, u: u8) -> SimDevice {
    SimDevice::rtu(id, unit(u))
}

pub(crate) async fn tcp_client(addr: SocketAddr, u: u8) -> Context {
    within(tokio_modbus::client::tcp::connect_slave(addr, Slave(u)))
        .await
        .unwrap()
}

pub(crate) fn rtu_client(path: &Path, u: u8) -> Context {
    let port =
        tokio_serial::SerialStream::open(&tokio_serial::new(path.to_string_lossy(), 9600)).unwrap();
    tokio_modbus::client::rtu::attach_slave(port, Slave(u))
}

/// A client for device `id`, whatever its transport.
pub(crate) async fn client(field: &Field, id: &str, u: u8) -> Context {
    match (field.tcp_addr(id), field.rtu_path(id)) {
        (Some(a), _) => tcp_client(a, u).await,
        (None, Some(p)) => rtu_client(&p, u),
        (None, None) => panic!("no device {id}"),
    }
}

pub(crate) async fn input(ctx: &mut Context, addr: u16, n: u16) -> Vec<u16> {
    within(ctx.read_input_registers(addr, n))
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn holding(ctx: &mut Context, addr: u16, n: u16) -> Vec<u16> {
    within(ctx.read_holding_registers(addr, n))
        .await
        .unwrap()
        .unwrap()
}

pub(crate) async fn coils(ctx: &mut Context, addr: u16, n: u16) -> Vec<bool> {
    within(ctx.read_coils(addr, n)).await.unwrap().unwrap()
}

pub(crate) async fn discrete(ctx: &mut Context, addr: u16, n: u16) -> Vec<bool> {
    within(ctx.read_discrete_inputs(addr, n))
        .await
        .unwrap()
        .unwrap()
}

pub(crate) fn u32_abcd(w: &[u16]) -> u32 {
    (u32::from(w[0]) << 16) | u32::from(w[1])
}

pub(crate) fn u64_abcd(w: &[u16]) -> u64 {
    w.iter().fold(0u64, |acc, x| (acc << 16) | u64::from(*x))
}

/// The counter register of a device with `bits` width.
pub(crate) async fn counter(ctx: &mut Context, bits: u8) -> u32 {
    let w = input(ctx, 0, 2).await;
    if bits == 16 {
        assert_eq!(w[1], 0, "IR1 of a 16-bit device is 0");
        u32::from(w[0])
    } else {
        u32_abcd(&w)
    }
}
