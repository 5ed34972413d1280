//! Store benchmark: batch-write throughput, then p99 latency of "latest values
//! for 1,000 points" and "one point's hourly series for a year", on SQLite and
//! PostgreSQL.
//!
//! ```text
//! cargo bench -p caudal-collector-store --bench store
//! CAUDAL_BENCH_READINGS=1000000 CAUDAL_BENCH_BACKENDS=sqlite cargo bench -p caudal-collector-store --bench store
//! ```
//!
//! Load: 100 agents × 10 points × 2 channels (level, counter) = 1,000 points,
//! batches of 5,000 readings in time order, aggregates maintained as in
//! production. Two phases: a year of history (`CAUDAL_BENCH_READINGS`,
//! default 10M, so sparse: ~1 reading per series per 105 min, every reading
//! opens its own hourly bucket: the worst case for aggregate upkeep), then
//! live ingest (`CAUDAL_BENCH_LIVE_READINGS`, default 2M, every series each
//! minute, as agents poll). Queries run on everything stored. SQLite is
//! written by one task (it has one writer); PostgreSQL by 4 concurrent tasks.
//! PostgreSQL uses a fresh database (`CAUDAL_TEST_PG_URL`), dropped afterwards.

use std::time::{Duration, Instant};

use caudal_collector_domain::series::{Resolution, SeriesQuery, SeriesRows};
use caudal_collector_store::Store;
use caudal_collector_store::testing::TestDb;
use caudal_protocol::{
    ChannelDesc, ChannelId, Coding, Epoch, Quality, Reading, Seq, UtcMillis, Variable,
};

const AGENTS: usize = 100;
const POINTS_PER_AGENT: usize = 10;
const CHANNELS_PER_AGENT: usize = POINTS_PER_AGENT * 2;
const BATCH: usize = 5_000;
/// 2024-01-01T00:00:00Z
const START: i64 = 1_704_067_200_000;
const YEAR_MS: i64 = 365 * 86_400_000;
const QUERY_RUNS: usize = 200;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn point_code(agent: usize, p: usize) -> String {
    format!("P{:04}", agent * POINTS_PER_AGENT + p)
}

fn channels(agent: usize) -> Vec<ChannelDesc> {
    (0..POINTS_PER_AGENT)
        .flat_map(|p| {
            let point = point_code(agent, p);
            let id = u32::try_from(p * 2).unwrap();
            [
                ChannelDesc {
                    id: ChannelId(id),
                    point: point.clone(),
                    variable: Variable::Level,
                    unit: "m".to_owned(),
                    coding: Coding::Linear {
                        scale: 0.01,
                        offset: 0.0,
                    },
                    regulated: false,
                },
                ChannelDesc {
                    id: ChannelId(id + 1),
                    point,
                    variable: Variable::Total,
                    unit: "m3".to_owned(),
                    coding: Coding::Counter { m3_per_pulse: 0.01 },
                    regulated: true,
                },
            ]
        })
        .collect()
}

/// The time of an agent's tick: ticks `0..history` spread over the year before
/// `START + YEAR_MS`, later ticks one minute apart after it (live polling).
#[derive(Clone, Copy)]
struct Timeline {
    history_ticks: usize,
    history_tick_ms: i64,
}

impl Timeline {
    fn time(self, tick: usize) -> i64 {
        let tick64 = i64::try_from(tick).unwrap();
        let h = i64::try_from(self.history_ticks).unwrap();
        if tick < self.history_ticks {
            START + tick64 * self.history_tick_ms
        } else {
            START + YEAR_MS + (tick64 - h) * 60_000
        }
    }
}

/// The readings of ticks `first..last` of an agent, one reading per channel per tick.
fn batch(first: usize, last: usize, timeline: Timeline) -> Vec<Reading> {
    let mut out = Vec::with_capacity(BATCH);
    for tick in first..last {
        let t = timeline.time(tick);
        for ch in 0..CHANNELS_PER_AGENT {
            let seq = u64::try_from(tick * CHANNELS_PER_AGENT + ch + 1).unwrap();
            let tick64 = u64::try_from(tick).unwrap();
            let r = if ch % 2 == 0 {
                let raw =
                    i64::try_from(1000 + (tick64 * 7 + u64::try_from(ch).unwrap()) % 500).unwrap();
                let value = raw as f64 * 0.01;
                Reading {
                    seq: Seq(seq),
                    channel: ChannelId(u32::try_from(ch).unwrap()),
                    time: UtcMillis(t),
                    raw,
                    total_pulses: None,
                    value,
                    quality: Quality::Good,
                }
            } else {
                let pulses = tick64 * 13;
                let value = pulses as f64 * 0.01;
                Reading {
                    seq: Seq(seq),
                    channel: ChannelId(u32::try_from(ch).unwrap()),
                    time: UtcMillis(t),
                    raw: i64::try_from(pulses % 65_536).unwrap(),
                    total_pulses: Some(pulses),
                    value,
                    quality: Quality::Good,
                }
            };
            out.push(r);
        }
    }
    out
}

