//! The DGA "Monitoreo de Extracciones Efectivas" REST API (apimee, in force
//! since August 2025): the measurement POST, its reply, and the receipt
//! lookup (regulators.md §2).
//!
//! # Request
//!
//! `POST /api/v1/mediciones/subterraneas` (groundwater) or
//! `POST /api/v1/mediciones/superficiales/flujometro` (surface flowmeter) \[C\],
//! with headers `Content-Type: application/json`, `codigoObra` and
//! `timeStampOrigen` \[C\], and the body:
//!
//! ```json
//! { "autenticacion": { "password": "…", "rutEmpresa": "76086428-5", "rutUsuario": "12345678-5" },
//!   "medicionSubterranea": { "caudal": "15.31", "fechaMedicion": "2026-06-11", "horaMedicion": "13:00:00",
//!                            "nivelFreaticoDelPozo": "9.85", "totalizador": "1010" } }
//! ```
//!
//! Surface flowmeters send `medicionSuperficialFlujometro` with no level
//! field (S2). Every value is a string: caudal and nivel with 2 decimals and
//! a dot, totalizador whole m³ truncated, at most 15 characters; the date
//! `YYYY-MM-DD` and the time `HH:mm:ss` are the slot's wall time in the
//! filing zone. `nivelFreaticoDelPozo` is `""` where allowed (caudales muy
//! pequeños, aguas del minero \[I\]); a Caudales Muy Pequeños slot, totaliser
//! only, also files `caudal` as `""` when no flow was measured (the
//! reference is silent on an empty caudal: \[X\]).
//!
//! # Reply ([`classify`])
//!
//! - `status "00"` with `data.numeroComprobante` → accepted with that folio
//!   \[C\]. A `"00"` without a folio is treated as transient: the resend gets
//!   the duplicate reply below, which carries the folio.
//! - `"Ya existe un registro en esa fecha, hora para la obra. Comprobante: X"`
//!   (HTTP 400) → accepted with folio X \[C\]: the normal reply to a resend
//!   after a timeout whose POST did arrive.
//! - `"Usuario no es el informante registrado en la Obra"` (HTTP 400) → the
//!   point's filing stops and an alarm is raised; never retried \[C\] (S2).
//! - 5xx, 408, 429, timeouts and transport failures → transient, retried
//!   with backoff.
//! - Anything else → a rejection, retried once a day up to 7 times \[I\].
//!
//! # Receipt lookup ([`receipt_request`], [`classify_receipt`])
//!
//! `GET /api/v1/mediciones/subterraneas?codigoObra=…&numeroComprobante=…`
//! with only `Accept: application/json` (S1, \[I\]); the reply's
//! `fechaMedicion` comes back as `DD-MM-YYYY`, unlike the POST (S1 calls it
//! a spec anomaly); both spellings are read. No lookup is known for surface
//! flowmeters, so none is made.

use crate::{UtcMillis, Zone};

use super::format;
use super::secret::redact;
use super::settings::{DgaSettings, TimestampStyle};
use super::slot::{ReceiptCheck, Slot, Transition, TransitionError, Valuing};
use super::{
    BuildError, DgaKind, Exchange, FilingMode, FilingPolicy, HttpMethod, HttpRequest, Measure,
    Outcome, PrepareError, Prepared, Standard, clip, json_text,
};

/// Path of the groundwater measurement POST and the receipt GET.
pub const GROUNDWATER_PATH: &str = "/api/v1/mediciones/subterraneas";
/// Path of the surface flowmeter measurement POST.
pub const SURFACE_FLOWMETER_PATH: &str = "/api/v1/mediciones/superficiales/flujometro";
/// The start of the DGA's duplicate reply.
pub const DUPLICATE_MARK: &str = "Ya existe un registro";
/// What precedes the folio in the duplicate reply.
pub const FOLIO_MARK: &str = "Comprobante:";
/// The DGA's informante mismatch reply.
pub const INFORMANTE_MISMATCH: &str = "Usuario no es el informante registrado en la Obra";

impl DgaKind {
    /// The measurement POST's path.
    #[must_use]
    pub fn path(self) -> &'static str {
        match self {
            DgaKind::Groundwater => GROUNDWATER_PATH,
            DgaKind::SurfaceFlowmeter => SURFACE_FLOWMETER_PATH,
        }
    }

    /// The body's measurement block.
    #[must_use]
    pub fn block(self) -> &'static str {
        match self {
            DgaKind::Groundwater => "medicionSubterranea",
            DgaKind::SurfaceFlowmeter => "medicionSuperficialFlujometro",
        }
    }
}

