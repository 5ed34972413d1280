//! Users, roles, permissions and API tokens (pure: no I/O here).
//!
//! # Tokens
//!
//! A token is `cdl_` followed by 64 hex digits: 256 random bits from the OS.
//! It is shown once, at creation; the database keeps only its SHA-256.
//! A salted slow hash (argon2) protects low-entropy secrets such as passwords
//! against offline guessing; a 256-bit random token cannot be guessed either
//! way, and a plain SHA-256 lets every request find its token by an indexed
//! equality lookup in microseconds instead of spending ~50 ms of CPU per request.

use sha2::{Digest, Sha256};

/// What a user may do, by role. The order is not a hierarchy: see [`allows`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including users.
    Admin,
    /// Plant configuration: creates points.
    Supervisor,
    /// Maintenance: reads everything operational.
    Technician,
    /// Operations: completes point data, watches agents.
    Operator,
    /// Read-only access to points and series.
    Guest,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Supervisor,
        Role::Technician,
        Role::Operator,
        Role::Guest,
    ];

    /// The spelling in the database, CLI and API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Technician => "technician",
            Role::Operator => "operator",
            Role::Guest => "guest",
        }
    }

    /// Parse [`Role::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an endpoint needs. The names are the OpenAPI security scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read points, latest values and series (also CSV).
    ReadData,
    /// Read agents and their sync state.
    ReadAgents,
    /// Read the Prometheus metrics.
    ReadMetrics,
    /// Change a point's data.
    EditPoints,
    /// Create points.
    CreatePoints,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 5] = [
        Permission::ReadData,
        Permission::ReadAgents,
        Permission::ReadMetrics,
        Permission::EditPoints,
        Permission::CreatePoints,
    ];

    /// The scope name in the OpenAPI document.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadData => "read_data",
            Permission::ReadAgents => "read_agents",
            Permission::ReadMetrics => "read_metrics",
            Permission::EditPoints => "edit_points",
            Permission::CreatePoints => "create_points",
        }
    }

    /// Parse [`Permission::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The role table: may `role` do what `permission` guards?
#[must_use]
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission as P;
    use Role as R;
    match permission {
        P::ReadData => true,
        P::ReadAgents | P::ReadMetrics => {
            matches!(role, R::Admin | R::Supervisor | R::Technician | R::Operator)
        }
        P::EditPoints => matches!(role, R::Admin | R::Supervisor | R::Operator),
        P::CreatePoints => matches!(role, R::Admin | R::Supervisor),
    }
}

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

/// A fresh random token (shown to the user once) and its hash (stored).
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
    fn role_table() {
        let expect = |p: Permission, roles: &[Role]| {
            for r in Role::ALL {
                assert_eq!(allows(r, p), roles.contains(&r), "{r} / {p:?}");
            }
        };
        expect(Permission::ReadData, &Role::ALL);
        expect(
            Permission::ReadAgents,
            &[
                Role::Admin,
                Role::Supervisor,
                Role::Technician,
                Role::Operator,
            ],
        );
        expect(
            Permission::EditPoints,
            &[Role::Admin, Role::Supervisor, Role::Operator],
        );
        expect(Permission::CreatePoints, &[Role::Admin, Role::Supervisor]);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, hb) = new_token();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(a.len(), 68);
        assert_eq!(TokenHash::of(&a), ha);
        assert_eq!(ha.as_hex().len(), 64);
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
    }
}
