//! Chilean RUT (Rol Único Tributario) with its módulo-11 check digit.
//!
//! The DGA wants RUTs "without dots, with a hyphen": `NNNNNNNN-D`, where `D`
//! is `0`-`9` or `K` (regulators.md §2.2 and §5, from S1's `rut.js` citing
//! Res. 2170 \[I\]). The number is not zero-padded: a 7-digit RUT is written
//! `9876543-3`.
//!
//! Check digit (SII's módulo 11): multiply the digits from the right by
//! 2, 3, 4, 5, 6, 7, 2, 3, ...; sum; `11 − (sum mod 11)` gives the digit,
//! with 11 written `0` and 10 written `K`.

/// A RUT whose check digit has been verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rut {
    number: u32,
    check: char,
}

/// Why a text is not a valid RUT.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RutError {
    /// Nothing was given.
    #[error("the RUT is empty")]
    Empty,
    /// The shape is not `NNNNNNNN-D` (dots are tolerated and dropped).
    #[error(
        "`{0}` is not a RUT: expected digits, a hyphen and a check digit 0-9 or K, as in 12345678-5"
    )]
    Shape(String),
    /// The number is outside 1..=99.999.999.
    #[error("`{0}` is not a RUT: the number must be between 1 and 99999999")]
    Range(String),
    /// The check digit does not match the number.
    #[error("`{text}` has check digit {given}, but the number's check digit is {expected}")]
    CheckDigit {
        /// The text as given.
        text: String,
        /// The check digit written.
        given: char,
        /// The check digit of the number.
        expected: char,
    },
}

impl Rut {
    /// Parse `12345678-5`, `12.345.678-5` or `1234567-k` (the `k` is
    /// upper-cased). A hyphen is required; dots are dropped.
    ///
    /// # Errors
    /// [`RutError`] naming the text and what is wrong.
    pub fn parse(text: &str) -> Result<Rut, RutError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(RutError::Empty);
        }
        let shape = || RutError::Shape(trimmed.to_owned());
        let (number, check) = trimmed.rsplit_once('-').ok_or_else(shape)?;
        let digits: String = number.chars().filter(|c| *c != '.').collect();
        if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        if number.contains('.') && !dots_well_placed(number) {
            return Err(shape());
        }
        let mut check_chars = check.chars();
        let given = match (check_chars.next(), check_chars.next()) {
            (Some(c), None) if c.is_ascii_digit() || c == 'k' || c == 'K' => c.to_ascii_uppercase(),
            _ => return Err(shape()),
        };
        let number: u32 = digits.parse().map_err(|_| shape())?;
        if number == 0 {
            return Err(RutError::Range(trimmed.to_owned()));
        }
        let expected = check_digit(number);
        if given != expected {
            return Err(RutError::CheckDigit {
                text: trimmed.to_owned(),
                given,
                expected,
            });
        }
        Ok(Rut {
            number,
            check: given,
        })
    }

    /// The number without its check digit.
    #[must_use]
    pub fn number(self) -> u32 {
        self.number
    }

    /// The check digit, `0`-`9` or `K`.
    #[must_use]
    pub fn check(self) -> char {
        self.check
    }
}

/// `12.345.678`: groups of three after the first, which has one to three digits.
fn dots_well_placed(number: &str) -> bool {
    let mut groups = number.split('.');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

/// The módulo-11 check digit of a RUT number.
#[must_use]
pub fn check_digit(number: u32) -> char {
    let mut n = number;
    let mut sum = 0u32;
    let mut factor = 2u32;
    while n > 0 {
        sum += (n % 10) * factor;
        n /= 10;
        factor = if factor == 7 { 2 } else { factor + 1 };
    }
    match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

impl std::fmt::Display for Rut {
    /// The DGA's spelling: no dots, a hyphen, upper-case `K`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.number, self.check)
    }
}

impl std::str::FromStr for Rut {
    type Err = RutError;
    fn from_str(s: &str) -> Result<Rut, RutError> {
        Rut::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_example_is_valid_and_printed_without_dots() {
        // 12345678-5 is the RUT in regulators.md §2.2. By hand: digits from
        // the right 8,7,6,5,4,3,2,1 × 2,3,4,5,6,7,2,3 = 16+21+24+25+24+21+4+3
        // = 138; 138 mod 11 = 6; 11 − 6 = 5.
        let rut = Rut::parse("12.345.678-5").unwrap();
        assert_eq!(rut.to_string(), "12345678-5");
        assert_eq!(Rut::parse("12345678-5").unwrap(), rut);
        assert_eq!(rut.number(), 12_345_678);
    }

    #[test]
    fn check_digits_k_and_zero() {
        // 10000013: 3·2 + 1·3 + 0 + 0 + 0 + 0 + 0·2 + 1·3 = 12; 12 mod 11 = 1;
        // 11 − 1 = 10 → K.
        assert_eq!(check_digit(10_000_013), 'K');
        assert_eq!(Rut::parse("10000013-k").unwrap().to_string(), "10000013-K");
        // 11111111: 1·(2+3+4+5+6+7+2+3) = 32; 32 mod 11 = 10; 11 − 10 = 1.
        assert_eq!(check_digit(11_111_111), '1');
        // 6: 6·2 = 12; 12 mod 11 = 1; 11 − 1 = 10 → K.
        assert_eq!(check_digit(6), 'K');
        // 3000000: 3·2 = 6 (the 3 is the 7th digit, factor 2); 11 − 6 = 5.
        assert_eq!(check_digit(3_000_000), '5');
        // 22: 2·2 + 2·3 = 10; 11 − 10 = 1. 11: 1·2 + 1·3 = 5; 11 − 5 = 6.
        assert_eq!(check_digit(22), '1');
        assert_eq!(check_digit(11), '6');
        // 1: 1·2 = 2; 11 − 2 = 9. 28: 8·2 + 2·3 = 22; 22 mod 11 = 0; 11 − 0 = 11 → 0.
        assert_eq!(check_digit(1), '9');
        assert_eq!(check_digit(28), '0');
        assert_eq!(Rut::parse("28-0").unwrap().to_string(), "28-0");
    }

    #[test]
    fn a_wrong_check_digit_names_the_expected_one() {
        assert_eq!(
            Rut::parse("12345678-K"),
            Err(RutError::CheckDigit {
                text: "12345678-K".to_owned(),
                given: 'K',
                expected: '5'
            })
        );
        assert_eq!(
            Rut::parse("12345678-4").unwrap_err().to_string(),
            "`12345678-4` has check digit 4, but the number's check digit is 5"
        );
    }

    #[test]
    fn malformed_ruts_are_refused() {
        for bad in [
            "123456785",
            "12345678-",
            "-5",
            "12a45678-5",
            "123456789-2",
            "12345678-55",
            "1.2345.678-5",
            "12.34.5678-5",
            "12345678-X",
        ] {
            assert!(
                matches!(Rut::parse(bad), Err(RutError::Shape(_))),
                "{bad} should be refused as malformed"
            );
        }
        assert_eq!(Rut::parse("  "), Err(RutError::Empty));
        assert!(matches!(Rut::parse("0-0"), Err(RutError::Range(_))));
    }
}
