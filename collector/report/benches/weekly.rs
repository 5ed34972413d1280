//! Weekly report generation for a site with 50 assets (the test fixture):
//! the renderer's start-up (font parsing, typst's standard library), the
//! first render (typst's caches cold) against the steady state, the PDF
//! alone and the whole e-mail (PDF + PNG charts + HTML + text), and the
//! size of what the crate embeds.
//!
//! `cargo bench -p caudal-collector-report --bench weekly` (release), or
//! `cargo test -p caudal-collector-report --bench weekly` for a quick run
//! with the workspace's dev settings (dependencies at opt-level 2).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use caudal_collector_domain::Lang;
use caudal_collector_report::{Renderer, weekly_charts};

const ROUNDS: usize = 10;

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    format!(
        "min {:.1} ms, median {:.1} ms, max {:.1} ms ({} rounds)",
        ms(v[0]),
        ms(v[v.len() / 2]),
        ms(v[v.len() - 1]),
        v.len()
    )
}

fn main() {
    let report = common::weekly(Lang::Es);
    println!(
        "weekly report fixture: {} assets, {} risk rows, {} compliance points, {} assets down",
        common::assets().len(),
        report.risk.rows.len(),
        report.compliance.len(),
        report.downtime.len()
    );

    let t = Instant::now();
    let renderer = Renderer::new();
    println!(
        "Renderer::new (parse fonts, build typst library): {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );

    let t = Instant::now();
    let first = renderer.weekly_pdf(&report).expect("first render");
    println!(
        "first weekly PDF (cold caches, fonts loaded on first use): {:.1} ms, {} pages, {} bytes",
        t.elapsed().as_secs_f64() * 1e3,
        first.pages,
        first.bytes.len()
    );

    let pdf: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            let p = renderer.weekly_pdf(&report).expect("render");
            std::hint::black_box(p);
            t.elapsed()
        })
        .collect();
    println!(
        "weekly PDF, the same report again (memoized): {}",
        stats(pdf)
    );

    // A different report each round (another site name on every page,
    // other risk figures), so typst's memoized layout helps less: closer to
    // the Monday job, which renders each site once.
    let varied: Vec<Duration> = (0..ROUNDS)
        .map(|i| {
            let mut r = report.clone();
            r.site.name = format!("Planta {i}");
            for row in &mut r.risk.rows {
                row.assessment.probability *= 0.5 + 0.04 * i as f64;
            }
            let t = Instant::now();
            std::hint::black_box(renderer.weekly_pdf(&r).expect("render"));
            t.elapsed()
        })
        .collect();
    println!(
        "weekly PDF, a different report each round: {}",
        stats(varied)
    );

    let charts: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(weekly_charts(&report).expect("charts"));
            t.elapsed()
        })
        .collect();
    println!("weekly charts as SVG (10 charts): {}", stats(charts));

    let mut mail_bytes = 0;
    let mail: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            let m = renderer.weekly_email(&report).expect("email");
            mail_bytes = m.html.len()
                + m.text.len()
                + m.inline.iter().map(|p| p.bytes.len()).sum::<usize>()
                + m.attachments.iter().map(|a| a.bytes.len()).sum::<usize>();
            std::hint::black_box(m);
            t.elapsed()
        })
        .collect();
    println!(
        "weekly e-mail (PDF + PNG charts + HTML + text), steady state: {}; {mail_bytes} bytes of parts",
        stats(mail)
    );

    let daily = common::daily(Lang::Es);
    let d: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(renderer.daily_email(&daily).expect("daily"));
            t.elapsed()
        })
        .collect();
    println!("daily summary e-mail: {}", stats(d));

    let fonts: usize = caudal_collector_report::fonts::ALL
        .iter()
        .map(|f| f.len())
        .sum();
    println!("embedded fonts: {fonts} bytes");
    if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
        println!(
            "this benchmark binary (typst, typst-pdf, resvg, fonts, fixture): {} bytes",
            meta.len()
        );
    }
}
