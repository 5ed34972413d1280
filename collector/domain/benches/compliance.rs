//! Planning and valuing a year of hourly DGA slots (standard Mayor) for
//! 1,000 wells: the planner, the valuer with its provenance, the
//! plausibility checks and the `ready`/`review` transition with its ledger
//! entry, per slot. Then the cost of building one request (JSON body,
//! redacted copy) and of classifying one reply.
//!
//! Readings: every 5 minutes (105,121 per series per well), flow, total and
//! level; each well has a 6-hour gap and some bad-quality readings. Four
//! distinct wells are generated and reused round-robin so the figure is the
//! filing logic's, not the generator's.
//!
//! Each figure is printed as wall time and as the CPU time the thread got
//! (`/proc/self/schedstat`), since the build machines are shared.
//!
//! Run: `cargo bench -p caudal-collector-domain --bench compliance`.

use std::hint::black_box;
use std::time::Instant;

use caudal_collector_domain::compliance::settings::{DgaSettings, DgaSettingsInput};
use caudal_collector_domain::compliance::{
    Cadence, Exchange, FilingPolicy, PointData, Regulator, Sample, Secret, Series, Slot,
    SlotStatus, Valuer, dga, plan, value_slot,
};
use caudal_collector_domain::{MINUTE_MS, PointId, UtcMillis};
use caudal_protocol::{Quality, Reason};

const WELLS: i64 = 1_000;
/// 2026-01-01 00:00 at UTC-4.
const YEAR_START: i64 = 1_767_240_000_000;
const YEAR_MS: i64 = 365 * 24 * 60 * MINUTE_MS;
const STEP_MS: i64 = 5 * MINUTE_MS;

struct Well {
    flow: Vec<Sample>,
    total: Vec<Sample>,
    level: Vec<Sample>,
}

fn well(seed: i64) -> Well {
    let n = YEAR_MS / STEP_MS + 1;
    let gap = (seed * 997 % 300 + 10) * 288; // a 6-hour gap on some day
    let mut flow = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut total = Vec::with_capacity(flow.capacity());
    let mut level = Vec::with_capacity(flow.capacity());
    let mut volume = 10_000.0 + seed as f64 * 1_000.0;
    for i in 0..n {
        if (gap..gap + 72).contains(&i) {
            continue;
        }
        let at = UtcMillis(YEAR_START + i * STEP_MS);
        let hour = (i / 12) % 24;
        let q = if (6..22).contains(&hour) {
            12.0 + (seed % 5) as f64
        } else {
            0.0
        };
        volume += q * 300.0 / 1000.0;
        let quality = if i % 1_009 == 0 {
            Quality::Bad(Reason::Timeout)
        } else {
            Quality::Good
        };
        flow.push(Sample {
            at,
            value: q,
            quality,
        });
        total.push(Sample {
            at,
            value: volume,
            quality,
        });
        level.push(Sample {
            at,
            value: 40.0 - q * 0.2,
            quality,
        });
    }
    Well { flow, total, level }
}

/// Wall and CPU time since it was started.
struct Clock {
    wall: Instant,
    cpu_ns: u64,
}

/// CPU time of this thread, ns (0 where /proc is not available).
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu_ns: cpu_ns(),
        }
    }

    /// Wall seconds.
    fn wall(&self) -> f64 {
        self.wall.elapsed().as_secs_f64()
    }

    /// CPU seconds.
    fn cpu(&self) -> f64 {
        cpu_ns().saturating_sub(self.cpu_ns) as f64 / 1e9
    }
}

fn settings(zone: &str) -> DgaSettings {
    DgaSettings::from_input(&DgaSettingsInput {
        obra: "OB-0601-444".to_owned(),
        kind: "subterraneas".to_owned(),
        standard: "mayor".to_owned(),
        mode: "live".to_owned(),
        rut_empresa: "76086428-5".to_owned(),
        rut_usuario: "12345678-5".to_owned(),
        password: Secret::new("clave"),
        zone: Some(zone.to_owned()),
        level_sensor: Some("water_column".to_owned()),
        sensor_depth_m: Some(60.0),
        water_right_lps: Some(20.0),
        ..DgaSettingsInput::default()
    })
    .unwrap()
}

