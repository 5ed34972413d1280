//! Each fault, observed from the client side with tokio-modbus.

mod common;

use std::time::Duration;

use caudal_sim::{Exception, Fault, FaultKind, Field};
use common::*;
use tokio_modbus::prelude::*;

/// A client deadline shorter than the slow reply.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(300);

async fn one(dev: caudal_config::sim::SimDevice) -> Field {
    let field = Field::start(&manual(vec![dev])).await.unwrap();
    field.advance(Duration::from_secs(120));
    field
}

#[tokio::test]
async fn counter_rollover_fault_wraps_the_register_soon() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    let before = counter(&mut ctx, 32).await;
    field.inject(
        "w",
        Fault::CounterRollover {
            pulses_before_wrap: 50,
        },
    );
    assert_eq!(counter(&mut ctx, 32).await, u32::MAX - 49);
    field.advance(Duration::from_secs(60));
    let after = counter(&mut ctx, 32).await;
    let t = field.truth("w");
    assert!(after < 1_000 && t.rollovers == 1, "{after} {t:?}");
    assert_eq!(
        t.preset_pulses,
        u64::from((u32::MAX - 49).wrapping_sub(before))
    );
    field.shutdown().await;
}

#[tokio::test]
async fn reboot_sets_the_counter_back_to_zero() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    assert!(counter(&mut ctx, 32).await > 1_000);
    field.advance(Duration::from_secs(10));
    field.inject("w", Fault::Reboot);
    assert_eq!(counter(&mut ctx, 32).await, 0);
    assert_eq!(
        u64_abcd(&holding(&mut ctx, 20, 4).await),
        0,
        "totaliser is RAM too"
    );
    let t = field.truth("w");
    assert_eq!(
        (t.reboots, t.lost_pulses),
        (1, 120),
        "10 s at 12 l/s went unseen"
    );
    field.shutdown().await;
}

#[tokio::test]
async fn stuck_sensor_freezes_the_level() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    let frozen = input(&mut ctx, 2, 1).await[0];
    field.inject("w", Fault::StuckSensor);
    field.advance(Duration::from_secs(1_800));
    assert_eq!(input(&mut ctx, 2, 1).await[0], frozen);
    let truth_cm = field.truth("w").level_m * 100.0;
    assert!(
        (truth_cm - f64::from(frozen)).abs() > 300.0,
        "the real level moved on"
    );
    field.clear("w", FaultKind::StuckSensor);
    field.advance(Duration::from_secs(1));
    assert_ne!(input(&mut ctx, 2, 1).await[0], frozen);
    field.shutdown().await;
}

