//! Import parse throughput: a year of 15-minute readings of three variables
//! (about 105,000 rows) in the plain format, and the same in the DGA export
//! (35,040 lines of three values). Prints rows per second; the end-to-end aim
//! (parse plus store write) is 200,000 rows/s.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use caudal_collector_domain::import::{ImportOptions, WaterTable, parse};

fn main() {
    let slots: i64 = 365 * 96;
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00-04:00").unwrap();

    let mut plain = String::from("time,variable,value\n");
    for k in 0..slots {
        let t = start + chrono::Duration::minutes(15 * k);
        let ts = t.to_rfc3339();
        let _ = writeln!(plain, "{ts},flow,{:.2}", 10.0 + (k % 7) as f64 * 0.31);
        let _ = writeln!(plain, "{ts},total,{}", 1000 + k * 9);
        let _ = writeln!(plain, "{ts},level,{:.2}", 30.0 - (k % 11) as f64 * 0.1);
    }
    let mut dga = String::from(
        "\"Código OB\",\"Fecha Medición\",\"Hora Medición\",\"Caudal (l/s)\",Totalizador(m3),\"Nivel Freatico(m)\"\n",
    );
    for k in 0..slots {
        let t = start + chrono::Duration::minutes(15 * k);
        let _ = writeln!(
            dga,
            "OB-0601-444,{},{},\"{}\",{},\"{}\"",
            t.format("%d/%m/%Y"),
            t.format("%H:%M:%S"),
            format!("{:.2}", 10.0 + (k % 7) as f64 * 0.31).replace('.', ","),
            1000 + k * 9,
            format!("{:.2}", 20.0 + (k % 11) as f64 * 0.1).replace('.', ",")
        );
    }
    let options = ImportOptions {
        water_table: WaterTable::BelowSensor {
            sensor_depth_m: 60.0,
        },
        ..ImportOptions::default()
    };
    for (name, input) in [("plain", plain.as_bytes()), ("dga_mee", dga.as_bytes())] {
        // Warm up once, then measure the best of three.
        let _ = black_box(parse(input, &options).unwrap());
        let mut best = f64::MAX;
        let mut rows = 0;
        for _ in 0..3 {
            let t0 = Instant::now();
            let p = black_box(parse(input, &options).unwrap());
            best = best.min(t0.elapsed().as_secs_f64());
            rows = p.rows.len();
        }
        println!(
            "import parse {name}: {rows} rows, {} bytes, {:.1} ms, {:.0} rows/s, {:.1} MB/s",
            input.len(),
            best * 1e3,
            rows as f64 / best,
            input.len() as f64 / best / 1e6
        );
    }
}
