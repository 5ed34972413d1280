//! A running field of simulated wells: the devices, their servers, the
//! clock that drives them, and the API tests use.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use caudal_config::UnitId;
use caudal_config::Validate;
use caudal_config::sim::{SimConfig, SimDevice as DeviceConfig, SimTransport};
use tokio::net::TcpListener;
use tokio_serial::{SerialPort, SerialStream};
use tokio_util::sync::{CancellationToken, DropGuard};
use tokio_util::task::TaskTracker;

use crate::device::SimDevice;
use crate::error::SimError;
use crate::fault::{Fault, FaultKind};
use crate::serve::{Bus, DeviceRef, http, lock, rtu, tcp};
use crate::truth::GroundTruth;

/// Real time between two catch-ups of the model.
const TICK: Duration = Duration::from_millis(10);

/// Where a device can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Modbus TCP at this address.
    Tcp(SocketAddr),
    /// Modbus RTU on this pty slave.
    Rtu(PathBuf),
}

/// One device as listed by [`Field::devices`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Device id.
    pub id: String,
    /// Modbus unit id.
    pub unit_id: u8,
    /// Where it listens.
    pub endpoint: Endpoint,
}

#[derive(Debug)]
struct Clock {
    start: Instant,
    scale: f64,
    manual_ms: AtomicU64,
}

impl Clock {
    fn due_ms(&self) -> u64 {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "non-negative, far below 2^64 ms"
        )]
        let real = (self.start.elapsed().as_secs_f64() * self.scale * 1000.0) as u64;
        real.saturating_add(self.manual_ms.load(Relaxed))
    }
}

#[derive(Debug)]
struct Entry {
    dev: DeviceRef,
    info: DeviceInfo,
}

