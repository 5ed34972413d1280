//! The SMA "Manual API REST – SMA v1.0" (Res. Ex. 254/2020, regulators.md §6).
//!
//! - **Authentication** \[C\]: `POST /api/v1/auth` with the credentials in the
//!   body; the reply is a JWT valid 24 h, after which a new one must be
//!   requested. The body `{"usuario","password"}` and the reply
//!   `{"token": "…"}` are S2's \[I\]; a reply that is the bare token (or a JSON
//!   string of it) is also read, since the manual says "the body is a JWT".
//!   [`TokenCache`] renews the token a margin before its lifetime ends and
//!   whenever a request is refused with 401.
//! - **Data** \[C\]: `POST /api/v1/ufs/{uf}/procesos/{proceso}/registros` with
//!   the token (`Authorization: Bearer`, S2 \[I\]). The body is a JSON array;
//!   every parameter of one timestamp must come in a single call, or the
//!   API answers 400. One slot is one call:
//!
//!   ```json
//!   [{"dispositivoId":"D-9","parametros":[
//!     {"nombre":"Q","valor":"42.50","unidad":"l/s","estampaTiempo":"2026-05-17T14:05:00"},
//!     {"nombre":"VA","valor":"42500","unidad":"m3","estampaTiempo":"2026-05-17T14:05:00"}]}]
//!   ```
//!
//!   `valor` is a string (S2) with the parameter's decimals: totals are
//!   truncated, everything else rounded; `estampaTiempo` is the slot's wall
//!   time in the SMA zone, without offset (S2).
//! - **Reply**: 200/201 with `IdVerificacion`, kept as the slot's folio
//!   (S2 \[I\]); 401 → renew the token and send again; 5xx and timeouts →
//!   transient; other codes → a rejection. The SMA is not known to detect
//!   duplicates, so a 2xx without `IdVerificacion` is held as accepted with a
//!   finding rather than sent again.

use crate::{MINUTE_MS, UtcMillis};

use super::format;
use super::secret::{REDACTED, Secret, redact};
use super::settings::SmaSettings;
use super::slot::{Slot, Transition, TransitionError, Valuing};
use super::{
    BuildError, Exchange, FilingMode, FilingPolicy, HttpMethod, HttpRequest, Measure, Outcome,
    PrepareError, Prepared, clip, json_text,
};

/// Path of the authentication POST.
pub const AUTH_PATH: &str = "/api/v1/auth";

/// Path of the registros POST.
#[must_use]
pub fn registros_path(uf: &str, proceso: &str) -> String {
    format!("/api/v1/ufs/{uf}/procesos/{proceso}/registros")
}

impl SmaSettings {
    /// What [`Slot::on_valuation`] needs from these settings.
    #[must_use]
    pub fn valuing(&self) -> Valuing<'_> {
        Valuing {
            required: self.required(),
            values: &self.values,
            checks: &self.checks,
        }
    }
}

/// The authentication request.
#[must_use]
pub fn auth_request(settings: &SmaSettings) -> Prepared {
    let body = serde_json::json!({
        "usuario": settings.usuario,
        "password": settings.password.expose(),
    });
    let request = HttpRequest {
        method: HttpMethod::Post,
        path: AUTH_PATH.to_owned(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
        ],
        body: Some(body.to_string()),
    };
    Prepared::new(request, &[&settings.password])
}

/// A token and when it was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The JWT.
    pub value: Secret,
    /// When the reply carrying it arrived.
    pub obtained_at: UtcMillis,
}

/// Why no token was obtained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The SMA refused the credentials (400, 401, 403).
    #[error("the SMA refused the credentials (HTTP {status}): {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The reply text.
        message: String,
    },
    /// 5xx or a transport failure: try again later.
    #[error("the SMA authentication failed in transit: {0}")]
    Transient(String),
    /// A 2xx reply without a token.
    #[error("the SMA authentication reply holds no token: {0}")]
    Malformed(String),
}

fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Read the authentication reply.
///
/// # Errors
/// [`AuthError`]: refused, transient or malformed.
pub fn classify_auth(exchange: &Exchange, now: UtcMillis) -> Result<Token, AuthError> {
    let (status, body) = match exchange {
        Exchange::Reply { status, body } => (*status, body.trim()),
        other => return Err(AuthError::Transient(other.response_text())),
    };
    if (500..=599).contains(&status) || status == 408 || status == 429 {
        return Err(AuthError::Transient(format!("HTTP {status}")));
    }
    if !(200..=299).contains(&status) {
        let message = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|j| json_text(j.get("mensaje")).or_else(|| json_text(j.get("message"))))
            .unwrap_or_else(|| clip(body, 200));
        return Err(AuthError::Refused { status, message });
    }
    let token = match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(o)) => json_text(o.get("token")),
        Ok(serde_json::Value::String(s)) => Some(s),
        _ => looks_like_jwt(body).then(|| body.to_owned()),
    };
    match token {
        Some(t) if !t.trim().is_empty() => Ok(Token {
            value: Secret::new(t.trim()),
            obtained_at: now,
        }),
        _ => Err(AuthError::Malformed(format!(
            "HTTP {status}, {} bytes",
            body.len()
        ))),
    }
}

/// The token state of one SMA sender: pure, time as an argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenCache {
    token: Option<Token>,
    lifetime_ms: i64,
    margin_ms: i64,
}

impl TokenCache {
    /// An empty cache for tokens valid `lifetime_ms` (the manual: 24 h).
    /// Tokens are renewed 5 minutes (or a tenth of the lifetime, if
    /// shorter) before they expire, so none expires during a request.
    #[must_use]
    pub fn new(lifetime_ms: i64) -> TokenCache {
        TokenCache {
            token: None,
            lifetime_ms,
            margin_ms: std::cmp::min(5 * MINUTE_MS, lifetime_ms / 10),
        }
    }

    /// True when there is no token, or it is too close to its expiry.
    #[must_use]
    pub fn needs_renewal(&self, now: UtcMillis) -> bool {
        match &self.token {
            None => true,
            Some(t) => {
                now.0
                    >= t.obtained_at
                        .0
                        .saturating_add(self.lifetime_ms - self.margin_ms)
                    || now < t.obtained_at
            }
        }
    }

    /// The token to use at `now`, if it is still good.
    #[must_use]
    pub fn current(&self, now: UtcMillis) -> Option<&Secret> {
        if self.needs_renewal(now) {
            return None;
        }
        self.token.as_ref().map(|t| &t.value)
    }

    /// Keep a new token.
    pub fn store(&mut self, token: Token) {
        self.token = Some(token);
    }

    /// Forget the token (the SMA answered 401).
    pub fn invalidate(&mut self) {
        self.token = None;
    }
}

/// The `registros` body for a slot: one element, every configured parameter.
///
/// # Errors
/// [`BuildError`] for a missing or unformattable value.
pub fn registros_body(settings: &SmaSettings, slot: &Slot) -> Result<String, BuildError> {
    let values = slot.values.as_ref().ok_or(BuildError::NoValues)?;
    let estampa = slot.key.local.format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut parametros = Vec::with_capacity(settings.parameters.len());
    for p in &settings.parameters {
        let v = values
            .get(p.measure)
            .ok_or(BuildError::Missing(p.measure))?;
        let valor = format::decimals(v.raw, p.decimals, p.measure == Measure::Total).ok_or(
            BuildError::Unfileable {
                field: "valor",
                value: v.raw,
                why: "not a finite number",
            },
        )?;
        parametros.push(serde_json::json!({
            "nombre": p.name,
            "valor": valor,
            "unidad": p.unit,
            "estampaTiempo": estampa,
        }));
    }
    Ok(serde_json::json!([{
        "dispositivoId": settings.dispositivo,
        "parametros": parametros,
    }])
    .to_string())
}

/// The registros request for a slot, with `token`.
///
/// # Errors
/// [`BuildError`] for a missing or unformattable value.
pub fn build(settings: &SmaSettings, slot: &Slot, token: &Secret) -> Result<Prepared, BuildError> {
    let request = HttpRequest {
        method: HttpMethod::Post,
        path: registros_path(&settings.uf, &settings.proceso),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            (
                "Authorization".to_owned(),
                format!("Bearer {}", token.expose()),
            ),
        ],
        body: Some(registros_body(settings, slot)?),
    };
    Ok(Prepared::new(request, &[token, &settings.password]))
}

/// Build the request and the `sending` transition (live mode). Commit the
/// transition, then send, then call [`complete`].
///
/// # Errors
/// [`PrepareError`]: not live, unfileable values, or not due.
pub fn prepare(
    settings: &SmaSettings,
    slot: &Slot,
    token: &Secret,
    now: UtcMillis,
) -> Result<(Prepared, Transition), PrepareError> {
    if settings.mode != FilingMode::Live {
        return Err(PrepareError::Mode(settings.mode));
    }
    let prepared = build(settings, slot, token)?;
    let t = slot.begin_send(&prepared.redacted, now)?;
    Ok((prepared, t))
}

