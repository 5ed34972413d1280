//! Register words to raw values, and raw values to engineering values.
//!
//! A channel's registers decode to one raw `i64` that keeps the value's bits:
//! `u16`/`u32` zero-extended, `i16`/`i32` sign-extended, `u64` as its bit
//! pattern, `f32` as its 32 bits zero-extended, `f64` as its 64 bits. The
//! engineering value is then [`Coding::value`] of that raw value, so the
//! agent and the wire derive it the same way (see `caudal_protocol::Coding`).
//!
//! Byte orders are named by the byte sequence on the wire for a value whose
//! big-endian bytes are `A B C D` (for 64-bit values `A..H`, same rule):
//! `Abcd` big-endian words and bytes (Modbus standard), `Cdab` word swap,
//! `Badc` byte swap inside each word, `Dcba` fully little-endian. A one-word
//! value honours the byte swap of `Badc`/`Dcba` only.

use caudal_config::agent::{ByteOrder, DataType};
use caudal_protocol::Coding;

/// Why registers could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The reply had fewer words than the type spans.
    #[error("expected {expected} registers, got {got}")]
    Short {
        /// Words the type needs.
        expected: usize,
        /// Words available.
        got: usize,
    },
    /// A float decoded to NaN or infinity.
    #[error("float register value is not finite")]
    NotFinite {
        /// The raw bits, kept for the record.
        raw: i64,
    },
}

/// Big-endian bytes of the value in `words` (exactly `dt.registers()` words).
fn big_endian_bytes(words: &[u16], order: ByteOrder, out: &mut [u8; 8]) -> usize {
    let n = words.len() * 2;
    for (i, w) in words.iter().enumerate() {
        let [hi, lo] = w.to_be_bytes();
        out[2 * i] = hi;
        out[2 * i + 1] = lo;
    }
    let bytes = &mut out[..n];
    match order {
        ByteOrder::Abcd => {}
        ByteOrder::Dcba => bytes.reverse(),
        ByteOrder::Badc => bytes.chunks_exact_mut(2).for_each(<[u8]>::reverse),
        ByteOrder::Cdab => {
            // Reverse the word order, keep the bytes inside each word.
            bytes.reverse();
            bytes.chunks_exact_mut(2).for_each(<[u8]>::reverse);
        }
    }
    n
}

/// Decode the first `dt.registers()` words of `words` into a raw value.
///
/// # Errors
/// [`DecodeError::Short`] when `words` is too short, [`DecodeError::NotFinite`]
/// for NaN/infinite floats (the caller still records the raw bits).
pub fn decode(words: &[u16], dt: DataType, order: ByteOrder) -> Result<i64, DecodeError> {
    let need = usize::from(dt.registers());
    let words = words.get(..need).ok_or(DecodeError::Short {
        expected: need,
        got: words.len(),
    })?;
    let mut buf = [0u8; 8];
    let n = big_endian_bytes(words, order, &mut buf);
    let b = &buf[..n];
    let raw = match dt {
        DataType::U16 => i64::from(u16::from_be_bytes([b[0], b[1]])),
        DataType::I16 => i64::from(i16::from_be_bytes([b[0], b[1]])),
        DataType::U32 => i64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        DataType::I32 => i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        DataType::U64 => i64::from_be_bytes(buf),
        DataType::F32 => {
            let bits = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
            let raw = i64::from(bits);
            if !f32::from_bits(bits).is_finite() {
                return Err(DecodeError::NotFinite { raw });
            }
            raw
        }
        DataType::F64 => {
            let bits = u64::from_be_bytes(buf);
            let raw = i64::from_ne_bytes(bits.to_ne_bytes());
            if !f64::from_bits(bits).is_finite() {
                return Err(DecodeError::NotFinite { raw });
            }
            raw
        }
    };
    Ok(raw)
}