fn main() {
    let t = Clock::start();
    let wells: Vec<Well> = (0..4).map(well).collect();
    println!(
        "generated 4 wells × 3 series × {} readings in {:.2} s",
        wells[0].flow.len(),
        t.wall()
    );
    let from = UtcMillis(YEAR_START);
    let to = UtcMillis(YEAR_START + YEAR_MS);
    let policy = FilingPolicy::default();
    let data_of = |w: i64| {
        let well = &wells[usize::try_from(w % 4).unwrap_or(0)];
        PointData {
            flow: Series::of(&well.flow),
            total: Series::of(&well.total),
            level: Series::of(&well.level),
        }
    };

    for zone in ["-04:00", "America/Santiago"] {
        let s = settings(zone);
        let valuing = s.valuing();
        let t = Clock::start();
        let mut planned = 0u64;
        for _ in 0..WELLS {
            planned += plan(Cadence::Hourly, s.zone, from, to).count() as u64;
        }
        println!(
            "{zone}: planned {planned} hourly slots for {WELLS} wells: {:.2} s wall, {:.2} s CPU",
            t.wall(),
            t.cpu()
        );

        let t = Clock::start();
        let (mut ready, mut review, mut waiting) = (0u64, 0u64, 0u64);
        for w in 0..WELLS {
            let mut valuer = Valuer::new(&s.values, data_of(w));
            for time in plan(Cadence::Hourly, s.zone, from, to) {
                let slot = Slot::planned(PointId(w), Regulator::Dga, time);
                let valuation = valuer.value(&time);
                match slot.on_valuation(valuation, &valuing, None, &policy, to) {
                    Some(t) if t.slot.status == SlotStatus::Ready => {
                        ready += 1;
                        black_box(t);
                    }
                    Some(t) => {
                        review += 1;
                        black_box(t);
                    }
                    None => waiting += 1,
                }
            }
        }
        let slots = ready + review + waiting;
        println!(
            "{zone}: planned, valued, checked and moved to ready/review {slots} slots for {WELLS} wells: \
             {:.2} s wall, {:.2} s CPU ({:.0} ns CPU per slot; {ready} ready, {review} review, {waiting} waiting)",
            t.wall(),
            t.cpu(),
            t.cpu() * 1e9 / slots as f64
        );
    }

    // One request and one reply, per slot, on one well's year.
    let s = settings("-04:00");
    let valuing = s.valuing();
    let data = data_of(0);
    let ready: Vec<Slot> = plan(Cadence::Hourly, s.zone, from, to)
        .filter_map(|time| {
            let v = value_slot(&s.values, &time, &data);
            Slot::planned(PointId(1), Regulator::Dga, time)
                .on_valuation(v, &valuing, None, &policy, to)
                .map(|t| t.slot)
                .filter(|s| s.status == SlotStatus::Ready)
        })
        .collect();
    let reply = Exchange::Reply {
        status: 200,
        body: r#"{"status":"00","message":"Medición subterránea ingresada correctamente","data":{"numeroComprobante":"0123456789abcdef0123456789abcdef"}}"#.to_owned(),
    };
    let t = Clock::start();
    let mut bytes = 0usize;
    for slot in &ready {
        let (p, sending) = dga::prepare(&s, slot, to).unwrap();
        bytes += p.request.body.as_ref().map_or(0, String::len);
        black_box(dga::complete(&s, &sending.slot, &reply, &policy, to).unwrap());
    }
    let n = std::cmp::max(ready.len(), 1);
    println!(
        "built (body and redacted copy), committed to sending, and classified the reply of {} requests: \
         {:.2} s wall, {:.2} s CPU ({:.1} µs CPU per request; bodies of {} bytes)",
        ready.len(),
        t.wall(),
        t.cpu(),
        t.cpu() * 1e6 / n as f64,
        bytes / n
    );
}