/// A running field.
#[derive(Debug)]
pub struct Field {
    devices: BTreeMap<String, Entry>,
    order: Vec<String>,
    clock: Arc<Clock>,
    shutdown: CancellationToken,
    _guard: DropGuard,
    tracker: TaskTracker,
    truth_addr: SocketAddr,
    /// Slave sides of the ptys, held open so the line stays up between clients.
    _slaves: Vec<SerialStream>,
    symlinks: Vec<PathBuf>,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The devices of `cfg`, with the fleet expanded.
#[must_use]
pub fn expand_devices(cfg: &SimConfig) -> Vec<DeviceConfig> {
    let mut out = cfg.devices.clone();
    if let Some(f) = &cfg.fleet {
        let per_port = u32::from(std::cmp::max(*f.devices_per_port.get_ref(), 1));
        let cycle = cfg.pump.on_s.get() + cfg.pump.off_s.get();
        for n in 0..f.count.get_ref().get() {
            let unit = i64::from(n % per_port + 1);
            let Ok(unit) = UnitId::try_from(unit) else {
                continue;
            };
            let mut d = DeviceConfig::tcp(&format!("{}{}", f.id_prefix, n + 1), unit);
            d.listen = toml::Spanned::new(0..0, f.listen);
            if per_port > 1 {
                d.gateway = Some(toml::Spanned::new(
                    0..0,
                    format!("{}port-{}", f.id_prefix, n / per_port),
                ));
            }
            d.counter_bits = f.counter_bits.clone();
            let mut pump = cfg.pump;
            // Spread the starts so the fleet does not switch in step.
            let phase = (f64::from(n) * 977.0).rem_euclid(cycle);
            pump.phase_s = phase.try_into().unwrap_or(pump.phase_s);
            d.pump = Some(pump);
            out.push(d);
        }
    }
    out
}

impl Field {
    /// Build every device, bind every server (port 0 = a free port on that
    /// address), open the ptys and start the clock.
    ///
    /// # Errors
    /// A bind, pty or symlink failure, or a config that fails validation.
    pub async fn start(cfg: &SimConfig) -> Result<Field, SimError> {
        if let Some(first) = cfg.validate().into_iter().next() {
            return Err(SimError::Config(format!(
                "{}: {}",
                first.path, first.message
            )));
        }
        let step_ms = cfg.model_step_ms.get();
        let configs = expand_devices(cfg);
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let mut devices = BTreeMap::new();
        let mut order = Vec::new();
        // Bus key -> (bus, the first device's config, its members).
        let mut buses: Vec<(Bus, DeviceConfig, Vec<String>)> = Vec::new();
        let mut bus_index: HashMap<String, usize> = HashMap::new();
        for (i, dc) in configs.iter().enumerate() {
            let pump = dc.pump.unwrap_or(cfg.pump);
            let aquifer = dc.aquifer.unwrap_or(cfg.aquifer);
            let seed = splitmix(cfg.seed ^ splitmix(u64::try_from(i).unwrap_or(u64::MAX)));
            let dev = Arc::new(Mutex::new(SimDevice::new(dc, pump, aquifer, step_ms, seed)));
            let key = match &dc.gateway {
                Some(g) => format!("{:?}/{}", dc.transport.get_ref(), g.get_ref()),
                None => format!("device/{}", dc.id.get_ref()),
            };
            let at = *bus_index.entry(key).or_insert_with(|| {
                buses.push((Bus::default(), dc.clone(), Vec::new()));
                buses.len() - 1
            });
            buses[at]
                .0
                .insert(dc.unit_id.get_ref().get(), Arc::clone(&dev));
            buses[at].2.push(dc.id.get_ref().clone());
            order.push(dc.id.get_ref().clone());
            let info = DeviceInfo {
                id: dc.id.get_ref().clone(),
                unit_id: dc.unit_id.get_ref().get(),
                endpoint: Endpoint::Tcp(*dc.listen.get_ref()),
            };
            devices.insert(dc.id.get_ref().clone(), Entry { dev, info });
        }
        let mut slaves = Vec::new();
        let mut symlinks = Vec::new();
        for (bus, first, members) in buses {
            let endpoint = match first.transport.get_ref() {
                SimTransport::Tcp => {
                    let addr = *first.listen.get_ref();
                    let listener =
                        TcpListener::bind(addr)
                            .await
                            .map_err(|source| SimError::Bind {
                                addr,
                                what: format!("Modbus TCP of {}", first.id.get_ref()),
                                source,
                            })?;
                    let local = listener.local_addr().map_err(|source| SimError::Bind {
                        addr,
                        what: "Modbus TCP".to_owned(),
                        source,
                    })?;
                    tracker.spawn(tcp::run(listener, bus, shutdown.child_token()));
                    Endpoint::Tcp(local)
                }
                SimTransport::Rtu => {
                    let device = first.id.get_ref().clone();
                    // The slave end takes no lock (`pair` sets neither TIOCEXCL nor flock),
                    // so a client can open it by path, exclusively if it likes.
                    let (master, slave) = SerialStream::pair().map_err(|source| SimError::Pty {
                        device: device.clone(),
                        source,
                    })?;
                    let path = PathBuf::from(slave.name().unwrap_or_default());
                    if let Some(link) = &first.symlink {
                        let link = link.get_ref().clone();
                        let _ = std::fs::remove_file(&link);
                        std::os::unix::fs::symlink(&path, &link).map_err(|source| {
                            SimError::Symlink {
                                path: link.clone(),
                                device,
                                source,
                            }
                        })?;
                        symlinks.push(link);
                    }
                    slaves.push(slave);
                    let baud = first.baud.as_ref().map_or(9600, |b| *b.get_ref());
                    tracker.spawn(rtu::run(master, bus, baud, shutdown.child_token()));
                    Endpoint::Rtu(path)
                }
            };
            for id in members {
                if let Some(e) = devices.get_mut(&id) {
                    e.info.endpoint = endpoint.clone();
                }
            }
        }
        let truth_listener = TcpListener::bind(cfg.truth_listen)
            .await
            .map_err(|source| SimError::Bind {
                addr: cfg.truth_listen,
                what: "the truth endpoint".to_owned(),
                source,
            })?;
        let truth_addr = truth_listener
            .local_addr()
            .map_err(|source| SimError::Bind {
                addr: cfg.truth_listen,
                what: "the truth endpoint".to_owned(),
                source,
            })?;
        let refs: Arc<BTreeMap<String, DeviceRef>> = Arc::new(
            devices
                .iter()
                .map(|(k, e)| (k.clone(), Arc::clone(&e.dev)))
                .collect(),
        );
        tracker.spawn(http::run(
            truth_listener,
            Arc::clone(&refs),
            shutdown.child_token(),
        ));
        let clock = Arc::new(Clock {
            start: Instant::now(),
            scale: cfg.time_scale.get(),
            manual_ms: AtomicU64::new(0),
        });
        if clock.scale > 0.0 {
            tracker.spawn(tick(Arc::clone(&clock), refs, shutdown.child_token()));
        }
        Ok(Field {
            devices,
            order,
            clock,
            _guard: shutdown.clone().drop_guard(),
            shutdown,
            tracker,
            truth_addr,
            _slaves: slaves,
            symlinks,
        })
    }

