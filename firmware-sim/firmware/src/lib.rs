#![doc = include_str!("../README.md")]
#![no_std]
#![warn(missing_docs)]

pub mod analog;
pub mod controller;
pub mod counter;
pub mod hal;
pub mod modbus;
pub mod rtu;

pub use controller::{DeviceConstants, FirmwareError, Peripherals, WellController};
pub use counter::CounterWidth;
