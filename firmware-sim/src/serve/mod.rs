//! The faces of the devices: Modbus TCP, Modbus RTU on a pty, and the
//! ground-truth HTTP endpoint. Transports are siblings; they only move bytes
//! and apply the reply faults ([`crate::fault::ReplyMode`]).

pub(crate) mod http;
pub(crate) mod rtu;
pub(crate) mod tcp;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::device::{Reply, SimDevice};
use crate::fault::ReplyMode;

/// A shared device.
pub(crate) type DeviceRef = Arc<Mutex<SimDevice>>;

/// Lock a device; a panic elsewhere does not make its state unusable.
pub(crate) fn lock(d: &DeviceRef) -> MutexGuard<'_, SimDevice> {
    d.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The devices behind one port or serial line, by unit id.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bus {
    units: HashMap<u8, DeviceRef>,
}

impl Bus {
    pub(crate) fn insert(&mut self, unit: u8, dev: DeviceRef) {
        self.units.insert(unit, dev);
    }

    /// The device addressed by `unit`. A port with a single device also
    /// answers the TCP "this device" ids 0 and 255 (Modbus Messaging on TCP/IP, 4.4.2).
    pub(crate) fn route(&self, unit: u8, tcp: bool) -> Option<&DeviceRef> {
        if let Some(d) = self.units.get(&unit) {
            return Some(d);
        }
        if tcp && (unit == 0 || unit == 255) && self.units.len() == 1 {
            return self.units.values().next();
        }
        None
    }

    pub(crate) fn devices(&self) -> impl Iterator<Item = &DeviceRef> {
        self.units.values()
    }
}

/// The bytes a reply puts on the wire, given its whole frame.
pub(crate) fn on_the_wire(reply: &Reply, frame: Vec<u8>) -> Option<Vec<u8>> {
    match reply.mode {
        ReplyMode::Normal => Some(frame),
        ReplyMode::Silent => None,
        ReplyMode::Garbage => Some(reply.noise.clone()),
        ReplyMode::Dropped => {
            let mut f = frame;
            if !f.is_empty() {
                f.remove(f.len() / 2);
            }
            Some(f)
        }
    }
}
