#![doc = include_str!("../README.md")]

pub mod dga;
pub mod providers;
pub mod sma;
pub mod sms;
pub mod telegram;
pub mod webhook;
