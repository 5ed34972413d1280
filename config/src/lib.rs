//! Typed, documented and validated configuration for `caudal-agent`,
//! `caudal-collector` and `caudal-sim`, loaded from TOML.
//!
//! Every error a user can make in a file is a [`ConfigError`] naming the
//! file, the line and column, the field path (`devices[1].channels[0].address`)
//! and a sentence saying what is wrong. Nothing here panics on bad input.
//!
//! The commented example files under `config/examples/` are loaded by the
//! tests, so they cannot rot.
#![warn(missing_docs)]

pub mod agent;
pub mod collector;
mod error;
pub mod sim;
mod units;

pub use error::{ConfigError, Invalid};
pub use units::{NonNegativeF64, PositiveF64, RegisterAddr, UnitId};

use std::path::Path;

use serde::de::DeserializeOwned;

/// Checks a config for the errors serde cannot see (duplicates, cross-field rules).
pub trait Validate {
    /// Every problem found, each with the span of the offending value.
    fn validate(&self) -> Vec<Invalid>;
}

/// Serial baud rates a Modbus RTU line may use.
pub const BAUD_RANGE: std::ops::RangeInclusive<u32> = 300..=921_600;

/// The baud-rate rule shared by the agent's and the simulator's RTU devices.
pub(crate) fn check_baud(baud: Option<&toml::Spanned<u32>>, path: String, out: &mut Vec<Invalid>) {
    if let Some(b) = baud
        && !BAUD_RANGE.contains(b.get_ref())
    {
        out.push(Invalid::new(
            b.span(),
            path,
            format!(
                "baud rate {} is out of range: use 300 to 921600",
                b.get_ref()
            ),
        ));
    }
}

/// Read and validate a config file.
///
/// # Errors
/// A [`ConfigError`] for an unreadable file, invalid TOML, an unknown field,
/// a wrong type or a failed validation rule.
pub fn load<T: DeserializeOwned + Validate>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        path: String::new(),
        message: format!("cannot read the file: {e}"),
    })?;
    parse(path, &text)
}

/// Parse and validate config text; `file` names it in errors.
///
/// # Errors
/// As [`load`].
pub fn parse<T: DeserializeOwned + Validate>(file: &Path, text: &str) -> Result<T, ConfigError> {
    let de = toml::de::Deserializer::parse(text)
        .map_err(|e| ConfigError::from_toml(file, text, String::new(), &e))?;
    let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = error::field_path(e.path());
        ConfigError::from_toml(file, text, path, e.inner())
    })?;
    if let Some(first) = value.validate().into_iter().next() {
        return Err(ConfigError::from_invalid(file, text, first));
    }
    Ok(value)
}
