#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// The type of a metric family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (resets on restart); the name ends in `_total`.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations in cumulative buckets, with `_bucket`, `_sum` and `_count` samples.
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A metric family, declared once as a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Def {
    /// Full name, e.g. `caudal_agent_polls_total`.
    pub name: &'static str,
    /// One sentence for `# HELP`.
    pub help: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
}

impl Def {
    /// A counter (its name must end in `_total`).
    #[must_use]
    pub const fn counter(name: &'static str, help: &'static str) -> Def {
        Def {
            name,
            help,
            kind: Kind::Counter,
        }
    }

    /// A gauge.
    #[must_use]
    pub const fn gauge(name: &'static str, help: &'static str) -> Def {
        Def {
            name,
            help,
            kind: Kind::Gauge,
        }
    }

    /// A histogram.
    #[must_use]
    pub const fn histogram(name: &'static str, help: &'static str) -> Def {
        Def {
            name,
            help,
            kind: Kind::Histogram,
        }
    }

    /// The naming rules of `promtool check metrics`, and a non-empty help.
    ///
    /// # Errors
    /// A sentence naming the metric and the rule it breaks.
    pub fn check(&self) -> Result<(), String> {
        let n = self.name;
        let valid = !n.is_empty()
            && n.bytes()
                .enumerate()
                .all(|(i, b)| b.is_ascii_lowercase() || b == b'_' || (i > 0 && b.is_ascii_digit()));
        if !valid {
            return Err(format!(
                "{n}: a metric name is snake_case ([a-z_][a-z0-9_]*)"
            ));
        }
        if self.help.trim().is_empty() {
            return Err(format!("{n}: no help text"));
        }
        let counter_suffix = n.ends_with("_total");
        match (self.kind, counter_suffix) {
            (Kind::Counter, false) => return Err(format!("{n}: a counter's name ends in _total")),
            (Kind::Gauge | Kind::Histogram, true) => {
                return Err(format!("{n}: only counters end in _total"));
            }
            _ => {}
        }
        if self.kind != Kind::Histogram
            && ["_sum", "_count", "_bucket"].iter().any(|s| n.ends_with(s))
        {
            return Err(format!(
                "{n}: _sum, _count and _bucket are reserved for histograms"
            ));
        }
        for word in n.split('_') {
            if let Some(base) = scaled_unit(word) {
                return Err(format!("{n}: use the base unit {base} instead of `{word}`"));
            }
        }
        if n.contains("_counter_") || n.starts_with("counter_") {
            return Err(format!(
                "{n}: `counter` inside a name reads as a type; name what is counted"
            ));
        }
        Ok(())
    }
}

fn scaled_unit(word: &str) -> Option<&'static str> {
    Some(match word {
        "ms" | "millis" | "milliseconds" | "us" | "microseconds" | "ns" | "nanoseconds"
        | "minutes" | "hours" | "days" => "seconds",
        "kb" | "kilobytes" | "mb" | "megabytes" | "gb" | "gigabytes" | "kib" | "mib" => "bytes",
        _ => return None,
    })
}

