//! A UDP proxy that mistreats datagrams between one QUIC client and its
//! server: drops, duplicates, reorders, delays, and cuts the link entirely.
//! Deterministic under a seed; every fault is counted.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Faults applied to each datagram, in both directions; change them at any time.
#[derive(Debug, Default)]
pub struct Faults {
    /// Chance a datagram is dropped, per mille.
    pub drop_per_mille: AtomicU32,
    /// Chance a datagram is sent twice, per mille.
    pub duplicate_per_mille: AtomicU32,
    /// Chance a datagram is held back and sent after the next one, per mille.
    pub reorder_per_mille: AtomicU32,
    /// Extra delay of every datagram, ms.
    pub delay_ms: AtomicU64,
    /// While set, every datagram is dropped (the link is cut).
    pub cut: AtomicBool,
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Datagrams received from either side.
    pub seen: AtomicU64,
    /// Dropped (random or cut).
    pub dropped: AtomicU64,
    /// Duplicated.
    pub duplicated: AtomicU64,
    /// Reordered.
    pub reordered: AtomicU64,
    /// Bytes forwarded client -> server (UDP payload).
    pub bytes_up: AtomicU64,
    /// Datagrams forwarded client -> server.
    pub datagrams_up: AtomicU64,
    /// Datagrams forwarded server -> client.
    pub datagrams_down: AtomicU64,
    /// Bytes forwarded server -> client.
    pub bytes_down: AtomicU64,
}

/// A running proxy.
#[derive(Debug)]
pub struct UdpProxy {
    /// Where the client should connect.
    pub addr: SocketAddr,
    /// Live fault knobs.
    pub faults: Arc<Faults>,
    /// Counters.
    pub stats: Arc<Stats>,
    stop: CancellationToken,
}

impl Drop for UdpProxy {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

struct Rng(u64);
impl Rng {
    fn per_mille(&mut self, p: u32) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        p > 0 && u32::try_from(self.0 % 1000).unwrap_or(0) < p
    }
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Pending {
    at: Instant,
    order: u64,
    up: bool,
    bytes: Vec<u8>,
}

impl UdpProxy {
    /// Start proxying from a fresh loopback port to `upstream`.
    ///
    /// # Errors
    /// Socket errors.
    pub async fn start(upstream: SocketAddr, seed: u64) -> std::io::Result<UdpProxy> {
        let front = UdpSocket::bind("127.0.0.1:0").await?;
        let back = UdpSocket::bind("127.0.0.1:0").await?;
        back.connect(upstream).await?;
        let addr = front.local_addr()?;
        let faults = Arc::new(Faults::default());
        let stats = Arc::new(Stats::default());
        let stop = CancellationToken::new();
        let (f, s, st) = (faults.clone(), stats.clone(), stop.clone());
        tokio::spawn(async move {
            let mut rng = Rng(seed | 1);
            let mut client: Option<SocketAddr> = None;
            let mut heap: BinaryHeap<Reverse<Pending>> = BinaryHeap::new();
            let mut held: [Option<Vec<u8>>; 2] = [None, None];
            let mut order = 0u64;
            let mut buf_front = vec![0u8; 65_536];
            let mut buf_back = vec![0u8; 65_536];
            loop {
                let next_due = heap.peek().map(|Reverse(p)| p.at);
                let (up, bytes) = tokio::select! {
                    () = st.cancelled() => return,
                    r = front.recv_from(&mut buf_front) => match r {
                        Ok((n, from)) => { client = Some(from); (true, buf_front[..n].to_vec()) }
                        Err(_) => continue,
                    },
                    r = back.recv(&mut buf_back) => match r {
                        Ok(n) => (false, buf_back[..n].to_vec()),
                        Err(_) => continue,
                    },
                    () = async { match next_due { Some(at) => tokio::time::sleep_until(at).await, None => std::future::pending().await } } => {
                        let now = Instant::now();
                        while heap.peek().is_some_and(|Reverse(p)| p.at <= now) {
                            let Some(Reverse(p)) = heap.pop() else { break };
                            forward(&front, &back, client, p.up, &p.bytes, &s).await;
                        }
                        continue;
                    }
                };
                s.seen.fetch_add(1, Relaxed);
                if f.cut.load(Relaxed) || rng.per_mille(f.drop_per_mille.load(Relaxed)) {
                    s.dropped.fetch_add(1, Relaxed);
                    continue;
                }
                let copies = if rng.per_mille(f.duplicate_per_mille.load(Relaxed)) {
                    s.duplicated.fetch_add(1, Relaxed);
                    2
                } else {
                    1
                };
                let dir = usize::from(up);
                let mut out = Vec::with_capacity(3);
                if rng.per_mille(f.reorder_per_mille.load(Relaxed)) && held[dir].is_none() {
                    s.reordered.fetch_add(1, Relaxed);
                    held[dir] = Some(bytes);
                    continue;
                }
                for _ in 0..copies {
                    out.push(bytes.clone());
                }
                if let Some(h) = held[dir].take() {
                    out.push(h); // the held datagram goes after this one
                }
                let delay = Duration::from_millis(f.delay_ms.load(Relaxed));
                for b in out {
                    if delay.is_zero() {
                        forward(&front, &back, client, up, &b, &s).await;
                    } else {
                        order += 1;
                        heap.push(Reverse(Pending {
                            at: Instant::now() + delay,
                            order,
                            up,
                            bytes: b,
                        }));
                    }
                }
            }
        });
        Ok(UdpProxy {
            addr,
            faults,
            stats,
            stop,
        })
    }

    /// Cut or restore the link.
    pub fn set_cut(&self, cut: bool) {
        self.faults.cut.store(cut, Relaxed);
    }
}

async fn forward(
    front: &UdpSocket,
    back: &UdpSocket,
    client: Option<SocketAddr>,
    up: bool,
    bytes: &[u8],
    s: &Stats,
) {
    let n = u64::try_from(bytes.len()).unwrap_or(0);
    if up {
        if back.send(bytes).await.is_ok() {
            s.bytes_up.fetch_add(n, Relaxed);
            s.datagrams_up.fetch_add(1, Relaxed);
        }
    } else if let Some(c) = client
        && front.send_to(bytes, c).await.is_ok()
    {
        s.bytes_down.fetch_add(n, Relaxed);
        s.datagrams_down.fetch_add(1, Relaxed);
    }
}