    fn entry(&self, id: &str) -> Option<&Entry> {
        self.devices.get(id)
    }

    /// The Modbus TCP address of a device (`None` for RTU devices and unknown ids).
    #[must_use]
    pub fn tcp_addr(&self, id: &str) -> Option<SocketAddr> {
        match self.entry(id)?.info.endpoint {
            Endpoint::Tcp(a) => Some(a),
            Endpoint::Rtu(_) => None,
        }
    }

    /// The pty slave path of an RTU device, to open with a serial library.
    #[must_use]
    pub fn rtu_path(&self, id: &str) -> Option<PathBuf> {
        match &self.entry(id)?.info.endpoint {
            Endpoint::Rtu(p) => Some(p.clone()),
            Endpoint::Tcp(_) => None,
        }
    }

    /// Every device in config order, with where it listens.
    #[must_use]
    pub fn devices(&self) -> Vec<DeviceInfo> {
        self.order
            .iter()
            .filter_map(|id| self.entry(id).map(|e| e.info.clone()))
            .collect()
    }

    /// Address of the ground-truth JSON endpoint (`GET /truth`, `GET /truth/<id>`).
    #[must_use]
    pub fn truth_addr(&self) -> SocketAddr {
        self.truth_addr
    }

    /// The ground truth of a device, or `None` for an unknown id.
    #[must_use]
    pub fn try_truth(&self, id: &str) -> Option<GroundTruth> {
        Some(lock(&self.entry(id)?.dev).truth())
    }

    /// The ground truth of a device.
    ///
    /// # Panics
    /// For an id that is not in the field (a test bug).
    #[must_use]
    pub fn truth(&self, id: &str) -> GroundTruth {
        self.try_truth(id)
            .unwrap_or_else(|| panic!("no device `{id}` in the simulated field"))
    }

    /// Switch a fault on; false for an unknown id.
    pub fn inject(&self, id: &str, fault: Fault) -> bool {
        self.entry(id).map(|e| lock(&e.dev).inject(fault)).is_some()
    }

    /// Switch a fault off; false for an unknown id.
    pub fn clear(&self, id: &str, kind: FaultKind) -> bool {
        self.entry(id).map(|e| lock(&e.dev).clear(kind)).is_some()
    }

    /// Move simulated time forward by `by` for every device, now. With
    /// `time_scale = 0` this is the only way time moves, which makes tests exact.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.clock.manual_ms.fetch_add(ms, Relaxed);
        let due = self.clock.due_ms();
        for e in self.devices.values() {
            lock(&e.dev).advance_to(due);
        }
    }

    /// Simulated time reached by the field.
    #[must_use]
    pub fn sim_time(&self) -> Duration {
        let ms = self
            .devices
            .values()
            .map(|e| lock(&e.dev).sim_ms())
            .min()
            .unwrap_or(0);
        Duration::from_millis(ms)
    }

    /// Stop every server and the clock, and wait for them.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
        for l in &self.symlinks {
            let _ = std::fs::remove_file(l);
        }
    }
}

async fn tick(
    clock: Arc<Clock>,
    devices: Arc<BTreeMap<String, DeviceRef>>,
    shutdown: CancellationToken,
) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        let due = clock.due_ms();
        for d in devices.values() {
            lock(d).advance_to(due);
        }
    }
}
