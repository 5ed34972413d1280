//! A webhook receiver that verifies the HMAC-SHA256 signature header.