/// Check a crate's definitions: each follows the naming rules, and no name is
/// declared twice.
///
/// # Errors
/// Every problem found, one per line.
pub fn check_all(defs: &[Def]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for d in defs {
        if let Err(e) = d.check() {
            problems.push(e);
        }
        if !seen.insert(d.name) {
            problems.push(format!("{}: declared twice", d.name));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// A sample value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// An integer count.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A real number.
    F64(f64),
}

impl From<u64> for Value {
    fn from(v: u64) -> Value {
        Value::U64(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::I64(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::F64(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::U64(u64::from(v))
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::U64(u64::try_from(v).unwrap_or(u64::MAX))
    }
}

fn write_value(out: &mut String, v: Value) {
    let _ = match v {
        Value::U64(v) => write!(out, "{v}"),
        Value::I64(v) => write!(out, "{v}"),
        Value::F64(v) if v.is_nan() => write!(out, "NaN"),
        Value::F64(v) if v == f64::INFINITY => write!(out, "+Inf"),
        Value::F64(v) if v == f64::NEG_INFINITY => write!(out, "-Inf"),
        Value::F64(v) => write!(out, "{v}"),
    };
}

fn write_labels(out: &mut String, labels: &[(&str, &str)], extra: Option<(&str, &str)>) {
    if labels.is_empty() && extra.is_none() {
        return;
    }
    out.push('{');
    let mut first = true;
    for (k, v) in labels.iter().copied().chain(extra) {
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(k);
        out.push_str("=\"");
        for c in v.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        out.push('"');
    }
    out.push('}');
}

/// A Prometheus text document being written.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
    written: BTreeSet<&'static str>,
}

impl Exposition {
    /// An empty document.
    #[must_use]
    pub fn new() -> Exposition {
        Exposition::default()
    }

    /// Start a family: writes its `# HELP` and `# TYPE` lines. Write all of
    /// its samples through the returned [`Family`] before starting another.
    /// A family started twice is skipped the second time (its samples would
    /// make the document invalid), and a debug build panics.
    pub fn family(&mut self, def: &Def) -> Family<'_> {
        let fresh = self.written.insert(def.name);
        debug_assert!(fresh, "metric family {} written twice", def.name);
        if fresh {
            let _ = writeln!(
                self.out,
                "# HELP {} {}\n# TYPE {} {}",
                def.name,
                def.help.replace('\\', "\\\\").replace('\n', "\\n"),
                def.name,
                def.kind.as_str()
            );
        }
        Family {
            exp: self,
            def: *def,
            skip: !fresh,
        }
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, def: &Def, value: impl Into<Value>) {
        self.family(def).sample(&[], value);
    }

    /// The text, ending in a newline.
    #[must_use]
    pub fn finish(self) -> String {
        self.out
    }
}

/// The samples of one family.
#[derive(Debug)]
pub struct Family<'a> {
    exp: &'a mut Exposition,
    def: Def,
    skip: bool,
}

impl Family<'_> {
    /// One sample with these labels.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: impl Into<Value>) -> &mut Self {
        if !self.skip {
            let out = &mut self.exp.out;
            out.push_str(self.def.name);
            write_labels(out, labels, None);
            out.push(' ');
            write_value(out, value.into());
            out.push('\n');
        }
        self
    }

    /// The `_bucket`, `_sum` and `_count` samples of a histogram.
    pub fn histogram(&mut self, labels: &[(&str, &str)], h: &Histogram) -> &mut Self {
        if self.skip {
            return self;
        }
        debug_assert_eq!(
            self.def.kind,
            Kind::Histogram,
            "{} is not a histogram",
            self.def.name
        );
        let name = self.def.name;
        let out = &mut self.exp.out;
        let mut cumulative = 0u64;
        for (i, bound) in h.bounds.iter().enumerate() {
            cumulative += h.buckets[i].load(Ordering::Relaxed);
            let le = format!("{bound}");
            out.push_str(name);
            out.push_str("_bucket");
            write_labels(out, labels, Some(("le", &le)));
            let _ = writeln!(out, " {cumulative}");
        }
        let count = h.count.load(Ordering::Relaxed);
        out.push_str(name);
        out.push_str("_bucket");
        write_labels(out, labels, Some(("le", "+Inf")));
        let _ = writeln!(out, " {count}");
        out.push_str(name);
        out.push_str("_sum");
        write_labels(out, labels, None);
        out.push(' ');
        write_value(out, Value::F64(h.sum()));
        out.push('\n');
        out.push_str(name);
        out.push_str("_count");
        write_labels(out, labels, None);
        let _ = writeln!(out, " {count}");
        self
    }
}

/// A histogram of durations or sizes, safe to update from many threads.
/// The sum is kept in millionths of the unit, so it is exact for
/// observations down to a microsecond.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum_micro: AtomicU64,
}