impl DgaSettings {
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

/// The measurement block's strings, exactly as filed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    /// `caudal`, l/s, 2 decimals (or `""`, Caudales Muy Pequeños without flow).
    pub caudal: String,
    /// `fechaMedicion`, `YYYY-MM-DD`.
    pub fecha: String,
    /// `horaMedicion`, `HH:mm:ss`.
    pub hora: String,
    /// `totalizador`, whole m³.
    pub totalizador: String,
    /// `nivelFreaticoDelPozo`, m, 2 decimals or `""`; `None` for surface flowmeters.
    pub nivel: Option<String>,
}

fn two_decimals_non_negative(field: &'static str, value: f64) -> Result<String, BuildError> {
    match format::scaled(value, 2, false) {
        Some(c) if c >= 0 => Ok(format::render(c, 2)),
        Some(_) => Err(BuildError::Unfileable {
            field,
            value,
            why: "negative",
        }),
        None => Err(BuildError::Unfileable {
            field,
            value,
            why: "not a finite number",
        }),
    }
}

/// The measurement strings of a slot.
///
/// # Errors
/// [`BuildError`] for a missing or unfileable value.
pub fn measurement(settings: &DgaSettings, slot: &Slot) -> Result<Measurement, BuildError> {
    let values = slot.values.as_ref().ok_or(BuildError::NoValues)?;
    let required = settings.required();
    let caudal_measure = settings.values.caudal_measure();
    let caudal = match values.get(caudal_measure) {
        Some(v) => two_decimals_non_negative("caudal", v.raw)?,
        None if required.contains(&caudal_measure) => {
            return Err(BuildError::Missing(caudal_measure));
        }
        None => String::new(),
    };
    let total = values
        .total
        .as_ref()
        .ok_or(BuildError::Missing(Measure::Total))?;
    let totalizador = match format::whole_m3(total.raw) {
        Some(w) if w < 0 => {
            return Err(BuildError::Unfileable {
                field: "totalizador",
                value: total.raw,
                why: "negative",
            });
        }
        Some(w) if w <= format::TOTALIZADOR_MAX => w.to_string(),
        _ => {
            return Err(BuildError::Unfileable {
                field: "totalizador",
                value: total.raw,
                why: "longer than 15 characters",
            });
        }
    };
    let nivel = match settings.kind {
        DgaKind::SurfaceFlowmeter => None,
        DgaKind::Groundwater => Some(match values.nivel.as_ref() {
            Some(v) if settings.values.level != super::LevelSource::None => {
                two_decimals_non_negative("nivelFreaticoDelPozo", v.raw)?
            }
            _ if required.contains(&Measure::Nivel) => {
                return Err(BuildError::Missing(Measure::Nivel));
            }
            _ => String::new(),
        }),
    };
    Ok(Measurement {
        caudal,
        fecha: slot.key.local.format("%Y-%m-%d").to_string(),
        hora: slot.key.local.format("%H:%M:%S").to_string(),
        totalizador,
        nivel,
    })
}

