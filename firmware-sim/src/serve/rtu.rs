//! Modbus RTU slave on the master side of a pseudo-terminal.
//!
//! Framing (Modbus over Serial Line v1.02, 2.5.1): a request ends when its
//! function code says it is complete, or after 3.5 characters of silence. A
//! frame with a bad CRC is resynchronised by dropping one byte at a time
//! (bounded by the buffer); silence discards what is left.

use std::time::Duration;

use caudal_firmware::rtu::{self, MAX_FRAME_LEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_serial::SerialStream;
use tokio_util::sync::CancellationToken;

use super::{Bus, lock, on_the_wire};

/// Serve the devices of `bus` on `port` until `shutdown`.
pub(crate) async fn run(mut port: SerialStream, bus: Bus, baud: u32, shutdown: CancellationToken) {
    let silence = Duration::from_micros(u64::from(rtu::t3_5_us(baud)));
    let mut buf: Vec<u8> = Vec::with_capacity(2 * MAX_FRAME_LEN);
    let mut chunk = [0u8; MAX_FRAME_LEN];
    let mut dropped = 0usize;
    loop {
        let waiting_for_more = !buf.is_empty();
        let read = async {
            if waiting_for_more {
                tokio::time::timeout(silence, port.read(&mut chunk))
                    .await
                    .ok()
            } else {
                Some(port.read(&mut chunk).await)
            }
        };
        let read = tokio::select! {
            () = shutdown.cancelled() => return,
            r = read => r,
        };
        match read {
            // 3.5 characters of silence: whatever is buffered is one frame or noise.
            None => {
                if rtu::parse_frame(&buf).is_ok() {
                    let frame = std::mem::take(&mut buf);
                    if let Err(error) = answer(&mut port, &bus, &frame).await {
                        tracing::warn!(error = %error, "RTU write failed");
                    }
                } else {
                    dropped += buf.len();
                    tracing::debug!(dropped_total = dropped, bytes = ?&buf[..std::cmp::min(buf.len(), 16)], "RTU noise discarded");
                    buf.clear();
                }
                continue;
            }
            Some(Ok(0)) => return,
            Some(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            Some(Err(error)) => {
                tracing::warn!(error = %error, "RTU read failed");
                return;
            }
        }
        while let Some(len) = rtu::request_len(&buf) {
            if buf.len() < len {
                break;
            }
            if rtu::parse_frame(&buf[..len]).is_ok() {
                let frame: Vec<u8> = buf.drain(..len).collect();
                if let Err(error) = answer(&mut port, &bus, &frame).await {
                    tracing::warn!(error = %error, "RTU write failed");
                }
            } else {
                buf.remove(0);
                dropped += 1;
            }
        }
        if buf.len() > MAX_FRAME_LEN {
            let excess = buf.len() - MAX_FRAME_LEN;
            buf.drain(..excess);
            dropped += excess;
        }
    }
}

async fn answer(port: &mut SerialStream, bus: &Bus, frame: &[u8]) -> std::io::Result<()> {
    let Ok((unit, pdu)) = rtu::parse_frame(frame) else {
        return Ok(());
    };
    if unit == 0 {
        for d in bus.devices() {
            lock(d).handle_broadcast(pdu);
        }
        return Ok(());
    }
    // Another slave's address: stay silent, as on a multidrop line.
    let Some(dev) = bus.route(unit, false) else {
        return Ok(());
    };
    let reply = lock(dev).handle(pdu);
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    let mut out = [0u8; MAX_FRAME_LEN];
    let n = rtu::encode_frame(unit, &reply.pdu, &mut out);
    if let Some(bytes) = on_the_wire(&reply, out[..n].to_vec()) {
        port.write_all(&bytes).await?;
        port.flush().await?;
    }
    Ok(())
}