#[tokio::test]
async fn dead_sensor_reads_out_of_range_or_at_the_floor() {
    let field = one(rtu_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    field.inject("w", Fault::DeadSensor { loop_ua: 0 });
    field.advance(Duration::from_secs(1));
    let ir = input(&mut ctx, 10, 2).await;
    assert!(ir[0] & 0b100 != 0 && ir[1] < 3_800, "{ir:?}");
    assert_eq!(input(&mut ctx, 2, 1).await, vec![0]);
    assert_eq!(discrete(&mut ctx, 2, 1).await, vec![true]);
    // Stuck at the 4 mA floor: in range, so no fault bit, but the level reads 0 m.
    field.inject("w", Fault::DeadSensor { loop_ua: 4_000 });
    field.advance(Duration::from_secs(1));
    let ir = input(&mut ctx, 10, 2).await;
    assert!(
        ir[0] & 0b100 == 0 && (3_999..=4_001).contains(&ir[1]),
        "{ir:?}"
    );
    assert_eq!(input(&mut ctx, 2, 1).await, vec![0]);
    field.clear("w", FaultKind::DeadSensor);
    field.advance(Duration::from_secs(1));
    assert!(input(&mut ctx, 2, 1).await[0] > 1_000);
    field.shutdown().await;
}

#[tokio::test]
async fn exception_fault_is_an_exception_reply_over_tcp_and_rtu() {
    for dev in [tcp_device("w", 1), rtu_device("w", 1)] {
        let field = one(dev).await;
        let mut ctx = client(&field, "w", 1).await;
        field.inject("w", Fault::Exception(Exception::ServerDeviceBusy));
        let r = within(ctx.read_input_registers(0, 2)).await.unwrap();
        assert_eq!(r, Err(ExceptionCode::ServerDeviceBusy));
        let r = within(ctx.read_coils(0, 1)).await.unwrap();
        assert_eq!(r, Err(ExceptionCode::ServerDeviceBusy));
        field.clear("w", FaultKind::Exception);
        assert!(
            within(ctx.read_input_registers(0, 2))
                .await
                .unwrap()
                .is_ok()
        );
        field.shutdown().await;
    }
}

#[tokio::test]
async fn slow_reply_exceeds_the_client_timeout() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    field.inject("w", Fault::SlowReply(Duration::from_millis(1_500)));
    let r = tokio::time::timeout(CLIENT_TIMEOUT, ctx.read_input_registers(0, 2)).await;
    assert!(r.is_err(), "the client timed out");
    // The reply does come, late: a patient client gets it.
    let mut patient = client(&field, "w", 1).await;
    let started = std::time::Instant::now();
    assert!(
        within(patient.read_input_registers(0, 2))
            .await
            .unwrap()
            .is_ok()
    );
    assert!(started.elapsed() >= Duration::from_millis(1_400));
    field.clear("w", FaultKind::SlowReply);
    let mut fresh = client(&field, "w", 1).await;
    assert!(
        tokio::time::timeout(Duration::from_secs(5), fresh.read_input_registers(0, 2))
            .await
            .is_ok()
    );
    field.shutdown().await;
}

/// A read that must not succeed: a decode error or no valid frame before the deadline.
async fn read_fails(ctx: &mut tokio_modbus::client::Context) {
    match tokio::time::timeout(Duration::from_millis(800), ctx.read_input_registers(0, 2)).await {
        Err(_) | Ok(Err(_)) => {}
        Ok(Ok(r)) => panic!("a corrupted reply was accepted: {r:?}"),
    }
}

#[tokio::test]
async fn garbage_bytes_on_the_serial_line_fail_the_read() {
    let field = one(rtu_device("w", 1)).await;
    field.inject("w", Fault::GarbageBytes);
    let mut ctx = client(&field, "w", 1).await;
    read_fails(&mut ctx).await;
    field.clear("w", FaultKind::GarbageBytes);
    // Re-attach after a failure (RTU has no transaction id).
    drop(ctx);
    let mut ctx = client(&field, "w", 1).await;
    assert!(
        within(ctx.read_input_registers(0, 2))
            .await
            .unwrap()
            .is_ok()
    );
    field.shutdown().await;
}

#[tokio::test]
async fn dropped_bytes_on_the_serial_line_fail_the_read() {
    let field = one(rtu_device("w", 1)).await;
    field.inject("w", Fault::DroppedBytes);
    let mut ctx = client(&field, "w", 1).await;
    read_fails(&mut ctx).await;
    field.clear("w", FaultKind::DroppedBytes);
    drop(ctx);
    let mut ctx = client(&field, "w", 1).await;
    assert!(
        within(ctx.read_input_registers(0, 2))
            .await
            .unwrap()
            .is_ok()
    );
    field.shutdown().await;
}

#[tokio::test]
async fn garbage_bytes_over_tcp_fail_the_read() {
    let field = one(tcp_device("w", 1)).await;
    field.inject("w", Fault::GarbageBytes);
    let mut ctx = client(&field, "w", 1).await;
    read_fails(&mut ctx).await;
    field.shutdown().await;
}

