//! Every register type read with tokio-modbus over TCP and over the RTU pty,
//! checked against the model and the ground truth, across rollovers and a reboot.

mod common;

use std::time::Duration;

use caudal_sim::{Fault, Field};
use common::*;
use tokio_modbus::prelude::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

async fn check_register_map(transport: &str) {
    let dev = if transport == "tcp" {
        tcp_device("w", 7)
    } else {
        rtu_device("w", 7)
    };
    let field = Field::start(&manual(vec![dev])).await.unwrap();
    field.advance(Duration::from_secs(600));
    let t = field.truth("w");
    let mut ctx = client(&field, "w", 7).await;

    let ir = input(&mut ctx, 0, 12).await;
    assert!(t.pulses > 6_000, "{t:?}");
    assert_eq!(
        u64::from(u32_abcd(&ir[0..2])),
        t.pulses,
        "counter = every pulse"
    );
    assert!(
        close(f64::from(ir[2]) / 100.0, t.level_m, 0.02),
        "level {} vs {}",
        ir[2],
        t.level_m
    );
    assert!(close(f64::from(ir[3]) / 100.0, 12.0, 0.3), "flow {}", ir[3]);
    let flow_f32 = f32::from_bits((u32::from(ir[5]) << 16) | u32::from(ir[4]));
    assert!(
        close(f64::from(flow_f32), f64::from(ir[3]) / 100.0, 0.011),
        "CDAB float {flow_f32}"
    );
    assert!(
        close(f64::from(ir[6]) / 100.0, t.current_a, 0.02),
        "current {} vs {}",
        ir[6],
        t.current_a
    );
    let run_s = u32_abcd(&ir[7..9]);
    assert!((598..=600).contains(&run_s), "run time {run_s}");
    assert_eq!(u32::from(ir[9]), t.pump_starts);
    assert_eq!(ir[10], 0b0001, "running, no alarm");
    let loop_ua = f64::from(ir[11]);
    assert!(
        close(loop_ua, 4000.0 + t.level_m / 100.0 * 16000.0, 2.0),
        "loop {loop_ua}"
    );

    assert_eq!(holding(&mut ctx, 0, 1).await, vec![1000]);
    let m3 = f64::from_bits(u64_abcd(&holding(&mut ctx, 10, 4).await));
    #[allow(clippy::cast_precision_loss, reason = "test values are small")]
    let expect_m3 = t.pulses as f64 / 1000.0;
    assert!(close(m3, expect_m3, 1e-9), "{m3}");
    assert_eq!(u64_abcd(&holding(&mut ctx, 20, 4).await), t.pulses);
    assert!(
        close(t.volume_m3, expect_m3, 0.001),
        "truth volume within one pulse"
    );

    assert_eq!(coils(&mut ctx, 0, 1).await, vec![true]);
    assert_eq!(discrete(&mut ctx, 0, 3).await, vec![true, false, false]);

    // Unmapped addresses and bad quantities are exceptions, not transport errors.
    let e = within(ctx.read_input_registers(12, 1)).await.unwrap();
    assert_eq!(e, Err(ExceptionCode::IllegalDataAddress));
    let e = within(ctx.read_holding_registers(1, 1)).await.unwrap();
    assert_eq!(e, Err(ExceptionCode::IllegalDataAddress));
    let e = within(ctx.write_single_register(0, 5)).await.unwrap();
    assert_eq!(e, Err(ExceptionCode::IllegalDataAddress));

    // The run command coil stops and releases the pump.
    within(ctx.write_single_coil(0, false))
        .await
        .unwrap()
        .unwrap();
    field.advance(Duration::from_secs(1));
    assert_eq!(coils(&mut ctx, 0, 1).await, vec![false]);
    assert_eq!(discrete(&mut ctx, 0, 1).await, vec![false]);
    assert!(!field.truth("w").running);
    within(ctx.write_single_coil(0, true))
        .await
        .unwrap()
        .unwrap();
    field.advance(Duration::from_secs(1));
    assert_eq!(discrete(&mut ctx, 0, 1).await, vec![true]);
    assert_eq!(input(&mut ctx, 9, 1).await, vec![2], "a second start");
    field.shutdown().await;
}

#[tokio::test]
async fn every_register_type_over_tcp_matches_the_model() {
    check_register_map("tcp").await;
}

#[tokio::test]
async fn every_register_type_over_rtu_pty_matches_the_model() {
    check_register_map("rtu").await;
}

