//! The `caudal-agent` program, built inside this package so end-to-end tests
//! can run it as a real process (and SIGKILL it) with `CARGO_BIN_EXE_e2e-agent`.

fn main() -> std::process::ExitCode {
    caudal_agent::cli::main()
}