/// Buckets for request latencies in seconds, 1 ms to 10 s.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Histogram {
    /// A histogram with these upper bounds (ascending, without `+Inf`).
    #[must_use]
    pub fn new(bounds: &'static [f64]) -> Histogram {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "bounds ascend");
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_micro: AtomicU64::new(0),
        }
    }

    /// Record one observation (negative values count as 0).
    pub fn observe(&self, v: f64) {
        let v = if v.is_finite() && v > 0.0 { v } else { 0.0 };
        if let Some(i) = self.bounds.iter().position(|b| v <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "v is finite and non-negative; as saturates above u64::MAX"
        )]
        let micro = (v * 1e6).round() as u64;
        self.sum_micro.fetch_add(micro, Ordering::Relaxed);
    }

    /// Observations so far.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Sum of observations.
    #[must_use]
    pub fn sum(&self) -> f64 {
        // u64 -> f64 rounds only beyond 2^53 µs (285 years).
        let s = self.sum_micro.load(Ordering::Relaxed) as f64;
        s / 1e6
    }
}

/// Definitions of the standard process families.
pub mod process_defs {
    use super::Def;

    /// CPU time.
    pub const CPU: Def = Def::counter(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
    );
    /// Resident memory.
    pub const RSS: Def = Def::gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
    );
    /// Virtual memory.
    pub const VSZ: Def = Def::gauge(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
    );
    /// Open file descriptors.
    pub const FDS: Def = Def::gauge("process_open_fds", "Number of open file descriptors.");
    /// Start time.
    pub const START: Def = Def::gauge(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
    );
    /// Threads.
    pub const THREADS: Def = Def::gauge("process_threads", "Number of OS threads in the process.");
    /// All of them.
    pub const ALL: [Def; 6] = [CPU, RSS, VSZ, FDS, START, THREADS];
}

/// Facts about this process, read from `/proc/self` (Linux). Absent on other
/// systems or when `/proc` is not mounted.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ProcessFacts {
    /// User + system CPU seconds.
    pub cpu_seconds: f64,
    /// Resident set size in bytes.
    pub resident_bytes: u64,
    /// Virtual size in bytes.
    pub virtual_bytes: u64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// Start time, seconds since the Unix epoch.
    pub start_time_seconds: f64,
    /// OS threads.
    pub threads: u64,
}

impl ProcessFacts {
    /// Read `/proc/self/stat`, `/proc/stat` (boot time) and `/proc/self/fd`.
    #[must_use]
    pub fn read() -> Option<ProcessFacts> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        let boot = std::fs::read_to_string("/proc/stat").ok()?;
        let fds = std::fs::read_dir("/proc/self/fd").ok()?.count();
        parse_proc(&stat, &boot, fds)
    }

    /// Write the `process_*` families.
    pub fn write(&self, exp: &mut Exposition) {
        use process_defs as p;
        exp.single(&p::CPU, self.cpu_seconds);
        exp.single(&p::RSS, self.resident_bytes);
        exp.single(&p::VSZ, self.virtual_bytes);
        exp.single(&p::FDS, self.open_fds);
        exp.single(&p::START, self.start_time_seconds);
        exp.single(&p::THREADS, self.threads);
    }
}

/// Clock ticks per second and page size of Linux on the platforms Caudal
/// runs on (x86_64, aarch64, armv7): `sysconf(_SC_CLK_TCK)` is 100 and pages
/// are 4 KiB there. Reading them would need libc.
const CLK_TCK: f64 = 100.0;
const PAGE_SIZE: u64 = 4096;

fn parse_proc(stat: &str, boot: &str, fds: usize) -> Option<ProcessFacts> {
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state); field n is f[n - 3].
    let field = |n: usize| f.get(n - 3).and_then(|s| s.parse::<u64>().ok());
    let utime = field(14)?;
    let stime = field(15)?;
    let threads = field(20)?;
    let start_ticks = field(22)?;
    let vsize = field(23)?;
    let rss_pages = field(24)?;
    let btime: u64 = boot
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    // Tick counts stay far below 2^53, where u64 -> f64 starts to round.
    let (cpu, start) = (
        (utime + stime) as f64 / CLK_TCK,
        btime as f64 + start_ticks as f64 / CLK_TCK,
    );
    Some(ProcessFacts {
        cpu_seconds: cpu,
        resident_bytes: rss_pages.saturating_mul(PAGE_SIZE),
        virtual_bytes: vsize,
        open_fds: u64::try_from(fds).unwrap_or(u64::MAX),
        start_time_seconds: start,
        threads,
    })
}