/// Build and record the request without sending it (shadow mode; no token
/// is needed, the header shows [`REDACTED`]).
///
/// # Errors
/// [`PrepareError`]: not shadow, unfileable values, or not ready.
pub fn shadow(
    settings: &SmaSettings,
    slot: &Slot,
    now: UtcMillis,
) -> Result<Transition, PrepareError> {
    if settings.mode != FilingMode::Shadow {
        return Err(PrepareError::Mode(settings.mode));
    }
    let prepared = build(settings, slot, &Secret::new(REDACTED))?;
    Ok(slot.shadow(&prepared.redacted, now)?)
}

/// Classify a reply to the registros POST (see the module docs).
#[must_use]
pub fn classify(exchange: &Exchange) -> Outcome {
    let (status, body) = match exchange {
        Exchange::TimedOut => {
            return Outcome::Transient {
                reason: "timed out".to_owned(),
            };
        }
        Exchange::Failed { error } => {
            return Outcome::Transient {
                reason: error.clone(),
            };
        }
        Exchange::Reply { status, body } => (*status, body.as_str()),
    };
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |k: &str| json_text(json.as_ref().and_then(|j| j.get(k)));
    let message = field("mensaje")
        .or_else(|| field("message"))
        .unwrap_or_else(|| clip(body.trim(), 300));
    match status {
        401 => Outcome::Unauthorized,
        500..=599 | 408 | 429 => Outcome::Transient {
            reason: format!("HTTP {status}: {}", clip(&message, 200)),
        },
        200..=299 => match field("IdVerificacion").filter(|id| !id.trim().is_empty()) {
            Some(folio) => Outcome::Accepted {
                folio: folio.trim().to_owned(),
                duplicate: false,
            },
            None => Outcome::AcceptedWithoutReceipt { message },
        },
        _ => Outcome::Rejected {
            code: Some(format!("HTTP {status}")),
            message,
        },
    }
}

