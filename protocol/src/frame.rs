//! Length-prefixed postcard frames. See the crate docs for the layout.

use crate::message::Message;

/// Largest payload accepted, checked from the length prefix before any allocation.
///
/// 4 MiB holds a full [`crate::MAX_BATCH_READINGS`] batch even with explicit values.
pub const MAX_FRAME_LEN: usize = 4 * 1024 * 1024;

/// Bytes of the length prefix.
pub const PREFIX_LEN: usize = 4;

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix announces more than [`MAX_FRAME_LEN`].
    #[error("frame of {len} bytes exceeds the limit of {MAX_FRAME_LEN} bytes")]
    TooLarge {
        /// Announced length.
        len: usize,
    },
    /// The payload is not a valid message.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// The payload decoded but left bytes over.
    #[error("malformed frame: {0} trailing bytes after the message")]
    TrailingBytes(usize),
}

/// Read and check a length prefix.
///
/// # Errors
/// [`FrameError::TooLarge`] before anything is allocated.
pub fn payload_len(prefix: [u8; PREFIX_LEN]) -> Result<usize, FrameError> {
    let len = u32::from_le_bytes(prefix) as usize;
    if len > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge { len });
    }
    Ok(len)
}

/// Encode a message as one frame (prefix + payload).
///
/// # Errors
/// [`FrameError::TooLarge`] when the payload would exceed [`MAX_FRAME_LEN`].
pub fn encode_frame(msg: &Message) -> Result<Vec<u8>, FrameError> {
    let mut out = vec![0u8; PREFIX_LEN];
    let mut out = postcard::to_extend(msg, std::mem::take(&mut out))
        .map_err(|e| FrameError::Malformed(e.to_string()))?;
    let len = out.len() - PREFIX_LEN;
    if len > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge { len });
    }
    let prefix = u32::try_from(len).map_err(|_| FrameError::TooLarge { len })?;
    out[..PREFIX_LEN].copy_from_slice(&prefix.to_le_bytes());
    Ok(out)
}

/// Decode a payload (without its prefix) into a message.
///
/// # Errors
/// [`FrameError::Malformed`] or [`FrameError::TrailingBytes`].
pub fn decode_payload(payload: &[u8]) -> Result<Message, FrameError> {
    if payload.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLarge { len: payload.len() });
    }
    let (msg, rest) = postcard::take_from_bytes::<Message>(payload)
        .map_err(|e| FrameError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(FrameError::TrailingBytes(rest.len()));
    }
    Ok(msg)
}

/// Decode one frame from the front of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, or the message and the
/// number of bytes it used.
///
/// # Errors
/// A [`FrameError`]; the stream is then unusable and should be closed.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Message, usize)>, FrameError> {
    let Some(prefix) = buf.first_chunk::<PREFIX_LEN>() else {
        return Ok(None);
    };
    let len = payload_len(*prefix)?;
    let Some(payload) = buf.get(PREFIX_LEN..PREFIX_LEN + len) else {
        return Ok(None);
    };
    Ok(Some((decode_payload(payload)?, PREFIX_LEN + len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Ack;
    use crate::types::{Epoch, Seq};

    #[test]
    fn oversized_prefix_is_refused_before_the_payload_arrives() {
        let prefix = u32::try_from(MAX_FRAME_LEN + 1).unwrap().to_le_bytes();
        assert_eq!(
            decode_frame(&prefix),
            Err(FrameError::TooLarge {
                len: MAX_FRAME_LEN + 1
            })
        );
    }

    #[test]
    fn partial_frames_ask_for_more() {
        let frame = encode_frame(&Message::Ack(Ack {
            epoch: Epoch(7),
            up_to_seq: Seq(42),
        }))
        .unwrap();
        for cut in 0..frame.len() {
            assert_eq!(decode_frame(&frame[..cut]), Ok(None), "cut at {cut}");
        }
        let (msg, used) = decode_frame(&frame).unwrap().unwrap();
        assert_eq!(used, frame.len());
        assert_eq!(
            msg,
            Message::Ack(Ack {
                epoch: Epoch(7),
                up_to_seq: Seq(42)
            })
        );
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut frame = encode_frame(&Message::Ack(Ack {
            epoch: Epoch(7),
            up_to_seq: Seq(42),
        }))
        .unwrap();
        frame.push(0);
        let len = u32::try_from(frame.len() - PREFIX_LEN).unwrap();
        frame[..4].copy_from_slice(&len.to_le_bytes());
        assert_eq!(decode_frame(&frame), Err(FrameError::TrailingBytes(1)));
    }
}
