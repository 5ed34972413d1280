//! The command line: `check-config` on each bad input, `probe` and `status` against caudal-sim.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use caudal_sim::Field;
use common::{Dev, agent_toml, sim_config, write_config};

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_caudal-agent"))
        .args(args)
        .output()
        .expect("run caudal-agent")
}

const BASE: &str = r#"[agent]
id = "gw"
data_dir = "/tmp/caudal-test"

[[devices]]
id = "well-1"
transport = "tcp"
address = "127.0.0.1:502"

[[devices.channels]]
id = "well-1.volume"
point = "W1"
variable = "pulses"
register = "input"
address = 0
data_type = "u32"
pulses_per_liter = 1.0
counter_bits = 32
"#;

#[test]
fn the_example_config_checks_ok() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/examples/agent.toml");
    let out = agent(&["check-config", example.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ok (3 devices, 17 channels)"),
        "{out:?}"
    );
}

/// Each bad input: the agent refuses to start with exit code 2 and `file:line:column: path: message`.
#[test]
fn each_bad_config_input_is_refused_with_its_position() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (replace, with, expected "line:col: path", expected message part)
        (
            "counter_bits = 32",
            "counter_bits = 24",
            "devices[0].channels[0].counter_bits",
            "counter width 24 is not supported",
        ),
        (
            "pulses_per_liter = 1.0\n",
            "",
            "devices[0].channels[0].pulses_per_liter",
            "needs `pulses_per_liter`",
        ),
        (
            "pulses_per_liter = 1.0",
            "pulses_per_liter = -1.0",
            "devices[0].channels[0].pulses_per_liter",
            "greater than zero",
        ),
        (
            "address = \"127.0.0.1:502\"",
            "address = \"plc.local\"",
            "devices[0].address",
            "is not host:port",
        ),
        (
            "address = \"127.0.0.1:502\"",
            "",
            "devices[0].address",
            "needs `address",
        ),
        (
            "transport = \"tcp\"\naddress = \"127.0.0.1:502\"",
            "transport = \"rtu\"\nport = \"/dev/ttyUSB0\"\nbaud = 12",
            "devices[0].baud",
            "baud rate 12 is out of range",
        ),
        (
            "transport = \"tcp\"",
            "transport = \"can\"",
            "devices[0].transport",
            "unknown variant",
        ),
        (
            "address = 0\n",
            "address = 70000\n",
            "devices[0].channels[0].address",
            "out of range",
        ),
        (
            "data_type = \"u32\"",
            "data_type = \"f32\"",
            "devices[0].channels[0].data_type",
            "read as u16 or u32",
        ),
        (
            "register = \"input\"",
            "register = \"eeprom\"",
            "devices[0].channels[0].register",
            "unknown variant",
        ),
        (
            "variable = \"pulses\"",
            "variable = \"level\"",
            "devices[0].channels[0].pulses_per_liter",
            "applies to `variable = \"pulses\"` channels only",
        ),
        (
            "id = \"gw\"",
            "id = \"gw\"\ncolour = \"blue\"",
            "agent",
            "unknown field `colour`",
        ),
        ("id = \"gw\"", "id = \"\"", "agent.id", "must not be empty"),
        (
            "[[devices]]\nid = \"well-1\"\ntransport",
            "[[devices]]\nid = \"well-1\"\nunit_id = 0\ntransport",
            "devices[0].unit_id",
            "unit id 0 is out of range",
        ),
        (
            "counter_bits = 32\n",
            "counter_bits = 32\n\n[[devices.channels]]\nid = \"well-1.volume\"\npoint = \"W1\"\nvariable = \"level\"\nregister = \"input\"\naddress = 2\n",
            "devices[0].channels[1].id",
            "duplicate channel id",
        ),
        (
            "counter_bits = 32\n",
            "counter_bits = 32\n\n[[devices.channels]]\nid = \"c\"\npoint = \"W1\"\nvariable = \"level\"\nregister = \"input\"\naddress = 2\nmin = 5.0\nmax = 1.0\n",
            "devices[0].channels[1].min",
            "min 5 is greater than max 1",
        ),
        (
            "counter_bits = 32\n",
            "counter_bits = 32\n\n[[devices.channels]]\nid = \"c\"\npoint = \"W1\"\nvariable = \"pump_state\"\nregister = \"input\"\naddress = 10\nbits = { shift = 15, width = 2 }\n",
            "devices[0].channels[1].bits",
            "does not fit a 16-bit value",
        ),
        (
            "counter_bits = 32\n",
            "counter_bits = 32\nmax_pulses_per_second = 0\n",
            "devices[0].channels[0].max_pulses_per_second",
            "greater than zero",
        ),
        (
            "[agent]",
            "[agent]\ndisk_budget_bytes = 0",
            "devices",
            "nonzero",
        ),
        (
            "[agent]",
            "[agent]\nwhen_full = \"drop_newest\"",
            "agent.when_full",
            "unknown variant",
        ),
        ("[agent]", "[agent", "", "unclosed table"),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (replace, with, at, message)) in cases.iter().enumerate() {
        assert!(BASE.contains(replace), "case {i}: base has `{replace}`");
        let text = BASE.replacen(replace, with, 1);
        let path = dir.path().join(format!("bad-{i}.toml"));
        std::fs::write(&path, &text).unwrap();
        let out = agent(&["check-config", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "case {i}: exit code; stderr: {stderr}"
        );
        let at = if *at == "devices" { "" } else { at };
        let rest = stderr
            .strip_prefix(&format!("{}:", path.display()))
            .unwrap_or_else(|| panic!("case {i}: names the file: {stderr}"));
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("case {i}: a line: {stderr}"));
        let column: usize = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|_| panic!("case {i}: a column: {stderr}"));
        assert!(line > 0 && column > 0, "case {i}: {stderr}");
        assert!(
            stderr.contains(at),
            "case {i}: expected `{at}` in: {stderr}"
        );
        assert!(
            stderr.contains(message),
            "case {i}: expected `{message}` in: {stderr}"
        );
        // `run` refuses the same file the same way, before touching any device or disk.
        let out = agent(&["run", "--config", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "case {i}: run exit code");
    }
    let missing = dir.path().join("missing.toml");
    let out = agent(&["check-config", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_and_status_against_the_sim() {
    let sim = sim_config(
        // The clock stands still: the counter reads exactly its start value.
        "seed = 3\ntime_scale = 0\n[[devices]]\nid = \"p1\"\nunit_id = 4\ntransport = \"tcp\"\ncounter_start = 1234\n",
    );
    let field = Field::start(&sim).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (config, cfg) = write_config(
        dir.path(),
        &agent_toml(&data, &field, &[Dev::new("p1", 4, 32, 1.0)], ""),
    );
    let config_s = config.to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking({
        let c = config_s.clone();
        move || agent(&["probe", "--config", &c, "--device", "p1"])
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Input 0..3: 0000 04d2"), "{stdout}");
    assert!(stdout.contains("raw=1234 (pulses)"), "{stdout}");
    assert!(stdout.contains("p1.volume"), "{stdout}");
    assert!(stdout.contains("p1.totaliser"), "{stdout}");
    let out = agent(&["probe", "--config", &config_s, "--device", "nope"]);
    assert!(!out.status.success());

    // Run a little in-process, then `status` reads the outbox.
    let shutdown = tokio_util::sync::CancellationToken::new();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let run = tokio::spawn({
        let s = shutdown.clone();
        async move { caudal_agent::pipeline::run(&cfg, s, Some(tx)).await }
    });
    let ready = rx.await.unwrap();
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(20));
    while ready
        .metrics
        .commits
        .load(std::sync::atomic::Ordering::Relaxed)
        < 3
    {
        tick.tick().await;
    }
    let out = tokio::task::spawn_blocking(move || agent(&["status", "--config", &config_s]))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("backlog"), "{stdout}");
    assert!(stdout.contains("device p1: last poll"), "{stdout}");
    shutdown.cancel();
    run.await.unwrap().unwrap();
    field.shutdown().await;
}
