//! Cross-crate end-to-end tests of Caudal and the helpers they share: a
//! fault-injecting UDP proxy, and a harness that runs the simulator, the
//! agent and the collector together (in process or as real binaries).

pub mod harness;
pub mod proxy;