/// The `timeStampOrigen` header for a request sent at `now`.
#[must_use]
pub fn timestamp_origen(style: TimestampStyle, zone: Zone, slot: &Slot, now: UtcMillis) -> String {
    match style {
        TimestampStyle::Manual => {
            let local = Zone::utc_minus_4().local(now);
            format!("{}-0000", local.format("%Y-%m-%dT%H:%M:%S"))
        }
        TimestampStyle::ZoneOffset => {
            let local = zone.local(now);
            let offset = zone.offset_seconds(now);
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            format!(
                "{}{sign}{:02}:{:02}",
                local.format("%Y-%m-%dT%H:%M:%S"),
                abs / 3600,
                abs % 3600 / 60
            )
        }
        TimestampStyle::MeasurementLocal => slot.key.local.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

/// The request for a slot, sent at `now`.
///
/// # Errors
/// [`BuildError`] for a missing or unfileable value.
pub fn build(settings: &DgaSettings, slot: &Slot, now: UtcMillis) -> Result<Prepared, BuildError> {
    let m = measurement(settings, slot)?;
    let mut block = serde_json::Map::new();
    block.insert("caudal".to_owned(), m.caudal.into());
    block.insert("fechaMedicion".to_owned(), m.fecha.into());
    block.insert("horaMedicion".to_owned(), m.hora.into());
    if let Some(nivel) = m.nivel {
        block.insert("nivelFreaticoDelPozo".to_owned(), nivel.into());
    }
    block.insert("totalizador".to_owned(), m.totalizador.into());
    let inf = &settings.informante;
    let mut body = serde_json::Map::new();
    body.insert(
        "autenticacion".to_owned(),
        serde_json::json!({
            "password": inf.password.expose(),
            "rutEmpresa": inf.rut_empresa.to_string(),
            "rutUsuario": inf.rut_usuario.to_string(),
        }),
    );
    body.insert(settings.kind.block().to_owned(), block.into());
    let body = serde_json::Value::Object(body);
    let request = HttpRequest {
        method: HttpMethod::Post,
        path: settings.kind.path().to_owned(),
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("Accept".to_owned(), "application/json".to_owned()),
            ("codigoObra".to_owned(), settings.obra.as_str().to_owned()),
            (
                "timeStampOrigen".to_owned(),
                timestamp_origen(settings.timestamp, settings.zone, slot, now),
            ),
        ],
        body: Some(body.to_string()),
    };
    Ok(Prepared::new(request, &[&inf.password]))
}

/// Build the request and the `sending` transition (live mode). Commit the
/// transition, then send the request, then call [`complete`].
///
/// # Errors
/// [`PrepareError`]: not live, unfileable values, or not due.
pub fn prepare(
    settings: &DgaSettings,
    slot: &Slot,
    now: UtcMillis,
) -> Result<(Prepared, Transition), PrepareError> {
    if settings.mode != FilingMode::Live {
        return Err(PrepareError::Mode(settings.mode));
    }
    let prepared = build(settings, slot, now)?;
    let t = slot.begin_send(&prepared.redacted, now)?;
    Ok((prepared, t))
}

/// Build and record the request without sending it (shadow mode).
///
/// # Errors
/// [`PrepareError`]: not shadow, unfileable values, or not ready.
pub fn shadow(
    settings: &DgaSettings,
    slot: &Slot,
    now: UtcMillis,
) -> Result<Transition, PrepareError> {
    if settings.mode != FilingMode::Shadow {
        return Err(PrepareError::Mode(settings.mode));
    }
    let prepared = build(settings, slot, now)?;
    Ok(slot.shadow(&prepared.redacted, now)?)
}

/// Classify a reply to the measurement POST (see the module docs).
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
    let code = field("status");
    let message = field("message").unwrap_or_else(|| clip(body.trim(), 300));
    if message.contains(DUPLICATE_MARK) {
        return match folio_in(&message) {
            Some(folio) => Outcome::Accepted {
                folio,
                duplicate: true,
            },
            None => Outcome::Rejected {
                code,
                message: format!("duplicate reply without a folio: {message}"),
            },
        };
    }
    if message
        .to_lowercase()
        .contains(&INFORMANTE_MISMATCH.to_lowercase())
    {
        return Outcome::InformanteMismatch { message };
    }
    if (500..=599).contains(&status) || status == 408 || status == 429 {
        return Outcome::Transient {
            reason: format!("HTTP {status}: {}", clip(&message, 200)),
        };
    }
    if (200..=299).contains(&status) && code.as_deref() == Some("00") {
        let folio = json
            .as_ref()
            .and_then(|j| j.get("data"))
            .and_then(|d| json_text(d.get("numeroComprobante")))
            .filter(|f| !f.trim().is_empty());
        return match folio {
            Some(folio) => Outcome::Accepted {
                folio: folio.trim().to_owned(),
                duplicate: false,
            },
            None => Outcome::Transient {
                reason: "status 00 without numeroComprobante; the resend will return the folio"
                    .to_owned(),
            },
        };
    }
    Outcome::Rejected {
        code: code.or_else(|| Some(format!("HTTP {status}"))),
        message,
    }
}

/// The folio after "Comprobante:" in a duplicate reply.
#[must_use]
pub fn folio_in(message: &str) -> Option<String> {
    let (_, rest) = message.split_once(FOLIO_MARK)?;
    let folio: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    (!folio.is_empty()).then_some(folio)
}

/// Take the reply to a request sent by [`prepare`]: redact it, classify it,
/// and return the transition to commit.
///
/// # Errors
/// [`TransitionError`] unless the slot is `sending`.
pub fn complete(
    settings: &DgaSettings,
    slot: &Slot,
    exchange: &Exchange,
    policy: &FilingPolicy,
    now: UtcMillis,
) -> Result<Transition, TransitionError> {
    let exchange = redact_exchange(exchange, settings);
    let outcome = classify(&exchange);
    slot.on_outcome(&outcome, &exchange, settings.late_after_ms, policy, now)
}