/// Take the reply to a request sent by [`prepare`] with `token`: redact it,
/// classify it, and return the transition to commit. On
/// [`Outcome::Unauthorized`], also call [`TokenCache::invalidate`].
///
/// # Errors
/// [`TransitionError`] unless the slot is `sending`.
pub fn complete(
    settings: &SmaSettings,
    slot: &Slot,
    exchange: &Exchange,
    token: &Secret,
    policy: &FilingPolicy,
    now: UtcMillis,
) -> Result<Transition, TransitionError> {
    let secrets = [token, &settings.password];
    let exchange = match exchange {
        Exchange::Reply { status, body } => Exchange::Reply {
            status: *status,
            body: redact(body, &secrets),
        },
        Exchange::TimedOut => Exchange::TimedOut,
        Exchange::Failed { error } => Exchange::Failed {
            error: redact(error, &secrets),
        },
    };
    let outcome = classify(&exchange);
    slot.on_outcome(&outcome, &exchange, settings.late_after_ms, policy, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::plan::{Cadence, plan};
    use crate::compliance::settings::{SmaParameterInput, SmaSettingsInput};
    use crate::compliance::values::{PointData, Sample, Series, value_slot};
    use crate::compliance::{Regulator, SlotStatus};
    use crate::{DAY_MS, HOUR_MS, PointId, Zone};

    const T0: i64 = 1_781_150_400_000; // 2026-06-11 04:00Z

    fn settings() -> SmaSettings {
        SmaSettings::from_input(&SmaSettingsInput {
            uf: "UF-123".to_owned(),
            proceso: "77".to_owned(),
            dispositivo: "D-9".to_owned(),
            parameters: vec![
                SmaParameterInput {
                    name: "Q".to_owned(),
                    measure: "flow_mean".to_owned(),
                    unit: "l/s".to_owned(),
                    decimals: 2,
                },
                SmaParameterInput {
                    name: "VA".to_owned(),
                    measure: "total".to_owned(),
                    unit: "m3".to_owned(),
                    decimals: 0,
                },
            ],
            cadence_minutes: 5,
            zone: Some("-04:00".to_owned()),
            mode: "live".to_owned(),
            usuario: "12345678-5".to_owned(),
            password: Secret::new("s3cret"),
            ..SmaSettingsInput::default()
        })
        .unwrap()
    }

    fn ready_slot(s: &SmaSettings) -> Slot {
        let n = std::num::NonZeroU32::new(5).unwrap();
        assert_eq!(s.cadence, Cadence::Minutes(n));
        let time = plan(
            s.cadence,
            Zone::utc_minus_4(),
            UtcMillis(T0 + 10 * 60_000),
            UtcMillis(T0 + 11 * 60_000),
        )
        .next()
        .unwrap();
        let flow: Vec<Sample> = (0..=12)
            .map(|i| Sample::good(UtcMillis(T0 + i * 60_000), 42.5))
            .collect();
        let total: Vec<Sample> = (0..=12)
            .map(|i| Sample::good(UtcMillis(T0 + i * 60_000), 42_500.0 + 2.55 * i as f64))
            .collect();
        let data = PointData {
            flow: Series::of(&flow),
            total: Series::of(&total),
            level: Series::default(),
        };
        let valuation = value_slot(&s.values, &time, &data);
        let slot = Slot::planned(PointId(1), Regulator::Sma, time);
        let t = slot
            .on_valuation(
                valuation.clone(),
                &s.valuing(),
                None,
                &FilingPolicy::default(),
                UtcMillis(time.at.0 + 60_000),
            )
            .unwrap();
        assert_eq!(t.slot.status, SlotStatus::Ready, "{:?}", t.slot.review);
        t.slot
    }

    #[test]
    fn auth_sends_the_credentials_and_redacts_the_password() {
        let p = auth_request(&settings());
        assert_eq!(p.request.path, "/api/v1/auth");
        let body: serde_json::Value =
            serde_json::from_str(p.request.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"usuario": "12345678-5", "password": "s3cret"})
        );
        assert!(!p.redacted.contains("s3cret"), "{}", p.redacted);
        assert!(!format!("{p:?}").contains("s3cret"));
    }

    #[test]
    fn auth_reply_shapes() {
        let now = UtcMillis(T0);
        let ok = Exchange::Reply {
            status: 200,
            body: r#"{"token":"aaa.bbb.ccc"}"#.to_owned(),
        };
        assert_eq!(
            classify_auth(&ok, now).unwrap().value.expose(),
            "aaa.bbb.ccc"
        );
        let bare = Exchange::Reply {
            status: 200,
            body: "aaa.bbb.ccc".to_owned(),
        };
        assert_eq!(classify_auth(&bare, now).unwrap().obtained_at, now);
        let refused = Exchange::Reply {
            status: 401,
            body: r#"{"mensaje":"credenciales inválidas"}"#.to_owned(),
        };
        assert_eq!(
            classify_auth(&refused, now),
            Err(AuthError::Refused {
                status: 401,
                message: "credenciales inválidas".to_owned()
            })
        );
        assert!(matches!(
            classify_auth(&Exchange::TimedOut, now),
            Err(AuthError::Transient(_))
        ));
        let empty = Exchange::Reply {
            status: 200,
            body: "{}".to_owned(),
        };
        assert!(matches!(
            classify_auth(&empty, now),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn the_token_is_renewed_before_24_h_and_after_a_401() {
        let mut cache = TokenCache::new(DAY_MS);
        assert!(cache.needs_renewal(UtcMillis(T0)));
        cache.store(Token {
            value: Secret::new("t1"),
            obtained_at: UtcMillis(T0),
        });
        assert_eq!(
            cache
                .current(UtcMillis(T0 + 23 * HOUR_MS))
                .map(Secret::expose),
            Some("t1")
        );
        assert!(!cache.needs_renewal(UtcMillis(T0 + DAY_MS - 5 * MINUTE_MS - 1)));
        assert!(
            cache.needs_renewal(UtcMillis(T0 + DAY_MS - 5 * MINUTE_MS)),
            "renewed 5 min early"
        );
        assert!(
            cache.needs_renewal(UtcMillis(T0 - 1)),
            "a clock before the token is not trusted"
        );
        cache.invalidate();
        assert!(cache.needs_renewal(UtcMillis(T0 + HOUR_MS)));
        let short = TokenCache::new(10_000);
        assert_eq!(short.margin_ms, 1_000);
    }

    #[test]
    fn registros_carry_every_parameter_of_one_timestamp_in_one_call() {
        let s = settings();
        let slot = ready_slot(&s);
        let (p, t) = prepare(
            &s,
            &slot,
            &Secret::new("tok.en.x"),
            UtcMillis(slot.at.0 + 61_000),
        )
        .unwrap();
        assert_eq!(p.request.path, "/api/v1/ufs/UF-123/procesos/77/registros");
        assert!(
            p.request
                .headers
                .contains(&("Authorization".to_owned(), "Bearer tok.en.x".to_owned()))
        );
        let body: serde_json::Value =
            serde_json::from_str(p.request.body.as_deref().unwrap()).unwrap();
        // The 00:10 slot: flow mean of 42.5 over (00:05, 00:10]; total at 00:10 = 42500 + 25.5.
        assert_eq!(
            body,
            serde_json::json!([{"dispositivoId": "D-9", "parametros": [
                {"nombre": "Q", "valor": "42.50", "unidad": "l/s", "estampaTiempo": "2026-06-11T00:10:00"},
                {"nombre": "VA", "valor": "42525", "unidad": "m3", "estampaTiempo": "2026-06-11T00:10:00"},
            ]}])
        );
        assert!(
            !p.redacted.contains("tok.en.x") && p.redacted.contains("Bearer ****"),
            "{}",
            p.redacted
        );
        assert_eq!(t.slot.status, SlotStatus::Sending);
        assert_eq!(t.entry.payload.as_deref(), Some(p.redacted.as_str()));
    }

    #[test]
    fn replies_are_classified_and_the_receipt_kept() {
        let s = settings();
        let slot = ready_slot(&s);
        let now = UtcMillis(slot.at.0 + 61_000);
        let token = Secret::new("tok.en.x");
        let (_, sending) = prepare(&s, &slot, &token, now).unwrap();
        let ok = Exchange::Reply {
            status: 201,
            body: r#"{"mensaje":"ok","IdVerificacion":"V-77"}"#.to_owned(),
        };
        let t = complete(
            &s,
            &sending.slot,
            &ok,
            &token,
            &FilingPolicy::default(),
            now,
        )
        .unwrap();
        assert_eq!(
            (t.slot.status, t.slot.folio.as_deref()),
            (SlotStatus::Accepted, Some("V-77"))
        );
        assert!(!t.slot.late);

        let expired = Exchange::Reply {
            status: 401,
            body: r#"{"mensaje":"token expirado tok.en.x"}"#.to_owned(),
        };
        assert_eq!(classify(&expired), Outcome::Unauthorized);
        let t = complete(
            &s,
            &sending.slot,
            &expired,
            &token,
            &FilingPolicy::default(),
            now,
        )
        .unwrap();
        assert_eq!(t.slot.status, SlotStatus::Retrying);
        assert_eq!(
            t.slot.next_attempt_at,
            Some(now),
            "retried at once with a new token"
        );
        assert!(
            !t.entry.response.unwrap().contains("tok.en.x"),
            "the token is redacted from replies"
        );

        let missing = Exchange::Reply {
            status: 400,
            body: r#"{"mensaje":"faltan parámetros: VA"}"#.to_owned(),
        };
        assert_eq!(
            classify(&missing),
            Outcome::Rejected {
                code: Some("HTTP 400".to_owned()),
                message: "faltan parámetros: VA".to_owned()
            }
        );
        let no_receipt = Exchange::Reply {
            status: 200,
            body: "{}".to_owned(),
        };
        let t = complete(
            &s,
            &sending.slot,
            &no_receipt,
            &token,
            &FilingPolicy::default(),
            now,
        )
        .unwrap();
        assert_eq!(
            (t.slot.status, t.slot.folio.clone()),
            (SlotStatus::Accepted, None)
        );
        assert_eq!(t.effects.len(), 1);
        assert!(matches!(
            classify(&Exchange::Reply {
                status: 503,
                body: String::new()
            }),
            Outcome::Transient { .. }
        ));
    }

    #[test]
    fn shadow_mode_records_without_a_token() {
        let mut s = settings();
        s.mode = FilingMode::Shadow;
        let slot = ready_slot(&s);
        let t = shadow(&s, &slot, UtcMillis(slot.at.0 + 61_000)).unwrap();
        assert_eq!(t.slot.status, SlotStatus::Shadowed);
        assert!(t.entry.payload.unwrap().contains("\"valor\":\"42.50\""));
        assert_eq!(
            prepare(&s, &slot, &Secret::new("x"), UtcMillis(slot.at.0)).unwrap_err(),
            PrepareError::Mode(FilingMode::Shadow)
        );
    }
}
