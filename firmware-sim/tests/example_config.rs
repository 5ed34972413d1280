//! The shipped example config loads and runs; the ground-truth endpoint
//! answers; a fleet of 500 devices runs in one process.

mod common;

use std::path::Path;
use std::time::Duration;

use caudal_config::sim::SimConfig;
use caudal_sim::{Endpoint, Field};
use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn example() -> SimConfig {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/examples/sim.toml");
    caudal_config::load(&path).unwrap()
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = within(tokio::net::TcpStream::connect(addr)).await.unwrap();
    within(s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes()))
        .await
        .unwrap();
    let mut out = String::new();
    within(s.read_to_string(&mut out)).await.unwrap();
    out
}

#[tokio::test]
async fn example_field_serves_three_wells_one_on_rtu_and_reports_truth() {
    let mut cfg = example();
    assert!(cfg.devices.len() >= 3);
    cfg.time_scale = 0.0.try_into().unwrap();
    let field = Field::start(&cfg).await.unwrap();
    let devices = field.devices();
    assert_eq!(
        devices
            .iter()
            .filter(|d| matches!(d.endpoint, Endpoint::Rtu(_)))
            .count(),
        1
    );
    field.advance(Duration::from_secs(600));
    for d in &devices {
        if let Endpoint::Tcp(a) = d.endpoint {
            assert_ne!(a.port(), 0);
        }
        let mut ctx = client(&field, &d.id, d.unit_id).await;
        let bits = field.truth(&d.id).counter_bits;
        assert_eq!(counter(&mut ctx, bits).await, field.truth(&d.id).counter);
    }
    let well3 = field.truth("well-3");
    assert_eq!(well3.rollovers, 1, "counter_start is close to the wrap");

    let all = http_get(field.truth_addr(), "/truth").await;
    assert!(all.starts_with("HTTP/1.1 200"), "{all}");
    let body = all.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    for d in &devices {
        assert_eq!(
            json[&d.id]["pulses"].as_u64(),
            Some(field.truth(&d.id).pulses)
        );
    }
    let one = http_get(field.truth_addr(), "/truth/well-2").await;
    assert!(one.contains("\"lost_pulses\""), "{one}");
    assert!(
        http_get(field.truth_addr(), "/truth/nope")
            .await
            .starts_with("HTTP/1.1 404")
    );
    field.shutdown().await;
}

#[tokio::test]
async fn a_fleet_of_500_wells_runs_in_one_process() {
    let text = "time_scale = 0\n[fleet]\ncount = 500\ndevices_per_port = 10\n";
    let cfg: SimConfig = caudal_config::parse(Path::new("fleet.toml"), text).unwrap();
    let field = Field::start(&cfg).await.unwrap();
    let devices = field.devices();
    assert_eq!(devices.len(), 500);
    field.advance(Duration::from_secs(300));
    for d in devices.iter().step_by(97) {
        let mut ctx = client(&field, &d.id, d.unit_id).await;
        assert_eq!(counter(&mut ctx, 32).await, field.truth(&d.id).counter);
    }
    assert_eq!(
        field.tcp_addr("fleet-1"),
        field.tcp_addr("fleet-10"),
        "ten unit ids per port"
    );
    assert_ne!(field.tcp_addr("fleet-1"), field.tcp_addr("fleet-11"));
    field.shutdown().await;
}
