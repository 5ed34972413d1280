//! Modbus application layer: request PDU in, response PDU out.
//!
//! Transport-free (no MBAP header, no CRC): the TCP server and the RTU slave
//! wrap what [`respond`] writes. Every request is hostile: a short, long or
//! malformed PDU gets an exception, never a panic.
//!
//! Spec: Modbus Application Protocol v1.1b3, sections 6.1-6.12 and 7.

use core::fmt;

/// Largest PDU (Modbus Application Protocol v1.1b3, section 4.1: 256 - address - CRC).
pub const MAX_PDU_LEN: usize = 253;

/// Read coils.
pub const FC_READ_COILS: u8 = 0x01;
/// Read discrete inputs.
pub const FC_READ_DISCRETE_INPUTS: u8 = 0x02;
/// Read holding registers.
pub const FC_READ_HOLDING_REGISTERS: u8 = 0x03;
/// Read input registers.
pub const FC_READ_INPUT_REGISTERS: u8 = 0x04;
/// Write single coil.
pub const FC_WRITE_SINGLE_COIL: u8 = 0x05;
/// Write single register.
pub const FC_WRITE_SINGLE_REGISTER: u8 = 0x06;
/// Write multiple coils.
pub const FC_WRITE_MULTIPLE_COILS: u8 = 0x0F;
/// Write multiple registers.
pub const FC_WRITE_MULTIPLE_REGISTERS: u8 = 0x10;

/// Section 6.1: at most 2000 bits per read.
const MAX_READ_BITS: u16 = 2000;
/// Section 6.3: at most 125 registers per read.
const MAX_READ_REGISTERS: u16 = 125;
/// Section 6.11: at most 1968 coils per write.
const MAX_WRITE_BITS: u16 = 1968;

/// A Modbus exception code (section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Exception {
    /// 01: the function code is not supported.
    IllegalFunction,
    /// 02: an address in the request is not mapped (or is read-only).
    IllegalDataAddress,
    /// 03: a value in the request is not allowed (quantity, coil value).
    IllegalDataValue,
    /// 04: the device failed while performing the action.
    ServerDeviceFailure,
    /// 06: the device is busy.
    ServerDeviceBusy,
    /// 0B: a gateway found no device with that unit id.
    GatewayTargetDevice,
    /// Any other code.
    Other(u8),
}

impl Exception {
    /// The code on the wire.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Exception::IllegalFunction => 0x01,
            Exception::IllegalDataAddress => 0x02,
            Exception::IllegalDataValue => 0x03,
            Exception::ServerDeviceFailure => 0x04,
            Exception::ServerDeviceBusy => 0x06,
            Exception::GatewayTargetDevice => 0x0B,
            Exception::Other(c) => c,
        }
    }
}

impl From<u8> for Exception {
    fn from(c: u8) -> Self {
        match c {
            0x01 => Exception::IllegalFunction,
            0x02 => Exception::IllegalDataAddress,
            0x03 => Exception::IllegalDataValue,
            0x04 => Exception::ServerDeviceFailure,
            0x06 => Exception::ServerDeviceBusy,
            0x0B => Exception::GatewayTargetDevice,
            other => Exception::Other(other),
        }
    }
}

impl fmt::Display for Exception {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "modbus exception {:#04x}", self.code())
    }
}