/// Write the `process_*` families if `/proc` can be read.
pub fn process(exp: &mut Exposition) {
    if let Some(p) = ProcessFacts::read() {
        p.write(exp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLLS: Def = Def::counter("caudal_test_polls_total", "Polls done.");
    const UP: Def = Def::gauge("caudal_test_up", "1 when the device answers.");
    const LAT: Def = Def::histogram("caudal_test_latency_seconds", "Latency of a request.");

    #[test]
    fn a_family_is_written_once_with_all_its_samples_together() {
        let mut e = Exposition::new();
        e.family(&POLLS)
            .sample(&[("device", "well-1")], 3u64)
            .sample(&[("device", "well-2")], 4u64);
        e.single(&UP, true);
        assert_eq!(
            e.finish(),
            "# HELP caudal_test_polls_total Polls done.\n# TYPE caudal_test_polls_total counter\n\
             caudal_test_polls_total{device=\"well-1\"} 3\ncaudal_test_polls_total{device=\"well-2\"} 4\n\
             # HELP caudal_test_up 1 when the device answers.\n# TYPE caudal_test_up gauge\ncaudal_test_up 1\n"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        let mut e = Exposition::new();
        e.family(&UP).sample(&[("name", "a\"b\\c\nd")], 1u64);
        assert!(
            e.finish()
                .contains(r#"caudal_test_up{name="a\"b\\c\nd"} 1"#)
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::new(&[0.01, 0.1, 1.0]);
        for v in [0.005, 0.05, 0.05, 2.0] {
            h.observe(v);
        }
        let mut e = Exposition::new();
        e.family(&LAT).histogram(&[("route", "/x")], &h);
        let text = e.finish();
        for line in [
            "caudal_test_latency_seconds_bucket{route=\"/x\",le=\"0.01\"} 1",
            "caudal_test_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 3",
            "caudal_test_latency_seconds_bucket{route=\"/x\",le=\"1\"} 3",
            "caudal_test_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 4",
            "caudal_test_latency_seconds_sum{route=\"/x\"} 2.105",
            "caudal_test_latency_seconds_count{route=\"/x\"} 4",
        ] {
            assert!(text.contains(line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn naming_rules_follow_promtool() {
        assert!(POLLS.check().is_ok());
        assert!(UP.check().is_ok());
        assert!(LAT.check().is_ok());
        let bad = [
            (Def::counter("caudal_polls", "x"), "ends in _total"),
            (Def::gauge("caudal_up_total", "x"), "only counters"),
            (
                Def::gauge("caudal_last_poll_timestamp_ms", "x"),
                "base unit seconds",
            ),
            (Def::gauge("caudal_outbox_mb", "x"), "base unit bytes"),
            (
                Def::counter("caudal_counter_resets_total", "x"),
                "`counter` inside",
            ),
            (
                Def::gauge("caudal_queue_count", "x"),
                "reserved for histograms",
            ),
            (Def::gauge("Caudal_up", "x"), "snake_case"),
            (Def::gauge("caudal_up", " "), "no help"),
        ];
        for (def, why) in bad {
            let err = def.check().unwrap_err();
            assert!(err.contains(why), "{}: {err}", def.name);
        }
        assert!(check_all(&process_defs::ALL).is_ok());
        assert!(check_all(&[UP, UP]).unwrap_err().contains("declared twice"));
    }

    #[test]
    fn proc_stat_is_parsed_even_with_a_strange_command_name() {
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 7 0 12345 104857600 2560 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
        let boot = "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n";
        let p = parse_proc(stat, boot, 9).unwrap();
        assert!((p.cpu_seconds - 3.0).abs() < 1e-9);
        assert_eq!(p.threads, 7);
        assert!((p.start_time_seconds - 1_700_000_123.45).abs() < 1e-6);
        assert_eq!(p.virtual_bytes, 104_857_600);
        assert_eq!(p.resident_bytes, 2560 * 4096);
        assert_eq!(p.open_fds, 9);
    }

    #[test]
    fn this_process_can_be_read_on_linux() {
        if cfg!(target_os = "linux") {
            let p = ProcessFacts::read().expect("/proc/self is readable");
            assert!(p.resident_bytes > 0);
            assert!(p.threads >= 1);
        }
    }
}
