//! The `Authorized<G>` extractor: 401 without a valid token, 403 when the
//! token's role lacks the permission `G` stands for. It reads headers only, so
//! it runs (and refuses) before any body is parsed.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use caudal_collector_domain::access::{Permission, User, allows};
use caudal_collector_store::TokenHash;

/// A type standing for one [`Permission`].
pub trait Guard: Send + Sync + 'static {
    /// The permission.
    const PERMISSION: Permission;
}

macro_rules! guards {
    ($($name:ident => $perm:ident),* $(,)?) => {
        $(
            #[doc = concat!("Requires [`Permission::", stringify!($perm), "`].")]
            #[derive(Debug)]
            pub struct $name;
            impl Guard for $name {
                const PERMISSION: Permission = Permission::$perm;
            }
        )*
    };
}

guards!(
    ReadData => ReadData,
    ReadAgents => ReadAgents,
    ReadMetrics => ReadMetrics,
    EditPoints => EditPoints,
    CreatePoints => CreatePoints,
);

/// The caller, checked for the permission of `G`.
#[derive(Debug)]
pub struct Authorized<G> {
    /// Who.
    pub user: User,
    _guard: PhantomData<G>,
}

impl<G: Guard> FromRequestParts<AppState> for Authorized<G> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(ApiError::unauthorized)?;
        let user = state
            .store
            .user_by_token(&TokenHash::of(token))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        if !allows(user.role, G::PERMISSION) {
            return Err(ApiError::forbidden(format!(
                "role `{}` lacks the permission `{}`",
                user.role,
                G::PERMISSION.as_str()
            )));
        }
        Ok(Authorized {
            user,
            _guard: PhantomData,
        })
    }
}
