//! Users and API tokens.
//!
//! # Tokens
//!
//! A token is `cdl_` followed by 64 hex digits: 256 random bits from the OS
//! (made by the collector, which owns randomness). It is shown once, at
//! creation; the database keeps only its SHA-256 ([`TokenHash`]). A salted
//! slow hash (argon2) protects low-entropy secrets such as passwords against
//! offline guessing; a 256-bit random token cannot be guessed either way, and
//! a plain SHA-256 lets every request find its token by an indexed equality
//! lookup in microseconds instead of spending ~50 ms of CPU per request.

use caudal_collector_domain::Role;
use caudal_collector_domain::access::User;
use caudal_collector_domain::points::check_code;
use caudal_protocol::UtcMillis;
use sha2::{Digest, Sha256};

use crate::{Store, StoreError};

/// The stored form of a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hash a token as presented.
    #[must_use]
    pub fn of(token: &str) -> TokenHash {
        TokenHash(hex::encode(Sha256::digest(token.as_bytes())))
    }

    /// Lowercase hex of the SHA-256.
    #[must_use]
    pub fn as_hex(&self) -> &str {
        &self.0
    }
}

impl Store {
    /// Add a user.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for a bad name, [`StoreError::UserExists`] or [`StoreError::Db`].
    pub async fn add_user(&self, name: &str, role: Role, now: UtcMillis) -> Result<(), StoreError> {
        check_code("name", name)?;
        let row: Option<(i64,)> = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO users (name, role, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id",
        ).bind(name).bind(role.as_str()).bind(now.0).fetch_optional(pool).await)?;
        row.map(|_| ())
            .ok_or_else(|| StoreError::UserExists(name.to_owned()))
    }

    /// Store a token hash for a user.
    ///
    /// # Errors
    /// [`StoreError::UserNotFound`] or [`StoreError::Db`].
    pub async fn add_token(
        &self,
        user: &str,
        hash: &TokenHash,
        now: UtcMillis,
    ) -> Result<(), StoreError> {
        let done = on_writer!(self, pool => sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, created_ms) SELECT id, $2, $3 FROM users WHERE name = $1",
        ).bind(user).bind(hash.as_hex()).bind(now.0).execute(pool).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::UserNotFound(user.to_owned()));
        }
        Ok(())
    }

    /// The user a token hash belongs to.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn user_by_token(&self, hash: &TokenHash) -> Result<Option<User>, StoreError> {
        let row: Option<(String, String)> = on_pool!(self, pool => sqlx::query_as(
            "SELECT u.name, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        ).bind(hash.as_hex()).fetch_optional(pool).await)?;
        row.map(|(name, role)| {
            Ok(User {
                role: Role::parse(&role)
                    .ok_or_else(|| StoreError::corrupt("users", "role", &role))?,
                name,
            })
        })
        .transpose()
        .inspect_err(|e| self.stats().note(e))
    }
}
