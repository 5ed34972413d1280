//! Decimal numbers as people type them in Chile and elsewhere.
//!
//! Rules (deterministic, documented because `1.234` is ambiguous):
//! - an optional leading `-` or `+`, then digits with at most two kinds of
//!   separator;
//! - both `.` and `,` present: the one that comes last is the decimal
//!   separator and the other separates thousands (`1.234,5` = `1,234.5` =
//!   1234.5); thousands groups must have three digits;
//! - only one kind, appearing once: it is the decimal separator
//!   (`12,5` = `12.5` = 12.5, and `1.234` = `1,234` = 1.234);
//! - only one kind, appearing more than once: thousands separators, groups
//!   of three (`1.234.567` = 1234567);
//! - an exponent (`1e3`) is accepted with a dot decimal only;
//! - no spaces inside, no currency, no `NaN`/`inf`.

/// Why a text is not a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Empty text.
    Empty,
    /// Not a number.
    Invalid,
}

/// Parse a decimal number (see the module docs).
///
/// # Errors
/// [`NumberError`].
pub fn parse_decimal(s: &str) -> Result<f64, NumberError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    let b = s.as_bytes();
    // Fast path: plain digits with at most one dot (and an exponent).
    if b.iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        let dots = b.iter().filter(|c| **c == b'.').count();
        if dots <= 1 {
            return s
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or(NumberError::Invalid);
        }
    }
    let (sign, body) = match b[0] {
        b'-' => ("-", &s[1..]),
        b'+' => ("", &s[1..]),
        _ => ("", s),
    };
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b',')
    {
        return Err(NumberError::Invalid);
    }
    let last_dot = body.rfind('.');
    let last_comma = body.rfind(',');
    let (decimal, thousands) = match (last_dot, last_comma) {
        (Some(d), Some(c)) if d > c => (Some('.'), Some(',')),
        (Some(_), Some(_)) => (Some(','), Some('.')),
        (Some(_), None) | (None, Some(_)) => {
            let sep = if last_dot.is_some() { '.' } else { ',' };
            if body.matches(sep).count() == 1 {
                (Some(sep), None)
            } else {
                (None, Some(sep))
            }
        }
        (None, None) => (None, None),
    };
    let (int, frac) = match decimal {
        Some(d) => {
            let i = body.rfind(d).unwrap_or(body.len());
            (&body[..i], &body[i + 1..])
        }
        None => (body, ""),
    };
    if frac.contains(['.', ',']) {
        return Err(NumberError::Invalid);
    }
    let int_digits: String = match thousands {
        Some(t) => {
            let groups: Vec<&str> = int.split(t).collect();
            let ok = !groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3);
            if !ok {
                return Err(NumberError::Invalid);
            }
            groups.concat()
        }
        None => int.to_owned(),
    };
    if int_digits.is_empty() && frac.is_empty() {
        return Err(NumberError::Invalid);
    }
    let text = format!(
        "{sign}{}.{}",
        if int_digits.is_empty() {
            "0"
        } else {
            &int_digits
        },
        if frac.is_empty() { "0" } else { frac }
    );
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or(NumberError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str, expected: Option<f64>) {
        assert_eq!(parse_decimal(s).ok(), expected, "{s:?}");
    }

    #[test]
    fn decimal_comma_and_dot() {
        check("12.5", Some(12.5));
        check("12,5", Some(12.5));
        check("-0,25", Some(-0.25));
        check("+3", Some(3.0));
        check("1.234,5", Some(1234.5));
        check("1,234.5", Some(1234.5));
        check("1.234.567", Some(1_234_567.0));
        check("1,234,567", Some(1_234_567.0));
        check("1.234.567,89", Some(1_234_567.89));
        check("1.234", Some(1.234));
        check("1,234", Some(1.234));
        check(",5", Some(0.5));
        check("1e3", Some(1000.0));
        check("0", Some(0.0));
    }

    #[test]
    fn nonsense_is_refused() {
        for s in [
            "", " ", "abc", "1,2,3", "12.34.5", "1.23,4.5", "1 234", "NaN", "inf", "-", "1e999",
            "12,34,5", "$5", ".", ",",
        ] {
            assert!(parse_decimal(s).is_err(), "{s:?}");
        }
        assert_eq!(parse_decimal(""), Err(NumberError::Empty));
    }
}
