//! Every file under `config/examples/` loads and validates: the examples cannot rot.

use std::path::{Path, PathBuf};

use caudal_config::agent::AgentConfig;
use caudal_config::collector::CollectorConfig;
use caudal_config::sim::SimConfig;

fn examples(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            examples(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn every_example_loads() {
    let mut files = Vec::new();
    examples(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &mut files,
    );
    files.sort();
    let mut seen = [0; 3];
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        let result = if name.starts_with("agent") {
            seen[0] += 1;
            caudal_config::load::<AgentConfig>(f).map(|_| ())
        } else if name.starts_with("collector") {
            seen[1] += 1;
            caudal_config::load::<CollectorConfig>(f).map(|_| ())
        } else if name.starts_with("sim") {
            seen[2] += 1;
            caudal_config::load::<SimConfig>(f).map(|_| ())
        } else {
            panic!(
                "{}: name it agent*, collector* or sim* so this test knows its type",
                f.display()
            );
        };
        if let Err(e) = result {
            panic!("{e}");
        }
    }
    assert_eq!(
        seen,
        [2, 2, 2],
        "agent, collector and sim examples, plus the demo's: {files:?}"
    );
}

#[test]
fn demo_agent_matches_demo_field() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let agent: AgentConfig = caudal_config::load(&dir.join("agent.toml")).unwrap();
    let sim: SimConfig = caudal_config::load(&dir.join("sim.toml")).unwrap();
    let collector: CollectorConfig = caudal_config::load(&dir.join("collector.toml")).unwrap();
    assert_eq!(
        agent.collector.as_ref().unwrap().address,
        collector.listen.quic.to_string()
    );
    for dev in &sim.devices {
        let a = agent
            .devices
            .iter()
            .find(|d| d.id.get_ref() == dev.id.get_ref())
            .expect("agent reads every demo well");
        assert_eq!(
            a.unit_id.get(),
            dev.unit_id.get_ref().get(),
            "{}",
            dev.id.get_ref()
        );
        match a.link() {
            caudal_config::agent::Link::Tcp { address } => {
                assert_eq!(address, dev.listen.get_ref().to_string())
            }
            caudal_config::agent::Link::Rtu { port, baud, .. } => {
                assert_eq!(Some(&port), dev.symlink.as_ref().map(|s| s.get_ref()));
                assert_eq!(Some(baud), dev.baud.as_ref().map(|b| *b.get_ref()));
            }
        }
    }
}
