//! Validated newtypes: a bad value fails while deserializing, so the error
//! carries the value's position.

use serde::{Deserialize, Serialize};

/// A finite number greater than zero (pulse constants, scales of counters).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct PositiveF64(f64);

impl PositiveF64 {
    /// The value.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }

    /// `v` if it is finite and greater than zero.
    #[must_use]
    pub fn new(v: f64) -> Option<PositiveF64> {
        (v.is_finite() && v > 0.0).then_some(PositiveF64(v))
    }
}

impl TryFrom<f64> for PositiveF64 {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        PositiveF64::new(v).ok_or_else(|| format!("must be a number greater than zero, found {v}"))
    }
}

impl From<PositiveF64> for f64 {
    fn from(v: PositiveF64) -> f64 {
        v.0
    }
}

/// A finite number zero or greater.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct NonNegativeF64(f64);

impl NonNegativeF64 {
    /// The value.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for NonNegativeF64 {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        if v.is_finite() && v >= 0.0 {
            Ok(NonNegativeF64(v))
        } else {
            Err(format!("must be a number zero or greater, found {v}"))
        }
    }
}

impl From<NonNegativeF64> for f64 {
    fn from(v: NonNegativeF64) -> f64 {
        v.0
    }
}

/// A Modbus unit (slave) id: 1..=247 (0 is broadcast, 248..=255 reserved).
///
/// Modbus over serial line v1.02, section 2.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct UnitId(u8);

impl UnitId {
    /// The id.
    #[must_use]
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for UnitId {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        u8::try_from(v)
            .ok()
            .filter(|u| (1..=247).contains(u))
            .map(UnitId)
            .ok_or_else(|| format!("Modbus unit id {v} is out of range: use 1 to 247"))
    }
}

impl From<UnitId> for u8 {
    fn from(v: UnitId) -> u8 {
        v.0
    }
}

/// A Modbus register or coil address: 0..=65535 (protocol address, not the 4xxxx label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u16")]
pub struct RegisterAddr(u16);

impl RegisterAddr {
    /// The address.
    #[must_use]
    pub fn get(self) -> u16 {
        self.0
    }
}

impl TryFrom<i64> for RegisterAddr {
    type Error = String;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        u16::try_from(v).map(RegisterAddr).map_err(|_| {
            format!("register address {v} is out of range: Modbus addresses are 0 to 65535")
        })
    }
}

impl From<RegisterAddr> for u16 {
    fn from(v: RegisterAddr) -> u16 {
        v.0
    }
}
