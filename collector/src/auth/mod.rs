//! API tokens are made here, at the edge that owns randomness; the store keeps
//! their hash ([`caudal_collector_store::TokenHash`], which documents the
//! format) and the domain decides what a role may do
//! ([`caudal_collector_domain::access`]).

use caudal_collector_store::TokenHash;

/// A fresh random token (shown to the user once) and its hash (stored):
/// `cdl_` and 64 hex digits of 256 random bits from the OS.
#[must_use]
pub fn new_token() -> (String, TokenHash) {
    let bytes: [u8; 32] = rand::random();
    let token = format!("cdl_{}", hex::encode(bytes));
    let hash = TokenHash::of(&token);
    (token, hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(a.len(), 68);
        assert!(a.starts_with("cdl_"));
        assert_eq!(TokenHash::of(&a), ha);
        assert_eq!(ha.as_hex().len(), 64);
    }
}
