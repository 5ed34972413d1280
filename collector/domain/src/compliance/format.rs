//! Decimal renderings of filed values: the DGA wants strings, caudal and
//! nivel with 2 decimals and a dot, totalizador as whole m³ truncated, at
//! most 15 characters (regulators.md §2.2 and §5; S3's XSD for units and
//! decimals).
//!
//! Values are stored as `f64`, and a total computed from pulses can land one
//! binary ulp below a whole number (1155.9999999999998 for 1156 m³). To file
//! what a person computing by hand would file, the scaled value is moved by
//! 16 ulps away from zero before truncating or rounding: truncation then
//! never loses a whole m³ to binary noise, and rounding takes a decimal tie
//! (15.305) away from zero. Genuine fractions (1155.9999) are unaffected.

/// The largest magnitude rendered, so the scaled value fits an `i64` exactly.
const MAX_SCALED: f64 = 9.0e15;

/// Most characters in a `totalizador` (§4 as read by S1, \[I\]).
pub const TOTALIZADOR_MAX_CHARS: usize = 15;

/// The largest totalizador that fits [`TOTALIZADOR_MAX_CHARS`], m³.
pub const TOTALIZADOR_MAX: i64 = 999_999_999_999_999;

fn nudged(scaled: f64) -> f64 {
    scaled + scaled.signum() * 16.0 * f64::EPSILON * scaled.abs().max(1.0)
}

/// `x` scaled by 10^`decimals` and rounded half away from zero (or
/// truncated toward zero), as an integer; `None` if not finite or too large.
#[must_use]
pub fn scaled(x: f64, decimals: u8, truncate: bool) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let v = nudged(x * 10f64.powi(i32::from(decimals)));
    let v = if truncate { v.trunc() } else { v.round() };
    if v.abs() > MAX_SCALED {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "v is integral and within ±9e15, which i64 holds exactly"
    )]
    Some(v as i64)
}

/// An integer count of 10^-`decimals` units, written with a dot.
#[must_use]
pub fn render(units: i64, decimals: u8) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let abs = units.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(u32::from(decimals));
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = usize::from(decimals)
    )
}

/// `x` with `decimals` decimals and a dot: `15.31`. Totals are truncated
/// with `truncate`, everything else rounded.
#[must_use]
pub fn decimals(x: f64, decimals: u8, truncate: bool) -> Option<String> {
    scaled(x, decimals, truncate).map(|u| render(u, decimals))
}

/// Caudal or nivel for the DGA: 2 decimals, dot separator.
#[must_use]
pub fn two_decimals(x: f64) -> Option<String> {
    decimals(x, 2, false)
}

/// Totalizador for the DGA: whole m³, truncated.
#[must_use]
pub fn whole_m3(x: f64) -> Option<i64> {
    scaled(x, 0, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_decimals_with_a_dot() {
        assert_eq!(two_decimals(15.31).as_deref(), Some("15.31"));
        assert_eq!(
            two_decimals(15.305).as_deref(),
            Some("15.31"),
            "a decimal tie goes away from zero"
        );
        assert_eq!(two_decimals(15.3049).as_deref(), Some("15.30"));
        assert_eq!(two_decimals(9.85).as_deref(), Some("9.85"));
        assert_eq!(two_decimals(0.0).as_deref(), Some("0.00"));
        assert_eq!(two_decimals(7.0).as_deref(), Some("7.00"));
        assert_eq!(two_decimals(0.005).as_deref(), Some("0.01"));
        assert_eq!(two_decimals(-0.004).as_deref(), Some("0.00"));
        assert_eq!(two_decimals(-1.5).as_deref(), Some("-1.50"));
        assert_eq!(two_decimals(f64::NAN), None);
        assert_eq!(two_decimals(1e300), None);
    }

    #[test]
    fn totals_truncate_but_never_lose_a_whole_m3_to_binary_noise() {
        assert_eq!(whole_m3(1010.99), Some(1010));
        assert_eq!(whole_m3(1_155.999_999_999_999_8), Some(1156));
        assert_eq!(whole_m3(11_560.0 * 0.1), Some(1156));
        assert_eq!(whole_m3(1155.9999), Some(1155));
        assert_eq!(whole_m3(0.4), Some(0));
        assert_eq!(decimals(42.55, 1, false).as_deref(), Some("42.6"));
        assert_eq!(decimals(42_500.9, 0, true).as_deref(), Some("42500"));
    }
}