#[tokio::test]
async fn no_reply_times_out_over_tcp_and_rtu() {
    for dev in [tcp_device("w", 1), rtu_device("w", 1)] {
        let field = one(dev).await;
        field.inject("w", Fault::NoReply);
        let mut ctx = client(&field, "w", 1).await;
        let r = tokio::time::timeout(CLIENT_TIMEOUT, ctx.read_input_registers(0, 2)).await;
        assert!(r.is_err(), "no answer at all");
        field.clear("w", FaultKind::NoReply);
        drop(ctx);
        let mut ctx = client(&field, "w", 1).await;
        assert!(
            within(ctx.read_input_registers(0, 2))
                .await
                .unwrap()
                .is_ok()
        );
        field.shutdown().await;
    }
}

#[tokio::test]
async fn clock_jump_shows_in_the_run_time() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    let before = u32_abcd(&input(&mut ctx, 7, 2).await);
    field.inject("w", Fault::ClockJump { seconds: 3_600 });
    field.advance(Duration::from_secs(1));
    let after = u32_abcd(&input(&mut ctx, 7, 2).await);
    assert!(after >= before + 3_600, "{before} -> {after}");
    assert!(
        field.truth("w").run_time_s < 200.0,
        "the pump did not really run an hour"
    );
    field.shutdown().await;
}

#[tokio::test]
async fn motor_trip_stops_the_pump_and_sets_the_status() {
    let field = one(tcp_device("w", 1)).await;
    let mut ctx = client(&field, "w", 1).await;
    field.inject("w", Fault::MotorTrip);
    field.advance(Duration::from_secs(1));
    assert_eq!(input(&mut ctx, 10, 1).await, vec![0b1000]);
    assert_eq!(discrete(&mut ctx, 0, 1).await, vec![false]);
    field.clear("w", FaultKind::MotorTrip);
    field.advance(Duration::from_secs(1));
    assert_eq!(input(&mut ctx, 10, 1).await, vec![0b0001]);
    field.shutdown().await;
}

#[tokio::test]
async fn a_well_that_runs_dry_raises_current_and_the_alarm() {
    let mut dev = tcp_device("w", 1);
    let aquifer = caudal_config::sim::AquiferParams {
        drawdown_m: 39.0.try_into().unwrap(),
        drawdown_tau_s: 120.0.try_into().unwrap(),
        ..Default::default()
    };
    dev.aquifer = Some(aquifer);
    let field = one(dev).await;
    let mut ctx = client(&field, "w", 1).await;
    let normal = input(&mut ctx, 6, 1).await[0];
    field.advance(Duration::from_secs(300));
    let status = input(&mut ctx, 6, 5).await;
    assert!(
        status[0] > normal + 500,
        "current {normal} -> {}",
        status[0]
    );
    assert_eq!(status[4] & 0b11, 0b11, "running and dry");
    assert_eq!(discrete(&mut ctx, 1, 1).await, vec![true]);
    field.advance(Duration::from_secs(900));
    assert_eq!(
        input(&mut ctx, 10, 1).await[0] & 0b1000,
        0b1000,
        "protection tripped"
    );
    field.shutdown().await;
}

#[tokio::test]
async fn scripted_faults_switch_on_and_off_at_their_times() {
    let text = r#"
        time_scale = 0
        [[devices]]
        id = "w"
        transport = "tcp"
        [[devices.faults]]
        at_s = 200
        fault = "exception"
        code = 4
        for_s = 100
    "#;
    let cfg: caudal_config::sim::SimConfig =
        caudal_config::parse(std::path::Path::new("t.toml"), text).unwrap();
    let field = Field::start(&cfg).await.unwrap();
    let mut ctx = client(&field, "w", 1).await;
    field.advance(Duration::from_secs(150));
    assert!(
        within(ctx.read_input_registers(0, 2))
            .await
            .unwrap()
            .is_ok()
    );
    field.advance(Duration::from_secs(100));
    assert_eq!(
        within(ctx.read_input_registers(0, 2)).await.unwrap(),
        Err(ExceptionCode::ServerDeviceFailure)
    );
    field.advance(Duration::from_secs(100));
    assert!(
        within(ctx.read_input_registers(0, 2))
            .await
            .unwrap()
            .is_ok()
    );
    field.shutdown().await;
}
