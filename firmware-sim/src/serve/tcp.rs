//! Modbus TCP server: MBAP framing (Modbus Messaging on TCP/IP
//! Implementation Guide v1.0b, section 3.1.3), several unit ids per port.

use std::sync::Arc;

use caudal_firmware::modbus::{Exception, MAX_PDU_LEN, exception_response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{Bus, lock, on_the_wire};

/// MBAP header: transaction id, protocol id, length, unit id.
const MBAP_LEN: usize = 7;
/// Connections served at once per port.
const MAX_CONNECTIONS: usize = 64;

/// Accept connections until `shutdown`.
pub(crate) async fn run(listener: TcpListener, bus: Bus, shutdown: CancellationToken) {
    let bus = Arc::new(bus);
    let limit = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => return,
            p = Arc::clone(&limit).acquire_owned() => match p { Ok(p) => p, Err(_) => return },
        };
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(error) => {
                    tracing::warn!(error = %error, "Modbus TCP accept failed");
                    continue;
                }
            },
        };
        let bus = Arc::clone(&bus);
        let token = shutdown.child_token();
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                () = token.cancelled() => {}
                r = serve(stream, &bus) => if let Err(error) = r {
                    tracing::debug!(peer = %peer, error = %error, "Modbus TCP connection ended");
                },
            }
        });
    }
}

async fn serve(mut stream: TcpStream, bus: &Bus) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut hdr = [0u8; MBAP_LEN];
    let mut pdu = [0u8; MAX_PDU_LEN];
    loop {
        match stream.read_exact(&mut hdr).await {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        }
        let len = usize::from(u16::from_be_bytes([hdr[4], hdr[5]]));
        // The length counts the unit id and the PDU; refuse anything else before reading it.
        if hdr[2..4] != [0, 0] || !(2..=MAX_PDU_LEN + 1).contains(&len) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "bad MBAP header",
            ));
        }
        let pdu = &mut pdu[..len - 1];
        stream.read_exact(pdu).await?;
        let unit = hdr[6];
        let Some(dev) = bus.route(unit, true) else {
            let mut out = [0u8; 2];
            let n = exception_response(pdu[0], Exception::GatewayTargetDevice, &mut out);
            stream.write_all(&frame(&hdr, &out[..n])).await?;
            continue;
        };
        let reply = lock(dev).handle(pdu);
        if let Some(d) = reply.delay {
            tokio::time::sleep(d).await;
        }
        if let Some(bytes) = on_the_wire(&reply, frame(&hdr, &reply.pdu)) {
            stream.write_all(&bytes).await?;
        }
    }
}

fn frame(req_hdr: &[u8; MBAP_LEN], pdu: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(MBAP_LEN + pdu.len());
    f.extend_from_slice(&req_hdr[..4]);
    let len = u16::try_from(pdu.len() + 1).unwrap_or(u16::MAX);
    f.extend_from_slice(&len.to_be_bytes());
    f.push(req_hdr[6]);
    f.extend_from_slice(pdu);
    f
}
