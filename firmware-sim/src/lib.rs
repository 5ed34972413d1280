//! Simulated field devices: the `caudal-firmware` well controller running on
//! a simulated HAL, driven by a physical model, behind real Modbus TCP and
//! Modbus RTU (on a pseudo-terminal), with scriptable faults and ground truth.
//!
//! ```text
//! model (pump, aquifer, meter) --wires--> simulated pins/ADC --> firmware (caudal-firmware)
//!                                                                   |
//!            tokio-modbus client <-- serve::{tcp, rtu} <-- request PDU -> response PDU
//! ```
//!
//! Code map:
//! - `model`: sans-IO physics, deterministic under a seed.
//! - `hal`: pins and converters the firmware owns, fed by the model.
//! - `device`: firmware + model + faults + ground truth of one device.
//! - `serve`: Modbus TCP (MBAP), RTU slave (CRC, 3.5-char silence), truth HTTP.
//! - [`Field`]: the running set of devices and the API tests use.
//!
//! Invariant: a device's state changes only under its lock, in fixed model
//! steps of simulated time, so the trajectory depends on the seed and the
//! config, never on real timing. Only *when* a client samples it does.
//!
//! The register map is documented in `caudal_firmware`'s crate docs.

mod device;
mod error;
mod fault;
mod field;
mod hal;
mod model;
mod serve;
mod truth;

pub use caudal_firmware::modbus::Exception;
pub use error::SimError;
pub use fault::{Fault, FaultKind};
pub use field::{DeviceInfo, Endpoint, Field, expand_devices};
pub use truth::GroundTruth;
