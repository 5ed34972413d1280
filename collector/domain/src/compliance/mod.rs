//! Regulator filing: slots per point and standard, slot values from stored
//! data, plausibility checks, DGA and SMA payloads, the ledger's rules.
//!
//! Everything here is pure: time is an argument, nothing reads a clock or
//! does I/O. The collector's store persists [`Slot`]s and [`LedgerEntry`]s,
//! its HTTP sender carries [`HttpRequest`]s and hands back an [`Exchange`],
//! and its jobs call the functions below in this order:
//!
//! 1. **Plan** ([`plan()`]): every expected slot of a point over a range, as
//!    wall times in the filing zone ([`SlotTime`]); the store inserts each
//!    once (`ON CONFLICT DO NOTHING` on [`SlotKey`]) as [`Slot::planned`].
//! 2. **Value** ([`value_slot`], or a [`Valuer`] for a run of slots):
//!    caudal, totalizador and nivel from the stored readings, each with its
//!    [`Provenance`]; then
//!    [`Slot::on_valuation`] runs the plausibility [`checks`] and moves the
//!    slot to `ready` or `review` (or leaves it waiting for data).
//! 3. **File**: [`dga::prepare`] / [`sma::prepare`] build the request and the
//!    `sending` transition, which the store commits *before* the POST; the
//!    reply goes through [`dga::complete`] / [`sma::complete`]. Requests are
//!    paced by [`RateLimit`].
//! 4. **Report** ([`report::daily`]): counts per point and regulator, and the
//!    CSV rendering.
//!
//! # Slot states
//!
//! ```text
//!            valued, checks pass             prepare (live)           accepted / "Ya existe … Comprobante"
//! waiting ──────────────────────► ready ───────────────────► sending ─────────────────────────────► accepted
//!   │  │      checks fail             │  shadow mode            │ │ │  rejection (n < 7) → rejected ──(24 h)──┐
//!   │  └──────────────► review        └─────► shadowed ──(live)─┘ │ │  rejection (n = 7) → failed             │
//!   │                   │ release / correct (person, audited)     │ │  5xx, timeout → retrying ──(backoff)──┐ │
//!   │                   └────────────────► ready                  │ │                                       │ │
//!   │ 30 days without data                                        │ └─ informante mismatch → held (point    │ │
//!   └──────────────► no_data ──(reopen, person)──► waiting        │    stopped, alarm; resume by a person)  │ │
//!                                                                 └◄──────────── sending again ◄──────────┴─┘
//! ```
//!
//! - A slot found in `sending` (the collector died between commit and
//!   reply) is sent again; the DGA answers "Ya existe un registro … Comprobante:
//!   X" when the first POST did arrive, and that reply is an acceptance with
//!   folio X (regulators.md §2.3, \[C\]).
//! - Every transition function returns a [`Transition`]: the new slot, the
//!   [`LedgerEntry`] to append *before* it (with the redacted payload, the
//!   reply, the HTTP status and the time) and any [`Effect`]s (stop a point,
//!   raise a finding). The store commits all three in one transaction, so the
//!   ledger explains every state a slot was ever in.
//! - Two different folios for one slot are a critical [`Finding`]
//!   ([`Slot::on_outcome`], [`ledger_findings`], receipt checks).
//! - Nothing is ever invented: a slot without readings waits, and after
//!   [`FilingPolicy::no_data_after_ms`] (30 days, S1's `no_data_definitivo`)
//!   it is closed as `no_data`. Partial data goes to review after
//!   [`FilingPolicy::review_after_ms`] (48 h, S1).
//! - A slot accepted more than its allowed lag after its time is marked
//!   `late` ([`settings::default_late_after_ms`]).
//!
//! Sources: `../shared/reference/regulators.md` (S1 = druizd/emeltec3, S2 =
//! felipebarraza6/core_api_sh, S3 = the DGA's SOAP WSDL/XSD, S4 = SMA Res. Ex.
//! 254/2020). Where the reference is unsure the choice is a setting, and its
//! doc says which default was taken and why.

pub mod checks;
pub mod dga;
pub mod format;
pub mod plan;
pub mod rate;
pub mod report;
pub mod rut;
pub mod secret;
pub mod settings;
pub mod slot;
pub mod sma;
pub mod values;

pub use checks::{CheckRules, ReviewReason, VolumeTolerance};
pub use plan::{Cadence, SlotTime, Slots, plan};
pub use rate::RateLimit;
pub use rut::{Rut, RutError};
pub use secret::{REDACTED, Secret, redact};
pub use settings::{
    DgaSettings, DgaSettingsInput, FilingPolicy, Informante, LevelSource, MeterReset, ObraCode,
    SettingsError, SettingsErrors, SmaParameter, SmaParameterInput, SmaSettings, SmaSettingsInput,
    ValueRules, check_mode_change,
};
pub use slot::{
    Due, Effect, Finding, LedgerEntry, ReceiptCheck, Slot, SlotKey, Transition, TransitionError,
    filing_order, ledger_findings,
};
pub use values::{
    PointData, Provenance, Rule, Sample, Series, Valuation, Value, Valuer, Values, value_slot,
};

