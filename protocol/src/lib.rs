#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod column;
pub mod frame;
pub mod message;
pub mod types;

pub use column::{BatchError, IntColumn};
pub use frame::{FrameError, MAX_FRAME_LEN, decode_frame, encode_frame, payload_len};
pub use message::{
    Ack, Batch, ChannelDesc, Coding, Column, Hello, Message, QualityRun, Reject, RejectReason,
    Values, Welcome,
};
pub use types::{ChannelId, Epoch, Quality, Reading, Reason, Seq, UtcMillis, Variable};

/// The protocol version this build speaks, carried first in [`Hello`].
pub const PROTOCOL_VERSION: u16 = 1;

/// The oldest protocol version this build still accepts.
pub const MIN_PROTOCOL_VERSION: u16 = 1;

/// QUIC ALPN identifier of the Caudal sync protocol.
pub const ALPN: &[u8] = b"caudal/1";

/// Upper bound on readings in one [`Batch`]; checked before any column is expanded.
pub const MAX_BATCH_READINGS: u32 = 65_536;

/// Check a peer's protocol version against the range this build supports.
///
/// # Errors
/// A [`Reject`] with [`RejectReason::UnsupportedVersion`] naming the supported range.
pub fn negotiate_version(peer: u16) -> Result<u16, Reject> {
    if (MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&peer) {
        Ok(peer)
    } else {
        Err(Reject {
            reason: RejectReason::UnsupportedVersion {
                min: MIN_PROTOCOL_VERSION,
                max: PROTOCOL_VERSION,
            },
            detail: format!(
                "protocol version {peer} is not supported; this collector speaks {MIN_PROTOCOL_VERSION}..={PROTOCOL_VERSION}"
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_version_is_refused_with_the_supported_range() {
        assert_eq!(negotiate_version(PROTOCOL_VERSION), Ok(PROTOCOL_VERSION));
        let reject = negotiate_version(PROTOCOL_VERSION + 1).unwrap_err();
        assert_eq!(
            reject.reason,
            RejectReason::UnsupportedVersion {
                min: MIN_PROTOCOL_VERSION,
                max: PROTOCOL_VERSION
            }
        );
        assert!(
            reject
                .detail
                .contains("protocol version 2 is not supported"),
            "{}",
            reject.detail
        );
        assert!(negotiate_version(0).is_err());
    }
}
