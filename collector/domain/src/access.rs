//! Who may do what: the permissions the API's routes require and the role
//! table that grants them. The route-to-permission map is the API's
//! (`security` scopes of its OpenAPI document); the role matrix test of the
//! collector checks both against an access table written out by hand.

use crate::vocab::{Role, vocabulary};

vocabulary!(
    /// What an endpoint needs. The spellings are the OpenAPI security scopes.
    Permission {
        /// Read points, latest values and series (also CSV).
        ReadData => "read_data",
        /// Read agents and their sync state.
        ReadAgents => "read_agents",
        /// Read the Prometheus metrics.
        ReadMetrics => "read_metrics",
        /// Change a point's data.
        EditPoints => "edit_points",
        /// Create points.
        CreatePoints => "create_points",
    }
);

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

/// A user of the API, as authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Name (a code: see [`crate::points::check_code`]).
    pub name: String,
    /// Role.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table() {
        let expect = |p: Permission, roles: &[Role]| {
            for &r in Role::ALL {
                assert_eq!(allows(r, p), roles.contains(&r), "{r} / {p}");
            }
        };
        expect(Permission::ReadData, Role::ALL);
        let staff = [
            Role::Admin,
            Role::Supervisor,
            Role::Technician,
            Role::Operator,
        ];
        expect(Permission::ReadAgents, &staff);
        expect(Permission::ReadMetrics, &staff);
        expect(
            Permission::EditPoints,
            &[Role::Admin, Role::Supervisor, Role::Operator],
        );
        expect(Permission::CreatePoints, &[Role::Admin, Role::Supervisor]);
        for &p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
    }
}
