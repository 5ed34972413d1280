//! Helpers shared by the agent's behaviour tests: sim and agent configs, outbox checks.
#![allow(dead_code, unreachable_pub, reason = "each test binary uses a subset")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use caudal_agent::outbox::{Outbox, OutboxConfig};
use caudal_config::agent::{AgentConfig, WhenFull};
use caudal_protocol::{ChannelDesc, Coding, Reading, Seq, Variable};
use caudal_sim::Field;

/// Parse a sim config from TOML text.
pub fn sim_config(text: &str) -> caudal_config::sim::SimConfig {
    caudal_config::parse(Path::new("sim.toml"), text).expect("valid sim config")
}

/// One sim device as the agent should see it.
#[derive(Debug, Clone)]
pub struct Dev {
    pub id: &'static str,
    pub unit: u8,
    pub counter_bits: u8,
    pub ppl: f64,
    /// Fastest plausible pulses per real second.
    pub rate: Option<f64>,
    pub poll_ms: u64,
    pub timeout_ms: u64,
    pub retries: u8,
    /// Extra channel TOML (each a full `[[devices.channels]]` table).
    pub extra: String,
}

impl Dev {
    pub fn new(id: &'static str, unit: u8, counter_bits: u8, ppl: f64) -> Dev {
        Dev {
            id,
            unit,
            counter_bits,
            ppl,
            rate: None,
            poll_ms: 100,
            timeout_ms: 300,
            retries: 1,
            extra: String::new(),
        }
    }
}

/// Where a device listens in `field`, as agent config lines.
fn link(field: &Field, id: &str) -> String {
    if let Some(addr) = field.tcp_addr(id) {
        format!("transport = \"tcp\"\naddress = \"{addr}\"\n")
    } else {
        let path = field.rtu_path(id).expect("device in the field");
        format!(
            "transport = \"rtu\"\nport = \"{}\"\nbaud = 38400\n",
            path.display()
        )
    }
}

/// The standard channels of the sim register map for `dev`.
pub fn agent_toml(data_dir: &Path, field: &Field, devs: &[Dev], agent_extra: &str) -> String {
    let mut s = format!(
        "[agent]\nid = \"test-agent\"\ndata_dir = \"{}\"\n{agent_extra}\n",
        data_dir.display()
    );
    for d in devs {
        let id = d.id;
        let _ = write!(
            s,
            "[[devices]]\nid = \"{id}\"\n{}unit_id = {}\npoll_interval_ms = {}\ntimeout_ms = {}\nretries = {}\nmax_backoff_ms = 1000\n",
            link(field, id),
            d.unit,
            d.poll_ms,
            d.timeout_ms,
            d.retries
        );
        let (dt, rate) = (
            if d.counter_bits == 16 { "u16" } else { "u32" },
            d.rate
                .map(|r| format!("max_pulses_per_second = {r}\n"))
                .unwrap_or_default(),
        );
        let _ = write!(
            s,
            r#"
[[devices.channels]]
id = "{id}.volume"
point = "{id}"
variable = "pulses"
register = "input"
address = 0
data_type = "{dt}"
pulses_per_liter = {ppl}
counter_bits = {bits}
{rate}regulated = true

[[devices.channels]]
id = "{id}.level"
point = "{id}"
variable = "level"
register = "input"
address = 2
scale = 0.01
unit = "m"
max = 200.0

[[devices.channels]]
id = "{id}.level_loop"
point = "{id}"
variable = "level"
register = "input"
address = 11
scale = 0.00625
offset = -25.0
unit = "m"
sensor_fault_below = -1.25

[[devices.channels]]
id = "{id}.flow"
point = "{id}"
variable = "flow"
register = "input"
address = 4
data_type = "f32"
byte_order = "cdab"
unit = "l/s"

[[devices.channels]]
id = "{id}.current"
point = "{id}"
variable = "motor_current"
register = "input"
address = 6
scale = 0.01

[[devices.channels]]
id = "{id}.running"
point = "{id}"
variable = "pump_state"
register = "input"
address = 10
bits = {{ shift = 0, width = 1 }}

[[devices.channels]]
id = "{id}.totaliser"
point = "{id}"
variable = "total"
register = "holding"
address = 10
data_type = "f64"
unit = "m3"
{extra}
"#,
            ppl = d.ppl,
            bits = d.counter_bits,
            extra = d.extra,
        );
    }
    s
}

/// Write `text` to `dir/agent.toml` and parse it.
pub fn write_config(dir: &Path, text: &str) -> (PathBuf, AgentConfig) {
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).unwrap();
    let cfg = caudal_config::load(&path).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (path, cfg)
}

/// Every reading of the outbox in `dir`, checking seqs are 1..=n with no gap or repeat.
pub fn all_readings(dir: &Path) -> (Vec<ChannelDesc>, Vec<Reading>) {
    let ob = Outbox::open(
        dir,
        &OutboxConfig {
            disk_budget_bytes: std::num::NonZeroU64::MAX,
            when_full: WhenFull::Block,
        },
    )
    .unwrap();
    let mut out: Vec<Reading> = Vec::new();
    loop {
        let after = out.last().map_or(Seq(0), |r| r.seq);
        let page = ob.read_after(after, 50_000).unwrap();
        if page.is_empty() {
            break;
        }
        out.extend(page);
    }
    for (i, r) in out.iter().enumerate() {
        assert_eq!(
            r.seq.0,
            u64::try_from(i).unwrap() + 1,
            "seq gap or repeat at index {i}"
        );
    }
    let (_, last) = ob.backlog();
    assert_eq!(
        last.0,
        u64::try_from(out.len()).unwrap(),
        "backlog and readings agree"
    );
    (ob.channels().unwrap(), out)
}

/// Check the counter of point `id` against the sim's ground truth, within one pulse.
///
/// The truth keeps moving after the agent's last read, so the pulses the
/// meter emitted since then (`counter now - last raw`, mod 2^bits) are
/// taken off the truth first.
pub fn check_total(field: &Field, channels: &[ChannelDesc], readings: &[Reading], id: &str) -> u64 {
    let ch = channels
        .iter()
        .rev()
        .find(|c| c.point == id && c.variable == Variable::Pulses)
        .expect("counter channel");
    let Coding::Counter { m3_per_pulse } = ch.coding else {
        panic!("counter coding")
    };
    let counter: Vec<&Reading> = readings.iter().filter(|r| r.channel == ch.id).collect();
    let last = counter.last().expect("counter readings");
    // Totals never go down, and every value is the derived one.
    for w in counter.windows(2) {
        assert!(
            w[1].total_pulses >= w[0].total_pulses,
            "total decreased: {:?} -> {:?}",
            w[0],
            w[1]
        );
    }
    for r in &counter {
        assert_eq!(
            r.value.to_bits(),
            ch.coding.value(r.raw, r.total_pulses).to_bits()
        );
    }
    let truth = field.truth(id);
    let modulus = 1u64 << truth.counter_bits;
    let last_raw = u64::try_from(last.raw).unwrap() % modulus;
    let since = (u64::from(truth.counter) + modulus - last_raw) % modulus;
    let expected = truth.observable_pulses() - since;
    let total = last.total_pulses.unwrap();
    assert!(
        total.abs_diff(expected) <= 1,
        "{id}: stored total {total} pulses ({} m3), truth {expected} pulses ({} m3); truth {truth:?}",
        total as f64 * m3_per_pulse,
        expected as f64 * m3_per_pulse,
    );
    total
}