/// Write ticks `ticks` of every agent, in batches of [`BATCH`] readings, with `writers` tasks.
async fn load(
    store: &Store,
    ticks: std::ops::Range<usize>,
    timeline: Timeline,
    writers: usize,
) -> (usize, Duration) {
    let per_batch = BATCH / CHANNELS_PER_AGENT;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        let ticks = ticks.clone();
        tasks.push(tokio::spawn(async move {
            let mut written = 0usize;
            let descs: Vec<Vec<ChannelDesc>> = (0..AGENTS).map(channels).collect();
            for first in ticks.clone().step_by(per_batch) {
                let last = std::cmp::min(first + per_batch, ticks.end);
                for agent in (w..AGENTS).step_by(writers) {
                    let b = batch(first, last, timeline);
                    let id = format!("agent-{agent:03}");
                    let epoch = Epoch(u64::try_from(agent).unwrap() + 1);
                    let acked = store
                        .write_batch(&id, epoch, &descs[agent], &b)
                        .await
                        .expect("write_batch");
                    assert_eq!(acked.0, b.last().map_or(0, |r| r.seq.0));
                    written += b.len();
                }
            }
            written
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("writer");
    }
    (total, started.elapsed())
}

fn p99(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort_unstable();
    let idx = (samples.len() * 99).div_ceil(100).saturating_sub(1);
    (samples[samples.len() / 2], samples[idx])
}

async fn queries(store: &Store) -> ((Duration, Duration), (Duration, Duration), usize, usize) {
    let codes: Vec<String> = (0..AGENTS)
        .flat_map(|a| (0..POINTS_PER_AGENT).map(move |p| point_code(a, p)))
        .collect();
    let mut latest = Vec::with_capacity(QUERY_RUNS);
    let mut latest_rows = 0;
    for _ in 0..QUERY_RUNS {
        let t = Instant::now();
        latest_rows = store.latest(&codes).await.expect("latest").len();
        latest.push(t.elapsed());
    }
    let mut series = Vec::with_capacity(QUERY_RUNS);
    let mut buckets = 0;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..QUERY_RUNS {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let code = &codes[usize::try_from(x % u64::try_from(codes.len()).unwrap()).unwrap()];
        let q = SeriesQuery {
            point: code.clone(),
            variable: Variable::Total,
            resolution: Resolution::Hour,
            from: UtcMillis(START),
            to: UtcMillis(START + YEAR_MS),
            after: None,
            limit: 10_000,
        };
        let t = Instant::now();
        let page = store.series(&q).await.expect("series");
        series.push(t.elapsed());
        if let SeriesRows::Agg(rows) = page.rows {
            buckets = rows.len();
        }
    }
    (p99(latest), p99(series), latest_rows, buckets)
}

async fn bench(name: &str, store: Store, history: usize, live: usize, writers: usize) {
    let history_ticks = std::cmp::max(history / AGENTS / CHANNELS_PER_AGENT, 1);
    let live_ticks = live / AGENTS / CHANNELS_PER_AGENT;
    let timeline = Timeline {
        history_ticks,
        history_tick_ms: std::cmp::max(YEAR_MS / i64::try_from(history_ticks).unwrap(), 1),
    };
    let (written, took) = load(&store, 0..history_ticks, timeline, writers).await;
    println!(
        "{name}: year of history: {written} readings in {:.1} s = {:.0} readings/s (one reading per series every {} min: each opens its own hourly bucket)",
        took.as_secs_f64(),
        written as f64 / took.as_secs_f64(),
        timeline.history_tick_ms / 60_000
    );
    if live_ticks > 0 {
        let (written, took) = load(
            &store,
            history_ticks..history_ticks + live_ticks,
            timeline,
            writers,
        )
        .await;
        println!(
            "{name}: live ingest: {written} readings in {:.1} s = {:.0} readings/s (every series polled each minute; {writers} writer task(s), batches of {BATCH})",
            took.as_secs_f64(),
            written as f64 / took.as_secs_f64()
        );
    }
    // Fresh tables: give the planner statistics, as autovacuum (or a job) would.
    store.analyze().await.expect("analyze");
    let ((l50, l99), (s50, s99), latest_rows, buckets) = queries(&store).await;
    println!(
        "{name}: latest values for 1,000 points ({latest_rows} series): p50 {l50:?}, p99 {l99:?} over {QUERY_RUNS} runs"
    );
    println!(
        "{name}: one point's hourly series for a year ({buckets} buckets): p50 {s50:?}, p99 {s99:?} over {QUERY_RUNS} runs"
    );
    store.close().await;
}

fn main() {
    let history = env_usize("CAUDAL_BENCH_READINGS", 10_000_000);
    let live = env_usize("CAUDAL_BENCH_LIVE_READINGS", 2_000_000);
    let backends =
        std::env::var("CAUDAL_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        if backends.contains("sqlite") {
            let db = TestDb::sqlite();
            let store = Store::connect_url(&db.url, 4).await.expect("sqlite");
            bench("sqlite", store, history, live, 1).await;
        }
        if backends.contains("postgres") {
            let db = TestDb::postgres().await;
            let store = Store::connect_url(&db.url, 8).await.expect("postgres");
            bench("postgres", store, history, live, 4).await;
        }
    });
}
