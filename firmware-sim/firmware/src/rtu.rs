//! RTU framing: CRC-16/MODBUS and request frame boundaries.
//!
//! Spec: Modbus over Serial Line v1.02, section 2.5.1 (frame: address, PDU,
//! CRC low byte first) and 2.5.1.1 (3.5 character silence between frames;
//! fixed 1.75 ms above 19200 baud).

/// Largest RTU frame (section 2.5.1): address + 253-byte PDU + CRC.
pub const MAX_FRAME_LEN: usize = 256;

/// CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF) of `data`.
#[must_use]
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// Why a buffer is not a request frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Shorter than address + function + CRC.
    TooShort,
    /// Longer than [`MAX_FRAME_LEN`].
    TooLong,
    /// The CRC does not match.
    BadCrc,
}

/// Split a complete frame into `(unit id, PDU)` after checking its CRC.
///
/// # Errors
/// See [`FrameError`].
pub fn parse_frame(frame: &[u8]) -> Result<(u8, &[u8]), FrameError> {
    if frame.len() < 4 {
        return Err(FrameError::TooShort);
    }
    if frame.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLong);
    }
    let (body, crc) = frame.split_at(frame.len() - 2);
    if crc16(body).to_le_bytes() != [crc[0], crc[1]] {
        return Err(FrameError::BadCrc);
    }
    Ok((body[0], &body[1..]))
}

/// Write `unit`, `pdu` and the CRC into `out`; returns the frame length, or
/// 0 when `out` is too small.
pub fn encode_frame(unit: u8, pdu: &[u8], out: &mut [u8]) -> usize {
    let n = pdu.len() + 3;
    if out.len() < n {
        return 0;
    }
    out[0] = unit;
    out[1..=pdu.len()].copy_from_slice(pdu);
    let crc = crc16(&out[..=pdu.len()]).to_le_bytes();
    out[pdu.len() + 1..n].copy_from_slice(&crc);
    n
}

/// Length of the request frame starting at `buf[0]`, if the function code
/// fixes it and enough bytes are there to know; `None` means "wait for more
/// bytes or for the 3.5 character silence".
#[must_use]
pub fn request_len(buf: &[u8]) -> Option<usize> {
    match *buf.get(1)? {
        0x01..=0x06 => Some(8),
        0x0F | 0x10 => Some(9 + usize::from(*buf.get(6)?)),
        _ => None,
    }
}

/// The 3.5 character silence that ends a frame, in microseconds, for 11-bit characters.
#[must_use]
pub fn t3_5_us(baud: u32) -> u32 {
    if baud > 19_200 || baud == 0 {
        1_750
    } else {
        // 3.5 chars * 11 bits * 1e6 us / baud
        38_500_000 / baud
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_spec_example() {
        // Read 2 holding registers from address 0x006B of unit 0x11 (Modbus over Serial Line, 6.2.2 style).
        assert_eq!(
            crc16(&[0x11, 0x03, 0x00, 0x6B, 0x00, 0x03]).to_le_bytes(),
            [0x76, 0x87]
        );
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }

    #[test]
    fn frames_round_trip_and_reject_corruption() {
        let mut f = [0u8; MAX_FRAME_LEN];
        let n = encode_frame(7, &[4, 0, 0, 0, 2], &mut f);
        assert_eq!(n, 8);
        assert_eq!(request_len(&f[..n]), Some(8));
        assert_eq!(parse_frame(&f[..n]), Ok((7, &[4u8, 0, 0, 0, 2][..])));
        f[3] ^= 1;
        assert_eq!(parse_frame(&f[..n]), Err(FrameError::BadCrc));
        assert_eq!(parse_frame(&f[..3]), Err(FrameError::TooShort));
        assert_eq!(request_len(&[1, 0x10, 0, 0, 0, 1]), None);
        assert_eq!(request_len(&[1, 0x10, 0, 0, 0, 1, 2]), Some(11));
        assert_eq!(t3_5_us(9_600), 4_010);
        assert_eq!(t3_5_us(115_200), 1_750);
    }
}