use crate::vocab::vocabulary;

vocabulary!(
    /// Who a filing goes to.
    Regulator {
        /// Dirección General de Aguas: "Monitoreo de Extracciones Efectivas".
        Dga => "dga",
        /// Superintendencia del Medio Ambiente: "API REST v1.0".
        Sma => "sma",
    }
);

vocabulary!(
    /// The DGA obra's kind, which picks the endpoint and the body's
    /// measurement block (regulators.md §2.1).
    DgaKind {
        /// Groundwater: `POST /api/v1/mediciones/subterraneas`, `medicionSubterranea` \[C\].
        Groundwater => "subterraneas",
        /// Surface flowmeter: `POST /api/v1/mediciones/superficiales/flujometro`,
        /// `medicionSuperficialFlujometro`, no level \[C\] (S2).
        SurfaceFlowmeter => "superficiales_flujometro",
    }
);

vocabulary!(
    /// The DGA standard of an obra (Res. DGA Ex. 1238/2019, regulators.md §3).
    Standard {
        /// One reading per hour at HH:00.
        Mayor => "mayor",
        /// One reading per day at 00:00.
        Medio => "medio",
        /// One reading per month, day 1 at 00:00.
        Menor => "menor",
        /// Two readings per year, 1 January and 1 July at 00:00; totaliser only.
        MuyPequenos => "muy_pequenos",
    }
);

vocabulary!(
    /// Whether a point's slots are filed.
    FilingMode {
        /// Nothing is built or sent (slots are still planned and valued).
        Off => "off",
        /// Requests are built, validated and recorded in the ledger, never sent.
        Shadow => "shadow",
        /// Requests are sent. Switching to live is an admin action
        /// ([`settings::check_mode_change`]).
        Live => "live",
    }
);

vocabulary!(
    /// How the filed caudal is chosen.
    CaudalMethod {
        /// The mean of the good flow readings over the slot's period
        /// (S2: "the hour's average flow"; the default).
        PeriodMean => "period_mean",
        /// The flow at slot time (the last good reading at or before it,
        /// within the tolerance), as S1 files it.
        AtSlot => "at_slot",
    }
);

vocabulary!(
    /// A quantity a slot can carry, derived from stored readings.
    Measure {
        /// Mean flow over the slot's period, l/s.
        FlowMean => "flow_mean",
        /// Flow at slot time, l/s.
        FlowAtSlot => "flow_at_slot",
        /// Meter total at slot time, m³ (known meter resets applied).
        Total => "total",
        /// The level sensor's reading at slot time, m, as stored.
        Level => "level",
        /// Nivel freático (depth to water) at slot time, m.
        Nivel => "nivel",
    }
);

vocabulary!(
    /// Where a slot is in its life (see the module docs).
    SlotStatus {
        /// Planned; its readings have not all arrived.
        Waiting => "waiting",
        /// Valued and checked; waiting for the filer.
        Ready => "ready",
        /// Built and validated in shadow mode; not sent.
        Shadowed => "shadowed",
        /// A plausibility check failed, or a value is missing: a person decides.
        Review => "review",
        /// Committed before the POST; the reply is not known yet.
        Sending => "sending",
        /// The regulator holds it, with a folio.
        Accepted => "accepted",
        /// The regulator refused it; retried once a day.
        Rejected => "rejected",
        /// The request failed in transit (5xx, timeout); retried with backoff.
        Retrying => "retrying",
        /// Refused too many times; a person decides.
        Failed => "failed",
        /// The point's filing is stopped (informante mismatch); a person resumes it.
        Held => "held",
        /// No readings arrived within the no-data window; nothing is invented.
        NoData => "no_data",
    }
);

vocabulary!(
    /// What a ledger entry records.
    LedgerAction {
        /// Values computed and checked.
        Valued => "valued",
        /// Closed for lack of data.
        Expired => "expired",
        /// Built in shadow mode.
        Shadow => "shadow",
        /// About to POST (committed before the request).
        Send => "send",
        /// About to POST again a slot found in `sending` (after a crash).
        Resend => "resend",
        /// The regulator's reply, or the transport failure.
        Reply => "reply",
        /// A person released a slot in review.
        Released => "released",
        /// A person corrected a slot's values.
        Corrected => "corrected",
        /// A person resumed a held or failed slot.
        Resumed => "resumed",
        /// A person reopened a no-data slot (imported history arrived).
        Reopened => "reopened",
        /// The receipt was looked up.
        ReceiptChecked => "receipt_checked",
    }
);

vocabulary!(
    /// Kinds of findings raised by the filer.
    FindingKind {
        /// Two different folios for one slot (critical: a double filing).
        DoubleFolio => "double_folio",
        /// The informante is not the obra's registered one; the point is stopped.
        InformanteMismatch => "informante_mismatch",
        /// The receipt lookup returned other values than the ones filed.
        ReceiptMismatch => "receipt_mismatch",
        /// The receipt lookup did not find the folio.
        ReceiptMissing => "receipt_missing",
        /// The regulator accepted the request but returned no receipt.
        AcceptedWithoutReceipt => "accepted_without_receipt",
    }
);

