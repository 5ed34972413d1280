//! Every mistake a user can make in a config file fails with the file, the
//! line and column, the field path and a sentence saying what is wrong.

use std::path::Path;

use caudal_config::agent::AgentConfig;
use caudal_config::collector::CollectorConfig;
use caudal_config::{ConfigError, parse};

const BASE: &str = r#"
[agent]
id = "gw-test"
data_dir = "/tmp/caudal-test"

[[devices]]
id = "well-1"
transport = "tcp"
address = "127.0.0.1:5020"

[[devices.channels]]
id = "w1-pulses"
point = "OB-0101"
variable = "pulses"
register = "input"
address = 0
data_type = "u32"
pulses_per_liter = 1.0
counter_bits = 32
regulated = true

[[devices.channels]]
id = "w1-level"
point = "OB-0101"
variable = "level"
register = "input"
address = 2
scale = 0.01
unit = "m"
"#;

fn agent_err(text: &str) -> ConfigError {
    parse::<AgentConfig>(Path::new("agent.toml"), text).expect_err("config should be refused")
}

/// `(line, column, path, message fragment)` of the expected error.
fn check(text: &str, line: usize, column: usize, path: &str, message: &str) {
    let err = agent_err(text);
    assert_eq!(err.file, Path::new("agent.toml"), "{err}");
    assert_eq!((err.line, err.column), (line, column), "position of: {err}");
    assert_eq!(err.path, path, "path of: {err}");
    assert!(
        err.message.contains(message),
        "message of: {err}\nexpected to contain: {message}"
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("agent.toml:{line}:{column}: {path}: ")),
        "{shown}"
    );
}

#[test]
fn base_config_is_valid() {
    let cfg = parse::<AgentConfig>(Path::new("agent.toml"), BASE).unwrap();
    let ch = &cfg.devices[0].channels[0];
    assert_eq!(ch.m3_per_pulse(), Some(0.001));
    assert_eq!(cfg.devices[0].poll_interval_ms.get(), 1000);
}

#[test]
fn unknown_field_names_the_field() {
    let text = BASE.replace("scale = 0.01", "scael = 0.01");
    check(
        &text,
        28,
        1,
        "devices[0].channels[1].scael",
        "unknown field `scael`",
    );
}

#[test]
fn wrong_type_names_the_field() {
    let text = BASE.replace("counter_bits = 32", "counter_bits = \"32\"");
    check(
        &text,
        19,
        16,
        "devices[0].channels[0].counter_bits",
        "invalid type: string \"32\", expected u8",
    );
}

#[test]
fn duplicate_channel_id_points_at_the_second_one() {
    let text = BASE.replace("id = \"w1-level\"", "id = \"w1-pulses\"");
    check(
        &text,
        23,
        6,
        "devices[0].channels[1].id",
        "duplicate channel id `w1-pulses` (first used by devices[0].channels[0])",
    );
}

#[test]
fn register_address_out_of_range() {
    let text = BASE.replace("address = 2\n", "address = 70000\n");
    check(
        &text,
        27,
        11,
        "devices[0].channels[1].address",
        "register address 70000 is out of range: Modbus addresses are 0 to 65535",
    );
}

#[test]
fn multi_register_value_running_past_the_last_address() {
    let text = BASE.replace("address = 0\n", "address = 65535\n");
    check(
        &text,
        16,
        11,
        "devices[0].channels[0].address",
        "a u32 at address 65535 spans 2 registers and runs past 65535",
    );
}

#[test]
fn zero_pulse_constant() {
    let text = BASE.replace("pulses_per_liter = 1.0", "pulses_per_liter = 0.0");
    check(
        &text,
        18,
        20,
        "devices[0].channels[0].pulses_per_liter",
        "must be a number greater than zero, found 0",
    );
}

#[test]
fn counter_without_width() {
    let text = BASE.replace("counter_bits = 32\n", "");
    check(
        &text,
        12,
        6,
        "devices[0].channels[0].counter_bits",
        "a pulse counter needs `counter_bits`",
    );
}

#[test]
fn unsupported_counter_width() {
    let text = BASE.replace("counter_bits = 32", "counter_bits = 24");
    check(
        &text,
        19,
        16,
        "devices[0].channels[0].counter_bits",
        "counter width 24 is not supported: use 16 or 32",
    );
}

#[test]
fn unit_id_out_of_range() {
    let text = BASE.replace(
        "address = \"127.0.0.1:5020\"",
        "address = \"127.0.0.1:5020\"\nunit_id = 0",
    );
    check(
        &text,
        10,
        11,
        "devices[0].unit_id",
        "Modbus unit id 0 is out of range: use 1 to 247",
    );
}

#[test]
fn rtu_field_on_a_tcp_device() {
    let text = BASE.replace(
        "address = \"127.0.0.1:5020\"",
        "address = \"127.0.0.1:5020\"\nbaud = 9600",
    );
    check(
        &text,
        10,
        8,
        "devices[0].baud",
        "`baud` applies to rtu devices only",
    );
}

#[test]
fn baud_rate_out_of_range() {
    let text = BASE.replace(
        "transport = \"tcp\"\naddress = \"127.0.0.1:5020\"",
        "transport = \"rtu\"\nport = \"/dev/ttyUSB0\"\nbaud = 50",
    );
    check(
        &text,
        10,
        8,
        "devices[0].baud",
        "baud rate 50 is out of range: use 300 to 921600",
    );
}

#[test]
fn rtu_device_without_port() {
    let text = BASE.replace(
        "transport = \"tcp\"\naddress = \"127.0.0.1:5020\"",
        "transport = \"rtu\"",
    );
    check(&text, 8, 13, "devices[0].port", "an rtu device needs `port");
}

#[test]
fn unknown_variable() {
    let text = BASE.replace("variable = \"level\"", "variable = \"levle\"");
    check(
        &text,
        25,
        12,
        "devices[0].channels[1].variable",
        "unknown variant `levle`",
    );
}

#[test]
fn toml_syntax_error_has_a_position() {
    let text = BASE.replace("[agent]", "[agent");
    let err = agent_err(&text);
    assert_eq!((err.line, err.path.as_str()), (2, ""), "{err}");
}

#[test]
fn unreadable_file_names_the_file() {
    let err = caudal_config::load::<AgentConfig>(Path::new("/nonexistent/agent.toml")).unwrap_err();
    assert_eq!(err.line, 0);
    assert!(
        err.to_string()
            .starts_with("/nonexistent/agent.toml: cannot read the file"),
        "{err}"
    );
}

#[test]
fn collector_config_defaults_and_bad_url() {
    let cfg = parse::<CollectorConfig>(Path::new("collector.toml"), "").unwrap();
    assert_eq!(cfg.listen.quic.port(), 4433);
    let err = parse::<CollectorConfig>(
        Path::new("collector.toml"),
        "[storage]\ndatabase_url = \"mysql://x\"\n",
    )
    .unwrap_err();
    assert_eq!(
        (err.line, err.column, err.path.as_str()),
        (2, 16, "storage.database_url"),
        "{err}"
    );
    assert!(err.message.contains("is not a database URL"), "{err}");
}
