//! Docs drift tests: the documents a new user reads must match the code.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_protocol_message_is_documented() {
    let doc = read("protocol/README.md");
    let src = read("protocol/src/message.rs");
    let body = &src[src.find("pub enum Message {").expect("Message enum")..];
    let body = &body[..body.find("\n}").expect("end of enum")];
    let variants: Vec<&str> = body
        .lines()
        .filter_map(|l| l.trim().strip_suffix(','))
        .filter_map(|l| l.split('(').next())
        .filter(|v| v.chars().next().is_some_and(char::is_uppercase))
        .collect();
    assert!(variants.len() >= 5, "parsed {variants:?}");
    for v in variants {
        assert!(
            doc.contains(&format!("| `{v}`")),
            "protocol/README.md has no row for message `{v}`"
        );
    }
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = read("README.md");
    let ci = read(".ci/run");
    let block = readme
        .split("```sh")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block in README.md");
    let cmd = block.trim();
    assert!(
        cmd.starts_with("cargo test"),
        "README's test command: {cmd}"
    );
    assert!(
        ci.contains(cmd),
        ".ci/run must run the README's test command `{cmd}`"
    );
}

#[test]
fn architecture_maps_every_workspace_member() {
    let arch = read("ARCHITECTURE.md");
    let manifest = read("Cargo.toml");
    let members = manifest
        .split("members = [")
        .nth(1)
        .and_then(|m| m.split(']').next())
        .expect("members");
    for m in members
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
    {
        if m == "tests" {
            continue;
        }
        assert!(
            arch.contains(&format!("`{m}/`")),
            "ARCHITECTURE.md has no section for `{m}/`"
        );
    }
}

#[test]
fn config_examples_exist_for_every_program() {
    for f in ["agent.toml", "collector.toml", "sim.toml"] {
        assert!(
            root().join("config/examples").join(f).exists(),
            "config/examples/{f} is missing"
        );
    }
}