/// The four data tables of a device.
pub trait RegisterMap {
    /// Input register `addr` (FC 04), `None` when unmapped.
    fn input_register(&self, addr: u16) -> Option<u16>;
    /// Holding register `addr` (FC 03), `None` when unmapped.
    fn holding_register(&self, addr: u16) -> Option<u16>;
    /// Coil `addr` (FC 01), `None` when unmapped.
    fn coil(&self, addr: u16) -> Option<bool>;
    /// Discrete input `addr` (FC 02), `None` when unmapped.
    fn discrete_input(&self, addr: u16) -> Option<bool>;
    /// Write coil `addr` (FC 05 / 15).
    ///
    /// # Errors
    /// The exception to reply.
    fn write_coil(&mut self, addr: u16, value: bool) -> Result<(), Exception>;
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Write an exception response for function `fc` into `out`; returns its length.
pub fn exception_response(fc: u8, e: Exception, out: &mut [u8]) -> usize {
    if out.len() < 2 {
        return 0;
    }
    out[0] = fc | 0x80;
    out[1] = e.code();
    2
}

/// Answer `request` (a PDU) from `map` into `out` (at least [`MAX_PDU_LEN`] bytes);
/// returns the response length, an exception response when the request cannot be served.
pub fn respond<M: RegisterMap + ?Sized>(map: &mut M, request: &[u8], out: &mut [u8]) -> usize {
    let Some(&fc) = request.first() else {
        return 0;
    };
    match serve(map, fc, request, out) {
        Ok(n) => n,
        Err(e) => exception_response(fc, e, out),
    }
}

/// The address range `(start, quantity)` of a read request, if `request` is one.
#[must_use]
pub fn read_range(request: &[u8]) -> Option<(u8, u16, u16)> {
    let fc = *request.first()?;
    matches!(fc, FC_READ_COILS..=FC_READ_INPUT_REGISTERS).then_some(())?;
    Some((fc, be16(request, 1)?, be16(request, 3)?))
}

fn serve<M: RegisterMap + ?Sized>(
    map: &mut M,
    fc: u8,
    req: &[u8],
    out: &mut [u8],
) -> Result<usize, Exception> {
    if out.len() < MAX_PDU_LEN {
        return Err(Exception::ServerDeviceFailure);
    }
    match fc {
        FC_READ_COILS | FC_READ_DISCRETE_INPUTS => {
            let (addr, qty) = read_header(req, MAX_READ_BITS)?;
            let n_bytes = usize::from(qty).div_ceil(8);
            out[0] = fc;
            out[1] = u8::try_from(n_bytes).map_err(|_| Exception::IllegalDataValue)?;
            out[2..2 + n_bytes].fill(0);
            for i in 0..qty {
                let a = addr + i;
                let bit = if fc == FC_READ_COILS {
                    map.coil(a)
                } else {
                    map.discrete_input(a)
                };
                if bit.ok_or(Exception::IllegalDataAddress)? {
                    out[2 + usize::from(i / 8)] |= 1 << (i % 8);
                }
            }
            Ok(2 + n_bytes)
        }
        FC_READ_HOLDING_REGISTERS | FC_READ_INPUT_REGISTERS => {
            let (addr, qty) = read_header(req, MAX_READ_REGISTERS)?;
            out[0] = fc;
            out[1] = u8::try_from(usize::from(qty) * 2).map_err(|_| Exception::IllegalDataValue)?;
            for i in 0..qty {
                let a = addr + i;
                let w = if fc == FC_READ_HOLDING_REGISTERS {
                    map.holding_register(a)
                } else {
                    map.input_register(a)
                };
                let at = 2 + usize::from(i) * 2;
                out[at..at + 2]
                    .copy_from_slice(&w.ok_or(Exception::IllegalDataAddress)?.to_be_bytes());
            }
            Ok(2 + usize::from(qty) * 2)
        }
        FC_WRITE_SINGLE_COIL => {
            if req.len() != 5 {
                return Err(Exception::IllegalDataValue);
            }
            let addr = be16(req, 1).ok_or(Exception::IllegalDataValue)?;
            let value = match be16(req, 3).ok_or(Exception::IllegalDataValue)? {
                0xFF00 => true,
                0x0000 => false,
                _ => return Err(Exception::IllegalDataValue),
            };
            map.coil(addr).ok_or(Exception::IllegalDataAddress)?;
            map.write_coil(addr, value)?;
            out[..5].copy_from_slice(&req[..5]);
            Ok(5)
        }
        FC_WRITE_MULTIPLE_COILS => {
            let addr = be16(req, 1).ok_or(Exception::IllegalDataValue)?;
            let qty = be16(req, 3).ok_or(Exception::IllegalDataValue)?;
            let n_bytes = usize::from(*req.get(5).ok_or(Exception::IllegalDataValue)?);
            if qty == 0
                || qty > MAX_WRITE_BITS
                || n_bytes != usize::from(qty).div_ceil(8)
                || req.len() != 6 + n_bytes
            {
                return Err(Exception::IllegalDataValue);
            }
            if u32::from(addr) + u32::from(qty) > 65_536 {
                return Err(Exception::IllegalDataAddress);
            }
            for i in 0..qty {
                map.coil(addr + i).ok_or(Exception::IllegalDataAddress)?;
            }
            for i in 0..qty {
                let byte = req[6 + usize::from(i / 8)];
                map.write_coil(addr + i, byte & (1 << (i % 8)) != 0)?;
            }
            out[..5].copy_from_slice(&req[..5]);
            Ok(5)
        }
        // The register map has no writable registers.
        FC_WRITE_SINGLE_REGISTER | FC_WRITE_MULTIPLE_REGISTERS => {
            Err(Exception::IllegalDataAddress)
        }
        _ => Err(Exception::IllegalFunction),
    }
}

fn read_header(req: &[u8], max_qty: u16) -> Result<(u16, u16), Exception> {
    if req.len() != 5 {
        return Err(Exception::IllegalDataValue);
    }
    let addr = be16(req, 1).ok_or(Exception::IllegalDataValue)?;
    let qty = be16(req, 3).ok_or(Exception::IllegalDataValue)?;
    if qty == 0 || qty > max_qty {
        return Err(Exception::IllegalDataValue);
    }
    if u32::from(addr) + u32::from(qty) > 65_536 {
        return Err(Exception::IllegalDataAddress);
    }
    Ok((addr, qty))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Map {
        coil: bool,
    }

    impl RegisterMap for Map {
        fn input_register(&self, addr: u16) -> Option<u16> {
            (addr < 4).then_some(0x1000 + addr)
        }
        fn holding_register(&self, addr: u16) -> Option<u16> {
            (addr == 0).then_some(7)
        }
        fn coil(&self, addr: u16) -> Option<bool> {
            (addr == 0).then_some(self.coil)
        }
        fn discrete_input(&self, addr: u16) -> Option<bool> {
            (addr < 3).then_some(addr == 1)
        }
        fn write_coil(&mut self, _addr: u16, value: bool) -> Result<(), Exception> {
            self.coil = value;
            Ok(())
        }
    }

    fn check(request: &[u8], expected: &[u8]) {
        let mut map = Map { coil: true };
        let mut out = [0u8; MAX_PDU_LEN];
        let n = respond(&mut map, request, &mut out);
        assert_eq!(&out[..n], expected, "request {request:02x?}");
    }

    #[test]
    fn requests_and_replies() {
        check(&[4, 0, 1, 0, 2], &[4, 4, 0x10, 0x01, 0x10, 0x02]);
        check(&[4, 0, 3, 0, 2], &[0x84, 2]);
        check(&[4, 0, 0, 0, 0], &[0x84, 3]);
        check(&[4, 0, 0, 0, 126], &[0x84, 3]);
        check(&[4, 0xFF, 0xFF, 0, 2], &[0x84, 2]);
        check(&[4, 0, 0], &[0x84, 3]);
        check(&[3, 0, 0, 0, 1], &[3, 2, 0, 7]);
        check(&[1, 0, 0, 0, 1], &[1, 1, 1]);
        check(&[2, 0, 0, 0, 3], &[2, 1, 0b010]);
        check(&[2, 0, 0, 0, 4], &[0x82, 2]);
        check(&[5, 0, 0, 0xFF, 0], &[5, 0, 0, 0xFF, 0]);
        check(&[5, 0, 0, 0x12, 0x34], &[0x85, 3]);
        check(&[5, 0, 1, 0, 0], &[0x85, 2]);
        check(&[0x0F, 0, 0, 0, 1, 1, 0], &[0x0F, 0, 0, 0, 1]);
        check(&[0x0F, 0, 0, 0, 1, 2, 0], &[0x8F, 3]);
        check(&[6, 0, 0, 0, 1], &[0x86, 2]);
        check(&[0x2B, 0x0E, 1, 0], &[0xAB, 1]);
        check(&[], &[]);
    }

    #[test]
    fn coil_write_takes_effect() {
        let mut map = Map { coil: true };
        let mut out = [0u8; MAX_PDU_LEN];
        respond(&mut map, &[5, 0, 0, 0, 0], &mut out);
        assert!(!map.coil);
    }
}