/// An HTTP method used by the regulators' APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET (receipt lookup).
    Get,
    /// POST (measurements, registros, auth).
    Post,
}

impl HttpMethod {
    /// `GET` or `POST`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// A request for the collector's HTTP sender: the path (with its query) is
/// joined to the configured base URL (`https://apimee.mop.gob.cl`,
/// `https://conexiones.sma.gob.cl`, or a stand-in's address).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: HttpMethod,
    /// Path and query, starting with `/`.
    pub path: String,
    /// Headers, in order. May hold a secret (the SMA token): log
    /// [`Prepared::redacted`] instead.
    pub headers: Vec<(String, String)>,
    /// The JSON body. May hold a secret (the DGA password).
    pub body: Option<String>,
}

/// A request and the redacted rendering stored in the ledger and shown in
/// logs: `{"method","path","headers","body"}` with every secret replaced by
/// [`REDACTED`].
#[derive(Clone, PartialEq, Eq)]
pub struct Prepared {
    /// What to send.
    pub request: HttpRequest,
    /// What to store and show.
    pub redacted: String,
}

impl std::fmt::Debug for Prepared {
    /// Only the redacted form: a `Prepared` can be logged safely.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl Prepared {
    /// Build the redacted rendering of `request`, replacing `secrets`.
    fn new(request: HttpRequest, secrets: &[&Secret]) -> Prepared {
        let headers: serde_json::Map<String, serde_json::Value> = request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let body = request
            .body
            .as_deref()
            .map_or(serde_json::Value::Null, |b| {
                serde_json::from_str(b).unwrap_or_else(|_| serde_json::Value::String(b.to_owned()))
            });
        let rendering = serde_json::json!({
            "method": request.method.as_str(),
            "path": request.path,
            "headers": headers,
            "body": body,
        });
        let redacted = redact(&rendering.to_string(), secrets);
        Prepared { request, redacted }
    }
}

/// What became of one HTTP request, as the sender saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exchange {
    /// A reply arrived.
    Reply {
        /// HTTP status.
        status: u16,
        /// The body as text.
        body: String,
    },
    /// No reply within the sender's timeout. The request may have arrived.
    TimedOut,
    /// The request failed before a reply (connection refused, TLS, DNS).
    Failed {
        /// The transport error, as text.
        error: String,
    },
}

impl Exchange {
    /// The HTTP status, if a reply arrived.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Exchange::Reply { status, .. } => Some(*status),
            Exchange::TimedOut | Exchange::Failed { .. } => None,
        }
    }

    /// The reply body or the transport failure, as stored in the ledger.
    #[must_use]
    pub fn response_text(&self) -> String {
        match self {
            Exchange::Reply { body, .. } => body.clone(),
            Exchange::TimedOut => "timed out".to_owned(),
            Exchange::Failed { error } => format!("request failed: {error}"),
        }
    }
}

/// A reply, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The regulator holds the record under `folio`.
    Accepted {
        /// DGA `numeroComprobante` or SMA `IdVerificacion`.
        folio: String,
        /// True when the folio came from a "Ya existe un registro" reply.
        duplicate: bool,
    },
    /// A 2xx reply without a receipt (SMA): held as accepted, with a finding.
    AcceptedWithoutReceipt {
        /// The reply text.
        message: String,
    },
    /// The regulator refused the record: retried once a day, up to the limit.
    Rejected {
        /// The regulator's status code, when it gave one.
        code: Option<String>,
        /// The regulator's message.
        message: String,
    },
    /// "Usuario no es el informante registrado en la Obra": never retried;
    /// the point's filing stops and an alarm is raised.
    InformanteMismatch {
        /// The regulator's message.
        message: String,
    },
    /// 5xx, 408, 429, timeout, or transport failure: retried with backoff.
    Transient {
        /// What happened.
        reason: String,
    },
    /// The SMA refused the token (401): renew it and send again.
    Unauthorized,
}

/// The text of a JSON reply's string (or number) field.
fn json_text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The first `max` characters of `s`, for messages quoting a reply.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A slot whose values cannot make a request.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BuildError {
    /// The slot was never valued.
    #[error("the slot has no values")]
    NoValues,
    /// A required value is missing.
    #[error("the {} value is missing", .0.as_str())]
    Missing(Measure),
    /// A value cannot be written in the DGA's format.
    #[error("{field} = {value} cannot be filed: {why}")]
    Unfileable {
        /// The body field.
        field: &'static str,
        /// The value.
        value: f64,
        /// Why not.
        why: &'static str,
    },
}

/// Why a slot could not be prepared.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PrepareError {
    /// The point is not in the mode the call needs.
    #[error("the point's filing mode is {0}")]
    Mode(FilingMode),
    /// The values cannot make a request.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The slot is not in a state to be sent.
    #[error(transparent)]
    Transition(#[from] slot::TransitionError),
}

#[cfg(test)]
mod tests;