fn redact_exchange(exchange: &Exchange, settings: &DgaSettings) -> Exchange {
    let secrets = [&settings.informante.password];
    match exchange {
        Exchange::Reply { status, body } => Exchange::Reply {
            status: *status,
            body: redact(body, &secrets),
        },
        Exchange::TimedOut => Exchange::TimedOut,
        Exchange::Failed { error } => Exchange::Failed {
            error: redact(error, &secrets),
        },
    }
}

fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The receipt lookup for a folio, where one is known (groundwater only).
#[must_use]
pub fn receipt_request(settings: &DgaSettings, folio: &str) -> Option<HttpRequest> {
    (settings.kind == DgaKind::Groundwater).then(|| HttpRequest {
        method: HttpMethod::Get,
        path: format!(
            "{GROUNDWATER_PATH}?codigoObra={}&numeroComprobante={}",
            query_escape(settings.obra.as_str()),
            query_escape(folio)
        ),
        headers: vec![("Accept".to_owned(), "application/json".to_owned())],
        body: None,
    })
}

/// `DD-MM-YYYY` (the lookup's anomaly) or `YYYY-MM-DD`, as `YYYY-MM-DD`.
fn normal_date(s: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

fn same_number(a: &str, b: &str, tolerance: f64) -> bool {
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= tolerance,
        _ => a.trim() == b.trim(),
    }
}

/// Compare a receipt lookup's reply with what was filed. Only the fields
/// the reply carries are compared.
#[must_use]
pub fn classify_receipt(exchange: &Exchange, filed: &Measurement) -> ReceiptCheck {
    let (status, body) = match exchange {
        Exchange::Reply { status, body } => (*status, body.as_str()),
        other => return ReceiptCheck::Unavailable(other.response_text()),
    };
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let code = json_text(json.as_ref().and_then(|j| j.get("status")));
    if status == 404
        || ((200..=299).contains(&status) && code.as_deref().is_some_and(|c| c != "00"))
    {
        return ReceiptCheck::NotFound;
    }
    let data = match json.as_ref().and_then(|j| j.get("data")) {
        Some(d) if (200..=299).contains(&status) && d.is_object() => d,
        _ => return ReceiptCheck::Unavailable(format!("HTTP {status}: {}", clip(body, 200))),
    };
    let mut differ = Vec::new();
    let mut compare = |key: &str, ours: &str, same: &dyn Fn(&str, &str) -> bool| {
        if let Some(theirs) = json_text(data.get(key))
            && !same(&theirs, ours)
        {
            differ.push(format!("{key}: filed {ours:?}, receipt {theirs:?}"));
        }
    };
    compare("fechaMedicion", &filed.fecha, &|t, o| {
        normal_date(t).as_deref() == Some(o)
    });
    compare("horaMedicion", &filed.hora, &|t, o| {
        t == o || format!("{t}:00") == o
    });
    compare("caudal", &filed.caudal, &|t, o| same_number(t, o, 0.005));
    compare("totalizador", &filed.totalizador, &|t, o| {
        same_number(t, o, 0.5)
    });
    if let Some(nivel) = &filed.nivel {
        compare("nivelFreaticoDelPozo", nivel, &|t, o| {
            same_number(t, o, 0.005)
        });
    }
    if differ.is_empty() {
        ReceiptCheck::Verified
    } else {
        ReceiptCheck::Mismatch(differ)
    }
}

/// Take a receipt lookup's reply for an accepted slot: `None` when nothing
/// changes (the lookup was unavailable, or the slot cannot be rebuilt).
#[must_use]
pub fn check_receipt(
    settings: &DgaSettings,
    slot: &Slot,
    exchange: &Exchange,
    now: UtcMillis,
) -> Option<Transition> {
    let filed = measurement(settings, slot).ok()?;
    let exchange = redact_exchange(exchange, settings);
    slot.on_receipt(&classify_receipt(&exchange, &filed), &exchange, now)
}

impl Standard {
    /// The Spanish name of the standard, as the DGA writes it.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Standard::Mayor => "Mayor",
            Standard::Medio => "Medio",
            Standard::Menor => "Menor",
            Standard::MuyPequenos => "Caudales Muy Pequeños",
        }
    }
}

#[cfg(test)]
mod tests;