/// The coding of a channel read as `dt`, with optional bit field, scale and offset.
///
/// Counters are not decided here (see [`crate::spec`]).
#[must_use]
pub fn coding_for(dt: DataType, bits: Option<(u8, u8)>, scale: f64, offset: f64) -> Coding {
    if let Some((shift, width)) = bits {
        return Coding::Bits { shift, width };
    }
    match dt {
        DataType::F32 => Coding::Float32 { scale, offset },
        DataType::F64 => Coding::Float64 { scale, offset },
        DataType::U16 | DataType::I16 | DataType::U32 | DataType::I32 | DataType::U64 => {
            Coding::Linear { scale, offset }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ByteOrder::{Abcd, Badc, Cdab, Dcba};
    use DataType::{F32, F64, I16, I32, U16, U32, U64};

    #[track_caller]
    fn check(words: &[u16], dt: DataType, order: ByteOrder, expected: i64) {
        assert_eq!(
            decode(words, dt, order),
            Ok(expected),
            "{words:04x?} as {dt:?} {order:?}"
        );
    }

    #[test]
    fn integers_in_all_four_orders() {
        // 0x12345678 = 305419896.
        check(&[0x1234, 0x5678], U32, Abcd, 0x1234_5678);
        check(&[0x5678, 0x1234], U32, Cdab, 0x1234_5678);
        check(&[0x3412, 0x7856], U32, Badc, 0x1234_5678);
        check(&[0x7856, 0x3412], U32, Dcba, 0x1234_5678);
        // -2 as i32.
        check(&[0xFFFF, 0xFFFE], I32, Abcd, -2);
        check(&[0xFFFE, 0xFFFF], I32, Cdab, -2);
        check(&[0xFFFF, 0xFEFF], I32, Badc, -2);
        check(&[0xFEFF, 0xFFFF], I32, Dcba, -2);
        // u16/i16: only byte swaps apply.
        check(&[0xFFFE], U16, Abcd, 65534);
        check(&[0xFFFE], U16, Cdab, 65534);
        check(&[0xFEFF], U16, Badc, 65534);
        check(&[0xFEFF], U16, Dcba, 65534);
        check(&[0xFFFE], I16, Abcd, -2);
        check(&[0x8000], I16, Abcd, -32768);
        check(&[0x0080], I16, Dcba, -32768);
        // u64 0x0102030405060708.
        let v = 0x0102_0304_0506_0708;
        check(&[0x0102, 0x0304, 0x0506, 0x0708], U64, Abcd, v);
        check(&[0x0708, 0x0506, 0x0304, 0x0102], U64, Cdab, v);
        check(&[0x0201, 0x0403, 0x0605, 0x0807], U64, Badc, v);
        check(&[0x0807, 0x0605, 0x0403, 0x0201], U64, Dcba, v);
        // u64 keeps all 64 bits.
        check(&[0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], U64, Abcd, -1);
        // Extra words are ignored.
        check(&[0x0001, 0xAAAA], U16, Abcd, 1);
    }

    #[test]
    fn floats_in_all_four_orders() {
        // 12.5f32 = 0x41480000.
        let raw = i64::from(12.5f32.to_bits());
        check(&[0x4148, 0x0000], F32, Abcd, raw);
        check(&[0x0000, 0x4148], F32, Cdab, raw);
        check(&[0x4841, 0x0000], F32, Badc, raw);
        check(&[0x0000, 0x4841], F32, Dcba, raw);
        // 1234.5f64 = 0x40934A0000000000.
        let raw = i64::from_ne_bytes(1234.5f64.to_bits().to_ne_bytes());
        check(&[0x4093, 0x4A00, 0, 0], F64, Abcd, raw);
        check(&[0, 0, 0x4A00, 0x4093], F64, Cdab, raw);
        check(&[0x9340, 0x004A, 0, 0], F64, Badc, raw);
        check(&[0, 0, 0x004A, 0x9340], F64, Dcba, raw);
        let c = coding_for(F64, None, 1.0, 0.0);
        assert_eq!(c.value(raw, None), 1234.5);
        let c = coding_for(F32, None, 2.0, 1.0);
        assert_eq!(c.value(i64::from(12.5f32.to_bits()), None), 26.0);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(
            decode(&[1], U32, Abcd),
            Err(DecodeError::Short {
                expected: 2,
                got: 1
            })
        );
        assert_eq!(
            decode(&[], U16, Abcd),
            Err(DecodeError::Short {
                expected: 1,
                got: 0
            })
        );
        let nan = i64::from(f32::NAN.to_bits());
        let [hi, lo] = [0x7FC0u16, 0x0000];
        assert_eq!(
            decode(&[hi, lo], F32, Abcd),
            Err(DecodeError::NotFinite { raw: nan })
        );
        assert!(matches!(
            decode(&[0x7FF0, 0, 0, 0], F64, Abcd),
            Err(DecodeError::NotFinite { .. })
        ));
    }

    #[test]
    fn scale_offset_and_bit_fields() {
        let c = coding_for(U16, None, 0.01, 0.0);
        assert!((c.value(1234, None) - 12.34).abs() < 1e-12);
        let c = coding_for(I16, None, 0.1, -5.0);
        assert!((c.value(-20, None) - -7.0).abs() < 1e-12);
        // Status word 0b1010: bit0 running = 0, bit1 dry-run = 1, bit3 trip = 1.
        let status = 0b1010;
        assert_eq!(
            coding_for(U16, Some((0, 1)), 1.0, 0.0).value(status, None),
            0.0
        );
        assert_eq!(
            coding_for(U16, Some((1, 1)), 1.0, 0.0).value(status, None),
            1.0
        );
        assert_eq!(
            coding_for(U16, Some((3, 1)), 1.0, 0.0).value(status, None),
            1.0
        );
        assert_eq!(
            coding_for(U16, Some((1, 3)), 1.0, 0.0).value(status, None),
            5.0
        );
    }

    proptest::proptest! {
        #[test]
        fn any_words_decode_without_panic(words in proptest::collection::vec(proptest::num::u16::ANY, 0..6), t in 0usize..7, o in 0usize..4) {
            let dt = [U16, I16, U32, I32, U64, F32, F64][t];
            let order = [Abcd, Cdab, Badc, Dcba][o];
            let _ = decode(&words, dt, order);
        }

        #[test]
        fn u32_round_trips_in_every_order(v in proptest::num::u32::ANY) {
            let [a, b, c, d] = v.to_be_bytes();
            let w = |x: u8, y: u8| u16::from_be_bytes([x, y]);
            for (order, words) in [
                (Abcd, [w(a, b), w(c, d)]),
                (Cdab, [w(c, d), w(a, b)]),
                (Badc, [w(b, a), w(d, c)]),
                (Dcba, [w(d, c), w(b, a)]),
            ] {
                proptest::prop_assert_eq!(decode(&words, U32, order), Ok(i64::from(v)));
            }
        }
    }
}