/// A poller that reads the counter every simulated minute and adds up the
/// deltas modulo the register width; told about the reboot it restarts from 0.
async fn poll_across_rollovers_and_a_reboot(transport: &str) {
    let mut dev = if transport == "tcp" {
        tcp_device("w", 1)
    } else {
        rtu_device("w", 1)
    };
    dev.counter_bits = toml::Spanned::new(0..0, 16);
    dev.pulses_per_liter = toml::Spanned::new(0..0, 10.0.try_into().unwrap());
    let field = Field::start(&manual(vec![dev])).await.unwrap();
    let mut ctx = client(&field, "w", 1).await;
    field.advance(Duration::from_secs(30));
    let mut last = counter(&mut ctx, 16).await;
    let mut pulses_at_last_read = field.truth("w").pulses;
    let mut total = 0u64;
    let mut lost_expected = 0;
    for minute in 0..40 {
        field.advance(Duration::from_secs(60));
        if minute == 20 {
            field.advance(Duration::from_secs(17));
            lost_expected = field.truth("w").pulses - pulses_at_last_read;
            assert!(field.inject("w", Fault::Reboot));
            field.advance(Duration::from_secs(60));
            last = 0;
        }
        let now = counter(&mut ctx, 16).await;
        pulses_at_last_read = field.truth("w").pulses;
        total += (u64::from(now) + 65_536 - u64::from(last)) % 65_536;
        last = now;
    }
    let t = field.truth("w");
    assert_eq!(t.reboots, 1);
    assert_eq!(t.lost_pulses, lost_expected);
    assert!(t.rollovers >= 3, "{t:?}");
    assert_eq!(t.counter, last);
    assert!(
        t.observable_pulses().abs_diff(total) <= 1,
        "poller {total} vs truth {t:?}"
    );
    field.shutdown().await;
}

#[tokio::test]
async fn tcp_poller_matches_truth_across_rollovers_and_a_reboot() {
    poll_across_rollovers_and_a_reboot("tcp").await;
}

#[tokio::test]
async fn rtu_poller_matches_truth_across_rollovers_and_a_reboot() {
    poll_across_rollovers_and_a_reboot("rtu").await;
}

#[tokio::test]
async fn thirty_two_bit_counter_wraps_at_2_pow_32() {
    let mut dev = tcp_device("w", 1);
    dev.counter_start = u32::MAX - 100;
    let field = Field::start(&manual(vec![dev])).await.unwrap();
    let mut ctx = client(&field, "w", 1).await;
    let first = counter(&mut ctx, 32).await;
    assert_eq!(first, u32::MAX - 100);
    field.advance(Duration::from_secs(60));
    let now = counter(&mut ctx, 32).await;
    let t = field.truth("w");
    assert_eq!(t.rollovers, 1);
    assert!(now < 1_000);
    assert_eq!(u64::from(now.wrapping_sub(first)), t.observable_pulses());
    field.shutdown().await;
}

#[tokio::test]
async fn several_unit_ids_share_one_tcp_port() {
    let mut a = tcp_device("a", 1);
    let mut b = tcp_device("b", 2);
    a.gateway = Some(toml::Spanned::new(0..0, "gw".to_owned()));
    b.gateway = a.gateway.clone();
    b.pulses_per_liter = toml::Spanned::new(0..0, 2.5.try_into().unwrap());
    let field = Field::start(&manual(vec![a, b])).await.unwrap();
    let addr = field.tcp_addr("a").unwrap();
    assert_eq!(field.tcp_addr("b"), Some(addr));
    let mut ctx = tcp_client(addr, 1).await;
    assert_eq!(holding(&mut ctx, 0, 1).await, vec![1000]);
    ctx.set_slave(Slave(2));
    assert_eq!(holding(&mut ctx, 0, 1).await, vec![2500]);
    ctx.set_slave(Slave(9));
    let e = within(ctx.read_holding_registers(0, 1)).await.unwrap();
    assert_eq!(e, Err(ExceptionCode::GatewayTargetDevice));
    field.shutdown().await;
}

#[tokio::test]
async fn the_clock_runs_at_time_scale() {
    let mut cfg = manual(vec![tcp_device("w", 1)]);
    cfg.time_scale = 1000.0.try_into().unwrap();
    let field = Field::start(&cfg).await.unwrap();
    let mut ctx = client(&field, "w", 1).await;
    let started = std::time::Instant::now();
    let mut c = 0;
    for _ in 0..200 {
        c = counter(&mut ctx, 32).await;
        if c > 5_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        c > 5_000,
        "12 l/s at 1000x passes 5000 pulses in well under 10 s"
    );
    let sim = field.truth("w").sim_time_s;
    let real = started.elapsed().as_secs_f64();
    assert!(
        sim > 400.0 && sim < 1000.0 * (real + 1.0),
        "sim {sim} s in {real} s"
    );
    field.shutdown().await;
}
