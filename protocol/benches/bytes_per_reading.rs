//! Bytes per reading of a realistic batch: 10 wells x 5 channels (flow, level,
//! pulse counter, pump state, motor current) sampled every second for 60 s,
//! i.e. 50 channels and 3,000 readings, next to the same readings as JSON.
//!
//! Run: `cargo bench -p caudal-protocol --bench bytes_per_reading`

use std::time::Instant;

use caudal_protocol::column::encode_batch;
use caudal_protocol::*;

/// Deterministic xorshift so the figure is reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform integer in `-k..=k`.
    fn noise(&mut self, k: i64) -> i64 {
        let span = u64::try_from(2 * k + 1).unwrap();
        i64::try_from(self.next() % span).unwrap() - k
    }
}

const WELLS: u32 = 10;
const SECONDS: i64 = 60;

fn coding(c: ChannelId) -> Option<Coding> {
    Some(match c.0 % 5 {
        0 => Coding::Linear {
            scale: 0.01,
            offset: 0.0,
        }, // flow, 0.01 l/s
        1 => Coding::Linear {
            scale: 0.01,
            offset: 0.0,
        }, // level, cm
        2 => Coding::Counter {
            m3_per_pulse: 0.001,
        }, // 1 pulse per litre
        3 => Coding::Bits { shift: 0, width: 1 }, // pump state
        _ => Coding::Linear {
            scale: 0.01,
            offset: 0.0,
        }, // motor current, 0.01 A
    })
}

fn field() -> Vec<Reading> {
    let mut rng = Rng(0x5EED);
    let t0 = 1_763_900_000_000i64;
    let mut readings = Vec::new();
    let mut seq = 1;
    let mut level = vec![3500i64; WELLS as usize];
    let mut counter = vec![4_000_000_000i64; WELLS as usize];
    let mut total = vec![0u64; WELLS as usize];
    for s in 0..SECONDS {
        for w in 0..WELLS {
            // Each well is polled at its own phase, with a few ms of scheduling jitter.
            let time = t0 + s * 1000 + i64::from(w) * 37 + rng.noise(4);
            let running = w != 7; // one pump stopped
            let flow = if running { 1250 + rng.noise(6) } else { 0 };
            let wi = w as usize;
            level[wi] += if running {
                -(rng.noise(1).abs())
            } else {
                i64::from(s % 3 == 0)
            };
            // 12.5 l/s at 1 pulse/l: 12 or 13 pulses a second; a u32 counter near its wrap.
            let pulses = if running { 12 + (rng.next() % 2) } else { 0 };
            counter[wi] = (counter[wi] + i64::try_from(pulses).unwrap()) % (1 << 32);
            total[wi] += pulses;
            let current = if running { 4120 + rng.noise(3) } else { 0 };
            let rows: [(u32, i64, Option<u64>); 5] = [
                (0, flow, None),
                (1, level[wi], None),
                (2, counter[wi], Some(total[wi])),
                (3, i64::from(running), None),
                (4, current, None),
            ];
            for (k, raw, total_pulses) in rows {
                let channel = ChannelId(w * 5 + k);
                let value = coding(channel).unwrap().value(raw, total_pulses);
                readings.push(Reading {
                    seq: Seq(seq),
                    channel,
                    time: UtcMillis(time),
                    raw,
                    total_pulses,
                    value,
                    quality: Quality::Good,
                });
                seq += 1;
            }
        }
    }
    readings
}

fn quality_name(q: Quality) -> String {
    format!("{q:?}")
}

fn main() {
    let readings = field();
    let n = readings.len();

    let start = Instant::now();
    let batch = encode_batch(Epoch(0xDEAD_BEEF_CAFE), &readings, coding).expect("encode");
    let frame = encode_frame(&Message::Batch(batch)).expect("frame");
    let encode_time = start.elapsed();

    let start = Instant::now();
    let Some((Message::Batch(back), _)) = decode_frame(&frame).expect("decode") else {
        panic!("not a batch")
    };
    let expanded = back.readings(coding).expect("expand");
    let decode_time = start.elapsed();
    assert!(
        expanded.iter().zip(&readings).all(|(a, b)| a.same_as(b)),
        "round trip"
    );

    let json: Vec<serde_json::Value> = readings
        .iter()
        .map(|r| {
            serde_json::json!({
                "seq": r.seq.0, "channel": r.channel.0, "time": r.time.0, "raw": r.raw,
                "total_pulses": r.total_pulses, "value": r.value, "quality": quality_name(r.quality),
            })
        })
        .collect();
    let json_len = serde_json::to_vec(&json).expect("json").len();

    #[allow(clippy::cast_precision_loss, reason = "figures for display")]
    let per = |bytes: usize| bytes as f64 / n as f64;
    println!(
        "batch: {WELLS} wells x 5 channels (flow, level, counter, pump state, current), 1 Hz for {SECONDS} s = {n} readings"
    );
    println!(
        "postcard columns : {:>7} bytes  {:>6.2} bytes/reading (frame incl. 4-byte prefix)",
        frame.len(),
        per(frame.len())
    );
    println!(
        "JSON objects     : {json_len:>7} bytes  {:>6.2} bytes/reading",
        per(json_len)
    );
    println!(
        "ratio            : JSON is {:.1}x larger",
        per(json_len) / per(frame.len())
    );
    println!(
        "encode {:.2} ms, decode+expand {:.2} ms ({:.0} readings/s decoded)",
        encode_time.as_secs_f64() * 1e3,
        decode_time.as_secs_f64() * 1e3,
        f64::from(u32::try_from(n).unwrap()) / decode_time.as_secs_f64()
    );
}
