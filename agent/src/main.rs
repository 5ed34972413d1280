//! `caudal-agent` entry point; the program lives in [`caudal_agent::cli::main`].

fn main() -> std::process::ExitCode {
    caudal_agent::cli::main()
}
