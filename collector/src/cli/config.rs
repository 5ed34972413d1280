//! `check-config`.

use caudal_config::collector::CollectorConfig;

/// The config loaded and validated (that happened before we got here): say so.
#[expect(clippy::unnecessary_wraps, reason = "every command returns a Result")]
pub(super) fn check(cfg: &CollectorConfig) -> anyhow::Result<()> {
    println!(
        "config ok: storage {}",
        if cfg.storage.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    );
    Ok(())
}
