//! Catchment points: what a point is, its life cycle and the rules its fields
//! follow. The store keeps them; the API converts them at its edge.

use crate::UtcMillis;
use crate::vocab::vocabulary;

vocabulary!(
    /// Type of a catchment point (DGA's categories of "obra de captación").
    PointKind {
        /// Groundwater well.
        Well => "well",
        /// River intake.
        River => "river",
        /// Lake intake.
        Lake => "lake",
        /// Reservoir.
        Reservoir => "reservoir",
        /// Spring.
        Spring => "spring",
        /// Drain.
        Drain => "drain",
    }
);

vocabulary!(
    /// Life cycle of a catchment point.
    PointStatus {
        /// Created by the first reading for its code; an operator completes it.
        Unregistered => "unregistered",
        /// In service.
        Active => "active",
        /// Out of service.
        Inactive => "inactive",
    }
);

/// A catchment point as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Unique code (the agent's `point`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Type; `None` until someone says.
    pub kind: Option<PointKind>,
    /// Site code.
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// Life cycle state.
    pub status: PointStatus,
    /// When created.
    pub created: UtcMillis,
    /// When last changed.
    pub updated: UtcMillis,
}

/// A value that breaks a rule: which field, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct Invalid {
    /// The field or parameter.
    pub field: &'static str,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl Invalid {
    /// An [`Invalid`] about `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Invalid {
        Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Longest code (points, sites, users).
pub const MAX_CODE_LEN: usize = 64;
/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Check a code (of a point, a site, a user): 1 to 64 characters of
/// `A-Z a-z 0-9 _ - .`.
///
/// # Errors
/// [`Invalid`] about `field`, without echoing the value (it may be long or
/// hostile).
pub fn check_code(field: &'static str, code: &str) -> Result<(), Invalid> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            field,
            "must be 1 to 64 characters of A-Z, a-z, 0-9, `_`, `-`, `.`",
        ))
    }
}

/// Check a display name: 1 to 200 characters, not only spaces, and no control
/// characters (they break logs, CSV exports and terminals).
///
/// # Errors
/// [`Invalid`] about `field`.
pub fn check_name(field: &'static str, name: &str) -> Result<(), Invalid> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(Invalid::new(field, "must be 1 to 200 characters"));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            "must not contain control characters (tabs, line breaks, ...)",
        ));
    }
    Ok(())
}

/// The fields of a point that the API may set. `None` leaves a field as it is
/// (on create: empty), so a create is a patch of a fresh point.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PointPatch {
    /// Display name.
    pub name: Option<String>,
    /// Type.
    pub kind: Option<PointKind>,
    /// Site code (the site is created when new).
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// Life cycle state.
    pub status: Option<PointStatus>,
}

/// Longest DGA code.
pub const MAX_DGA_CODE_LEN: usize = 64;

impl PointPatch {
    /// Check ranges, lengths and characters.
    ///
    /// # Errors
    /// [`Invalid`] naming the first bad field.
    pub fn validate(&self) -> Result<(), Invalid> {
        if let Some(lat) = self.latitude
            && !(-90.0..=90.0).contains(&lat)
        {
            return Err(Invalid::new(
                "latitude",
                "must be between -90 and 90 degrees",
            ));
        }
        if let Some(lon) = self.longitude
            && !(-180.0..=180.0).contains(&lon)
        {
            return Err(Invalid::new(
                "longitude",
                "must be between -180 and 180 degrees",
            ));
        }
        if let Some(name) = &self.name {
            check_name("name", name)?;
        }
        if let Some(site) = &self.site {
            check_code("site", site)?;
        }
        if let Some(dga) = &self.dga_code {
            if dga.len() > MAX_DGA_CODE_LEN {
                return Err(Invalid::new("dga_code", "must be at most 64 characters"));
            }
            if dga.chars().any(char::is_control) {
                return Err(Invalid::new(
                    "dga_code",
                    "must not contain control characters",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_without_echoing_them() {
        assert!(check_code("code", "W-1.a_b").is_ok());
        for bad in ["", "a b", "ñ", "x/y", &"x".repeat(65)] {
            let e = check_code("code", bad).unwrap_err();
            assert_eq!(e.field, "code");
            assert!(bad.is_empty() || !e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn names_refuse_control_characters_and_blank_or_long_text() {
        assert!(check_name("name", "Pozo Ñuñoa 3").is_ok());
        assert!(
            check_name("name", &"ñ".repeat(200)).is_ok(),
            "characters, not bytes"
        );
        for (bad, why) in [
            ("", "1 to 200"),
            ("   ", "1 to 200"),
            ("a\tb", "control"),
            ("a\nb", "control"),
            ("a\u{7}", "control"),
            ("a\u{9b}", "control"),
        ] {
            let e = check_name("name", bad).unwrap_err();
            assert!(e.message.contains(why), "{bad:?}: {e}");
        }
        assert!(check_name("name", &"x".repeat(201)).is_err());
    }

    #[test]
    fn patches_name_their_first_bad_field() {
        let check = |p: PointPatch, field: &str| {
            assert_eq!(p.validate().unwrap_err().field, field, "{p:?}");
        };
        check(
            PointPatch {
                latitude: Some(-90.5),
                ..PointPatch::default()
            },
            "latitude",
        );
        check(
            PointPatch {
                longitude: Some(180.5),
                ..PointPatch::default()
            },
            "longitude",
        );
        check(
            PointPatch {
                site: Some("a site".to_owned()),
                ..PointPatch::default()
            },
            "site",
        );
        check(
            PointPatch {
                dga_code: Some("OB\r\n".to_owned()),
                ..PointPatch::default()
            },
            "dga_code",
        );
        assert!(PointPatch::default().validate().is_ok());
        assert_eq!(PointKind::parse("reservoir"), Some(PointKind::Reservoir));
        assert_eq!(PointStatus::parse("active"), Some(PointStatus::Active));
    }
}
