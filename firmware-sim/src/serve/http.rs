//! `GET /truth` (every device) and `GET /truth/<id>` (one device) as JSON, on
//! a local port. Hand-rolled HTTP/1.1, one request per connection.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use super::{DeviceRef, lock};

/// Largest request head read.
const MAX_REQUEST: usize = 8 * 1024;

/// Serve until `shutdown`.
pub(crate) async fn run(
    listener: TcpListener,
    devices: Arc<BTreeMap<String, DeviceRef>>,
    shutdown: CancellationToken,
) {
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => return,
            r = listener.accept() => match r { Ok((s, _)) => s, Err(_) => continue },
        };
        let devices = Arc::clone(&devices);
        let token = shutdown.child_token();
        tokio::spawn(async move {
            tokio::select! {
                () = token.cancelled() => {}
                r = tokio::time::timeout(std::time::Duration::from_secs(10), serve(stream, &devices)) => {
                    if let Ok(Err(error)) = r {
                        tracing::debug!(error = %error, "truth endpoint request failed");
                    }
                }
            }
        });
    }
}

async fn serve(
    mut stream: TcpStream,
    devices: &BTreeMap<String, DeviceRef>,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, body) = match (method, path.strip_prefix("/truth")) {
        ("GET", Some("" | "/")) => {
            let all: BTreeMap<&str, _> = devices
                .iter()
                .map(|(id, d)| (id.as_str(), lock(d).truth()))
                .collect();
            ("200 OK", serde_json::to_string(&all).unwrap_or_default())
        }
        ("GET", Some(rest)) => match rest.strip_prefix('/').and_then(|id| devices.get(id)) {
            Some(d) => (
                "200 OK",
                serde_json::to_string(&lock(d).truth()).unwrap_or_default(),
            ),
            None => ("404 Not Found", r#"{"error":"no such device"}"#.to_owned()),
        },
        _ => (
            "404 Not Found",
            r#"{"error":"use GET /truth or GET /truth/<device id>"}"#.to_owned(),
        ),
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(resp.as_bytes()).await?;
    stream.shutdown().await
}
