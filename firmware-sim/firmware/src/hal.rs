//! Peripheral traits embedded-hal 1.0 does not have: an ADC channel and a
//! monotonic clock.
//!
//! They copy embedded-hal's shape: an [`ErrorType`] with an associated error
//! that reports a machine-readable [`ErrorKind`], and blanket impls for
//! `&mut T` so a driver can borrow a peripheral instead of owning it.

/// What went wrong in a peripheral, independent of the HAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A conversion was started before the previous one was read.
    Overrun,
    /// The input is outside the converter's range (open or shorted loop).
    OutOfRange,
    /// Any other failure of the HAL.
    Other,
}

/// A peripheral error that can say what kind of error it is.
pub trait Error: core::fmt::Debug {
    /// The generic kind of this error.
    fn kind(&self) -> ErrorKind;
}

impl Error for ErrorKind {
    fn kind(&self) -> ErrorKind {
        *self
    }
}

impl Error for core::convert::Infallible {
    fn kind(&self) -> ErrorKind {
        match *self {}
    }
}

/// The error type of a peripheral.
pub trait ErrorType {
    /// Error returned by the peripheral's methods.
    type Error: Error;
}

impl<T: ErrorType + ?Sized> ErrorType for &mut T {
    type Error = T::Error;
}

/// One channel of an analog-to-digital converter, read as raw counts.
///
/// A 16-bit converter returns `0..=65535`; the driver knows what full scale
/// means (see [`crate::analog`]).
pub trait AdcChannel: ErrorType {
    /// Convert once and return the raw counts.
    ///
    /// # Errors
    /// When the converter fails; see [`Error::kind`].
    fn read_counts(&mut self) -> Result<u16, Self::Error>;
}

impl<T: AdcChannel + ?Sized> AdcChannel for &mut T {
    fn read_counts(&mut self) -> Result<u16, Self::Error> {
        T::read_counts(self)
    }
}

/// A free-running millisecond clock (a timer peripheral or the RTC).
///
/// It is meant to be monotonic, but a real RTC can jump (a GPS resync, a
/// battery swap): drivers must not panic or underflow when it goes back.
pub trait Monotonic {
    /// Milliseconds since an arbitrary origin.
    fn now_ms(&mut self) -> u64;
}

impl<T: Monotonic + ?Sized> Monotonic for &mut T {
    fn now_ms(&mut self) -> u64 {
        T::now_ms(self)
    }
}
