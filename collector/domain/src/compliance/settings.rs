//! Per-point filing settings, validated from what the API or the CLI was
//! given ([`DgaSettingsInput`], [`SmaSettingsInput`]) into proof types
//! ([`DgaSettings`], [`SmaSettings`]) that the planner, the valuer and the
//! request builders trust. Every problem is reported, each naming its field.
//!
//! Choices the reference leaves open, with the default taken:
//! - **Filed local time** ([`DgaSettings::zone`]): the DGA manual's fixed
//!   UTC-4 (S1 quotes "Fuente: Manual Técnico DGA 1/2025"); America/Santiago
//!   (S2, with daylight saving) is an option. The manual is the newer and
//!   more authoritative source, and a fixed offset cannot produce a skipped
//!   or repeated `horaMedicion` (regulators.md §2.2, \[I\] conflicting).
//! - **`timeStampOrigen`** ([`TimestampStyle`]): S1's `yyyy-MM-ddTHH:mm:ss-0000`
//!   with the send time in UTC-4, the only format that claims the manual as
//!   its source; the server seems lenient (§2.2, \[X\]).
//! - **Allowed lag** ([`default_late_after_ms`]): Mayor 1 h (S1's reading of
//!   Res. 2170 §3, "within ≤1 h" for online senders: the newer and stricter
//!   rule; the secondary table's 7 days is for the older resolution), Medio
//!   15 days, Menor and Caudales Muy Pequeños 1 month (31 days), from the
//!   secondary table of §3. A slot accepted later than that is marked late.
//! - **Retry** ([`FilingPolicy`]): a rejection is retried once a day, up to 7
//!   times, then the slot fails (S1's reading of Res. 2170 §6.2, \[I\]).

use crate::{DAY_MS, HOUR_MS, MINUTE_MS, Role, SECOND_MS, UtcMillis, Zone};

use super::checks::{CheckRules, VolumeTolerance};
use super::plan::Cadence;
use super::rut::Rut;
use super::secret::Secret;
use super::{CaudalMethod, DgaKind, FilingMode, Measure, Standard};
use crate::vocab::vocabulary;

/// A DGA obra code, `^O[BR]-\d{4}-\d+$` (S1's reading of Res. 2170 §5.2, \[I\]):
/// `OB` captación or `OR` restitución, four digits of region and province,
/// and a correlativo.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObraCode(String);

/// A text that is not an obra code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a DGA obra code: expected OB-NNNN-N (captación) or OR-NNNN-N (restitución), as in OB-0601-444"
)]
pub struct ObraCodeError(pub String);

impl ObraCode {
    /// Parse exactly `^O[BR]-\d{4}-\d+$` (no spaces, upper case).
    ///
    /// # Errors
    /// [`ObraCodeError`] with the text.
    pub fn parse(text: &str) -> Result<ObraCode, ObraCodeError> {
        let bad = || ObraCodeError(text.to_owned());
        let rest = text
            .strip_prefix("OB-")
            .or_else(|| text.strip_prefix("OR-"))
            .ok_or_else(bad)?;
        let (region, correlativo) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if region.len() != 4 || !digits(region) || !digits(correlativo) {
            return Err(bad());
        }
        Ok(ObraCode(text.to_owned()))
    }

    /// The code as filed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for a restitución (`OR-`), false for a captación (`OB-`).
    #[must_use]
    pub fn is_restitucion(&self) -> bool {
        self.0.starts_with("OR-")
    }
}

impl std::fmt::Display for ObraCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

vocabulary!(
    /// How the `timeStampOrigen` header is written (regulators.md §2.2: the
    /// implementations differ; the server seems lenient).
    TimestampStyle {
        /// S1: the send time in UTC-4 as `yyyy-MM-ddTHH:mm:ss-0000` (the
        /// manual's literal "-0000", meaning UTC-4). The default.
        Manual => "manual",
        /// The send time in the filing zone with its offset, `…-04:00`.
        ZoneOffset => "zone_offset",
        /// S2: the measurement's wall time without offset, `YYYY-MM-DDTHH:MM:SS`.
        MeasurementLocal => "measurement_local",
    }
);

/// What the level sensor measures, which decides the filed nivel freático.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LevelSource {
    /// No level is filed (surface flowmeters; groundwater only for caudales
    /// muy pequeños and aguas del minero, where `""` is allowed, §2.2 \[I\]).
    None,
    /// A submerged sensor reporting the water column above it: nivel
    /// freático = sensor depth − water column (S2's `d3 − nivel`).
    WaterColumn {
        /// Depth of the sensor below the reference point, m.
        sensor_depth_m: f64,
    },
    /// The sensor reports the depth to water directly: filed as read.
    DepthToWater,
}

/// A known meter reset or replacement: from `at` on, the filed total is the
/// meter's reading plus `offset_m3` (S2 files "the real total", raw plus a
/// stored addition). An offset of 0 files the new meter's reading as is; the
/// decrease it causes is then expected and not sent to review.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MeterReset {
    /// When the meter was reset or replaced.
    pub at: UtcMillis,
    /// What to add to readings taken at or after `at`, m³.
    pub offset_m3: f64,
}

/// How a slot's values are taken from stored readings ([`super::value_slot`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueRules {
    /// How caudal is chosen.
    pub caudal: CaudalMethod,
    /// "At slot time" means the last good reading at or before the slot's
    /// instant, no older than this, ms. Default [`DEFAULT_AT_TOLERANCE_MS`].
    pub at_tolerance_ms: i64,
    /// What the level sensor measures.
    pub level: LevelSource,
    /// Known meter resets, oldest first.
    pub meter_resets: Vec<MeterReset>,
}

/// Default "at slot time" tolerance: 15 minutes, three polls of a logger
/// reporting every 5 minutes.
pub const DEFAULT_AT_TOLERANCE_MS: i64 = 15 * MINUTE_MS;

impl Default for ValueRules {
    fn default() -> ValueRules {
        ValueRules {
            caudal: CaudalMethod::PeriodMean,
            at_tolerance_ms: DEFAULT_AT_TOLERANCE_MS,
            level: LevelSource::None,
            meter_resets: Vec::new(),
        }
    }
}

impl ValueRules {
    /// The offset in force for a reading at `t`, m³.
    #[must_use]
    pub fn offset_at(&self, t: UtcMillis) -> f64 {
        self.meter_resets
            .iter()
            .rev()
            .find(|r| r.at <= t)
            .map_or(0.0, |r| r.offset_m3)
    }

    /// True when a known reset falls in `(from, to]`.
    #[must_use]
    pub fn reset_between(&self, from: UtcMillis, to: UtcMillis) -> bool {
        self.meter_resets.iter().any(|r| r.at > from && r.at <= to)
    }

    /// The caudal measure these rules file.
    #[must_use]
    pub fn caudal_measure(&self) -> Measure {
        match self.caudal {
            CaudalMethod::PeriodMean => Measure::FlowMean,
            CaudalMethod::AtSlot => Measure::FlowAtSlot,
        }
    }
}

/// The informante's credentials (regulators.md §2.2): `rutEmpresa` is the
/// registered Centro de Control; `rutUsuario` and `password` belong to the
/// informante registered for the obra.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Informante {
    /// RUT of the Centro de Control that transmits.
    pub rut_empresa: Rut,
    /// RUT of the informante.
    pub rut_usuario: Rut,
    /// The informante's password (encrypted at rest by the store; redacted everywhere).
    pub password: Secret,
}

/// Validated DGA filing settings of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct DgaSettings {
    /// The obra code.
    pub obra: ObraCode,
    /// Groundwater or surface flowmeter.
    pub kind: DgaKind,
    /// The standard, which fixes the cadence.
    pub standard: Standard,
    /// Off, shadow or live.
    pub mode: FilingMode,
    /// The credentials.
    pub informante: Informante,
    /// The zone of `fechaMedicion`/`horaMedicion` (default fixed UTC-4).
    pub zone: Zone,
    /// How `timeStampOrigen` is written.
    pub timestamp: TimestampStyle,
    /// How values are taken.
    pub values: ValueRules,
    /// The plausibility checks' parameters.
    pub checks: CheckRules,
    /// A slot accepted later than this after its time is late, ms.
    pub late_after_ms: i64,
    /// The obra is an "aguas del minero" well, where an empty nivel is allowed.
    pub aguas_del_minero: bool,
}

impl DgaSettings {
    /// The slots' cadence.
    #[must_use]
    pub fn cadence(&self) -> Cadence {
        self.standard.cadence()
    }

    /// The measures a slot must have before it can be filed.
    #[must_use]
    pub fn required(&self) -> Vec<Measure> {
        let mut out = Vec::with_capacity(3);
        if self.standard != Standard::MuyPequenos {
            out.push(self.values.caudal_measure());
        }
        out.push(Measure::Total);
        if self.kind == DgaKind::Groundwater
            && self.standard != Standard::MuyPequenos
            && self.values.level != LevelSource::None
        {
            out.push(Measure::Nivel);
        }
        out
    }
}

impl Standard {
    /// The cadence of the standard's readings (regulators.md §3).
    #[must_use]
    pub fn cadence(self) -> Cadence {
        match self {
            Standard::Mayor => Cadence::Hourly,
            Standard::Medio => Cadence::Daily,
            Standard::Menor => Cadence::Monthly,
            Standard::MuyPequenos => Cadence::SemiAnnual,
        }
    }
}

/// The default allowed lag of a standard, ms (see the module docs).
#[must_use]
pub fn default_late_after_ms(standard: Standard) -> i64 {
    match standard {
        Standard::Mayor => HOUR_MS,
        Standard::Medio => 15 * DAY_MS,
        Standard::Menor | Standard::MuyPequenos => 31 * DAY_MS,
    }
}

/// Raw DGA settings as given over the API or the CLI.
#[derive(Clone, Debug, Default)]
pub struct DgaSettingsInput {
    /// Obra code, `OB-0601-444`.
    pub obra: String,
    /// `subterraneas` or `superficiales_flujometro`.
    pub kind: String,
    /// `mayor`, `medio`, `menor` or `muy_pequenos`.
    pub standard: String,
    /// `off`, `shadow` or `live`.
    pub mode: String,
    /// RUT of the Centro de Control.
    pub rut_empresa: String,
    /// RUT of the informante.
    pub rut_usuario: String,
    /// The informante's password.
    pub password: Secret,
    /// `-04:00` (default) or an IANA zone such as `America/Santiago`.
    pub zone: Option<String>,
    /// `manual` (default), `zone_offset` or `measurement_local`.
    pub timestamp_style: Option<String>,
    /// `water_column`, `depth_to_water` or `none` (default `none`).
    pub level_sensor: Option<String>,
    /// Sensor depth, m (required for `water_column`).
    pub sensor_depth_m: Option<f64>,
    /// The water right, l/s.
    pub water_right_lps: Option<f64>,
    /// `period_mean` (default) or `at_slot`.
    pub caudal_method: Option<String>,
    /// "At slot time" tolerance, seconds (default 900).
    pub at_tolerance_s: Option<i64>,
    /// Allowed lag, seconds (default per standard).
    pub late_after_s: Option<i64>,
    /// An "aguas del minero" obra (empty nivel allowed).
    pub aguas_del_minero: bool,
    /// Known meter resets.
    pub meter_resets: Vec<MeterReset>,
    /// Tolerance of the water right check, fraction (default 0.20).
    pub water_right_tolerance: Option<f64>,
    /// Volume/flow agreement tolerance (default 20 % and 0.5 l/s).
    pub volume_tolerance: Option<VolumeTolerance>,
}

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SettingsError {
    /// The field, as named in the input.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in one input.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SettingsErrors(pub Vec<SettingsError>);

impl std::fmt::Display for SettingsErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl SettingsErrors {
    /// True when `field` has a problem.
    #[must_use]
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }
}

/// Collects problems while a validation runs.
#[derive(Default)]
struct Problems(Vec<SettingsError>);

impl Problems {
    fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push(SettingsError {
            field,
            message: message.into(),
        });
    }

    fn take<T, E: std::fmt::Display>(&mut self, field: &'static str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.add(field, e.to_string())).ok()
    }

    fn word<T>(
        &mut self,
        field: &'static str,
        text: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Option<T> {
        let v = parse(text);
        if v.is_none() {
            self.add(field, format!("`{text}` is not one of: {}", all.join(", ")));
        }
        v
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, SettingsErrors> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(SettingsErrors(self.0)),
        }
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

fn positive_finite(p: &mut Problems, field: &'static str, v: Option<f64>) -> Option<f64> {
    match v {
        Some(x) if x.is_finite() && x > 0.0 => Some(x),
        Some(x) => {
            p.add(field, format!("{x} must be a positive number"));
            None
        }
        None => None,
    }
}

fn seconds(p: &mut Problems, field: &'static str, v: Option<i64>, default_ms: i64) -> i64 {
    match v {
        None => default_ms,
        Some(s) if s > 0 && s <= 366 * DAY_MS / SECOND_MS => s * SECOND_MS,
        Some(s) => {
            p.add(field, format!("{s} s must be between 1 s and 366 days"));
            default_ms
        }
    }
}

/// Value rules and checks shared by both regulators' inputs.
struct CommonInput<'a> {
    level_sensor: Option<&'a str>,
    sensor_depth_m: Option<f64>,
    caudal_method: Option<&'a str>,
    at_tolerance_s: Option<i64>,
    meter_resets: &'a [MeterReset],
    water_right_lps: Option<f64>,
    water_right_tolerance: Option<f64>,
    volume_tolerance: Option<VolumeTolerance>,
}

fn common(p: &mut Problems, c: &CommonInput<'_>) -> (ValueRules, CheckRules) {
    let caudal = match c.caudal_method {
        None => CaudalMethod::PeriodMean,
        Some(t) => p
            .word(
                "caudal_method",
                t,
                CaudalMethod::parse,
                &names(CaudalMethod::ALL, CaudalMethod::as_str),
            )
            .unwrap_or(CaudalMethod::PeriodMean),
    };
    let depth = positive_finite(p, "sensor_depth_m", c.sensor_depth_m);
    let level = match c.level_sensor.unwrap_or("none") {
        "none" => {
            if c.sensor_depth_m.is_some() {
                p.add(
                    "sensor_depth_m",
                    "is only used with level_sensor = water_column",
                );
            }
            LevelSource::None
        }
        "depth_to_water" => {
            if c.sensor_depth_m.is_some() {
                p.add(
                    "sensor_depth_m",
                    "is only used with level_sensor = water_column: a depth-to-water sensor is filed as read",
                );
            }
            LevelSource::DepthToWater
        }
        "water_column" => match depth {
            Some(d) => LevelSource::WaterColumn { sensor_depth_m: d },
            None => {
                if c.sensor_depth_m.is_none() {
                    p.add(
                        "sensor_depth_m",
                        "is required with level_sensor = water_column (nivel freático = sensor depth − water column)",
                    );
                }
                LevelSource::None
            }
        },
        other => {
            p.add(
                "level_sensor",
                format!("`{other}` is not one of: water_column, depth_to_water, none"),
            );
            LevelSource::None
        }
    };
    let at_tolerance_ms = seconds(
        p,
        "at_tolerance_s",
        c.at_tolerance_s,
        DEFAULT_AT_TOLERANCE_MS,
    );
    let mut last = None;
    for r in c.meter_resets {
        if !r.offset_m3.is_finite() {
            p.add(
                "meter_resets",
                format!("offset {} m³ is not a number", r.offset_m3),
            );
        }
        if last.is_some_and(|l| r.at <= l) {
            p.add(
                "meter_resets",
                "must be listed oldest first, one per instant",
            );
        }
        last = Some(r.at);
    }
    let water_right_lps = positive_finite(p, "water_right_lps", c.water_right_lps);
    let mut checks = CheckRules {
        water_right_lps,
        ..CheckRules::default()
    };
    if let Some(t) = c.water_right_tolerance {
        if t.is_finite() && t >= 0.0 {
            checks.water_right_tolerance = t;
        } else {
            p.add(
                "water_right_tolerance",
                format!("{t} must be a fraction ≥ 0, such as 0.2"),
            );
        }
    }
    if let Some(v) = c.volume_tolerance {
        if v.relative.is_finite()
            && v.relative >= 0.0
            && v.absolute_lps.is_finite()
            && v.absolute_lps >= 0.0
        {
            checks.volume = v;
        } else {
            p.add(
                "volume_tolerance",
                "relative and absolute tolerances must be numbers ≥ 0",
            );
        }
    }
    let rules = ValueRules {
        caudal,
        at_tolerance_ms,
        level,
        meter_resets: c.meter_resets.to_vec(),
    };
    (rules, checks)
}

impl DgaSettings {
    /// Validate an input, reporting every problem.
    ///
    /// # Errors
    /// [`SettingsErrors`], one entry per field problem.
    pub fn from_input(input: &DgaSettingsInput) -> Result<DgaSettings, SettingsErrors> {
        let mut p = Problems::default();
        let obra = p.take("obra", ObraCode::parse(&input.obra));
        let kind = p.word(
            "kind",
            &input.kind,
            DgaKind::parse,
            &names(DgaKind::ALL, DgaKind::as_str),
        );
        let standard = p.word(
            "standard",
            &input.standard,
            Standard::parse,
            &names(Standard::ALL, Standard::as_str),
        );
        let mode = p.word(
            "mode",
            &input.mode,
            FilingMode::parse,
            &names(FilingMode::ALL, FilingMode::as_str),
        );
        let rut_empresa = p.take("rut_empresa", Rut::parse(&input.rut_empresa));
        let rut_usuario = p.take("rut_usuario", Rut::parse(&input.rut_usuario));
        if input.password.is_empty() {
            p.add("password", "the informante's password is required");
        }
        let zone = match &input.zone {
            None => Some(Zone::utc_minus_4()),
            Some(z) => p.take("zone", Zone::parse(z)),
        };
        let timestamp = match &input.timestamp_style {
            None => Some(TimestampStyle::Manual),
            Some(t) => p.word(
                "timestamp_style",
                t,
                TimestampStyle::parse,
                &names(TimestampStyle::ALL, TimestampStyle::as_str),
            ),
        };
        let (values, checks) = common(
            &mut p,
            &CommonInput {
                level_sensor: input.level_sensor.as_deref(),
                sensor_depth_m: input.sensor_depth_m,
                caudal_method: input.caudal_method.as_deref(),
                at_tolerance_s: input.at_tolerance_s,
                meter_resets: &input.meter_resets,
                water_right_lps: input.water_right_lps,
                water_right_tolerance: input.water_right_tolerance,
                volume_tolerance: input.volume_tolerance,
            },
        );
        if let (Some(kind), Some(standard)) = (kind, standard) {
            let level_given = input.level_sensor.as_deref().is_some_and(|l| l != "none");
            match kind {
                DgaKind::SurfaceFlowmeter if level_given => p.add(
                    "level_sensor",
                    "a surface flowmeter obra files no nivel: leave it `none`",
                ),
                DgaKind::Groundwater
                    if !level_given
                        && standard != Standard::MuyPequenos
                        && !input.aguas_del_minero =>
                {
                    p.add(
                        "level_sensor",
                        "a groundwater obra files nivel freático: set water_column or depth_to_water (only caudales muy pequeños and aguas del minero may leave it empty)",
                    );
                }
                _ => {}
            }
        }
        let late_after_ms = seconds(
            &mut p,
            "late_after_s",
            input.late_after_s,
            standard.map_or(HOUR_MS, default_late_after_ms),
        );
        let settings = (|| {
            Some(DgaSettings {
                obra: obra?,
                kind: kind?,
                standard: standard?,
                mode: mode?,
                informante: Informante {
                    rut_empresa: rut_empresa?,
                    rut_usuario: rut_usuario?,
                    password: input.password.clone(),
                },
                zone: zone?,
                timestamp: timestamp?,
                values,
                checks,
                late_after_ms,
                aguas_del_minero: input.aguas_del_minero,
            })
        })();
        p.finish(settings)
    }
}

/// One SMA parameter: its code, which measure feeds it, its unit and
/// decimals (e.g. `Q` ← flow mean, `l/s`, 2; `VA` ← total, `m3`, 0). The codes
/// and units are defined in annexes of Res. Ex. 254 that the reference could
/// not read (§8.3), so they are settings, never constants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmaParameter {
    /// The SMA's parameter code (`nombre`).
    pub name: String,
    /// The measure that feeds it.
    pub measure: Measure,
    /// The unit written in `unidad`.
    pub unit: String,
    /// Decimals written in `valor`: totals are truncated, others rounded.
    pub decimals: u8,
}

/// Raw SMA parameter as given.
#[derive(Clone, Debug, Default)]
pub struct SmaParameterInput {
    /// Parameter code, `Q`.
    pub name: String,
    /// A [`Measure`] spelling: `flow_mean`, `flow_at_slot`, `total`, `level`, `nivel`.
    pub measure: String,
    /// Unit, `l/s`.
    pub unit: String,
    /// Decimals, 0..=6.
    pub decimals: u8,
}

/// Validated SMA settings of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct SmaSettings {
    /// Unidad Fiscalizable id, issued by the SMA.
    pub uf: String,
    /// Proceso id, issued by the SMA.
    pub proceso: String,
    /// Dispositivo id, issued by the SMA.
    pub dispositivo: String,
    /// Every parameter of one timestamp, sent together.
    pub parameters: Vec<SmaParameter>,
    /// The cadence (minutes dividing a day, aligned to local midnight).
    pub cadence: Cadence,
    /// The zone of `estampaTiempo` (default America/Santiago: the SMA manual
    /// says nothing; S2 sends local wall time).
    pub zone: Zone,
    /// Off, shadow or live.
    pub mode: FilingMode,
    /// The user issued by the SMA (S2 sends a RUT here).
    pub usuario: String,
    /// The password.
    pub password: Secret,
    /// How values are taken.
    pub values: ValueRules,
    /// The plausibility checks' parameters.
    pub checks: CheckRules,
    /// A slot accepted later than this after its time is late, ms.
    pub late_after_ms: i64,
    /// Token lifetime, ms (the manual: 24 h).
    pub token_lifetime_ms: i64,
}

impl SmaSettings {
    /// The measures a slot must have: one per parameter.
    #[must_use]
    pub fn required(&self) -> Vec<Measure> {
        let mut out: Vec<Measure> = Vec::new();
        for p in &self.parameters {
            if !out.contains(&p.measure) {
                out.push(p.measure);
            }
        }
        out
    }
}

/// Raw SMA settings as given.
#[derive(Clone, Debug, Default)]
pub struct SmaSettingsInput {
    /// Unidad Fiscalizable id.
    pub uf: String,
    /// Proceso id.
    pub proceso: String,
    /// Dispositivo id.
    pub dispositivo: String,
    /// The parameter mapping.
    pub parameters: Vec<SmaParameterInput>,
    /// Minutes between records; must divide 1440 (S2 uses 5).
    pub cadence_minutes: u32,
    /// IANA zone or offset (default America/Santiago).
    pub zone: Option<String>,
    /// `off`, `shadow` or `live`.
    pub mode: String,
    /// SMA user.
    pub usuario: String,
    /// SMA password.
    pub password: Secret,
    /// `water_column`, `depth_to_water` or `none`.
    pub level_sensor: Option<String>,
    /// Sensor depth, m.
    pub sensor_depth_m: Option<f64>,
    /// The water right, l/s.
    pub water_right_lps: Option<f64>,
    /// "At slot time" tolerance, seconds (default 900).
    pub at_tolerance_s: Option<i64>,
    /// Allowed lag, seconds (default 1 h).
    pub late_after_s: Option<i64>,
    /// Token lifetime, seconds (default 24 h).
    pub token_lifetime_s: Option<i64>,
    /// Known meter resets.
    pub meter_resets: Vec<MeterReset>,
}

/// An SMA id goes into the URL path: letters, digits, `-` and `_` only.
fn path_id(p: &mut Problems, field: &'static str, v: &str) {
    if v.is_empty()
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        p.add(
            field,
            format!("`{v}` must be the id issued by the SMA: letters, digits, - and _ only"),
        );
    }
}

impl SmaSettings {
    /// Validate an input, reporting every problem.
    ///
    /// # Errors
    /// [`SettingsErrors`], one entry per field problem.
    pub fn from_input(input: &SmaSettingsInput) -> Result<SmaSettings, SettingsErrors> {
        let mut p = Problems::default();
        path_id(&mut p, "uf", &input.uf);
        path_id(&mut p, "proceso", &input.proceso);
        if input.dispositivo.trim().is_empty() {
            p.add(
                "dispositivo",
                "the dispositivo id issued by the SMA is required",
            );
        }
        let mode = p.word(
            "mode",
            &input.mode,
            FilingMode::parse,
            &names(FilingMode::ALL, FilingMode::as_str),
        );
        if input.usuario.trim().is_empty() {
            p.add("usuario", "the SMA user is required");
        }
        if input.password.is_empty() {
            p.add("password", "the SMA password is required");
        }
        let cadence = match std::num::NonZeroU32::new(input.cadence_minutes) {
            Some(n) if 1440 % n.get() == 0 => Some(Cadence::Minutes(n)),
            _ => {
                p.add(
                    "cadence_minutes",
                    format!(
                        "{} must be a number of minutes that divides a day (1, 5, 10, 15, 30, 60, …, 1440)",
                        input.cadence_minutes
                    ),
                );
                None
            }
        };
        let zone = match &input.zone {
            None => Some(Zone::SANTIAGO),
            Some(z) => p.take("zone", Zone::parse(z)),
        };
        if input.parameters.is_empty() {
            p.add(
                "parameters",
                "at least one parameter mapping is required, such as Q ← flow_mean",
            );
        }
        let mut parameters = Vec::new();
        for (i, raw) in input.parameters.iter().enumerate() {
            let at = i + 1;
            if raw.name.is_empty()
                || !raw
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                p.add(
                    "parameters",
                    format!("parameter {at}: `{}` is not a parameter code", raw.name),
                );
            }
            if input.parameters[..i].iter().any(|o| o.name == raw.name) {
                p.add(
                    "parameters",
                    format!("parameter {at}: `{}` is mapped twice", raw.name),
                );
            }
            let measure = Measure::parse(&raw.measure);
            if measure.is_none() {
                p.add(
                    "parameters",
                    format!(
                        "parameter {at}: `{}` is not one of: {}",
                        raw.measure,
                        names(Measure::ALL, Measure::as_str).join(", ")
                    ),
                );
            }
            if raw.unit.trim().is_empty() {
                p.add("parameters", format!("parameter {at}: a unit is required"));
            }
            if raw.decimals > 6 {
                p.add(
                    "parameters",
                    format!("parameter {at}: {} decimals is more than 6", raw.decimals),
                );
            }
            if let Some(measure) = measure {
                parameters.push(SmaParameter {
                    name: raw.name.clone(),
                    measure,
                    unit: raw.unit.clone(),
                    decimals: raw.decimals,
                });
            }
        }
        let (values, checks) = common(
            &mut p,
            &CommonInput {
                level_sensor: input.level_sensor.as_deref(),
                sensor_depth_m: input.sensor_depth_m,
                caudal_method: None,
                at_tolerance_s: input.at_tolerance_s,
                meter_resets: &input.meter_resets,
                water_right_lps: input.water_right_lps,
                water_right_tolerance: None,
                volume_tolerance: None,
            },
        );
        if values.level == LevelSource::None
            && parameters
                .iter()
                .any(|x| x.measure == Measure::Nivel || x.measure == Measure::Level)
        {
            p.add(
                "level_sensor",
                "a level or nivel parameter needs a level sensor",
            );
        }
        let late_after_ms = seconds(&mut p, "late_after_s", input.late_after_s, HOUR_MS);
        let token_lifetime_ms = seconds(&mut p, "token_lifetime_s", input.token_lifetime_s, DAY_MS);
        let settings = (|| {
            Some(SmaSettings {
                uf: input.uf.clone(),
                proceso: input.proceso.clone(),
                dispositivo: input.dispositivo.clone(),
                parameters,
                cadence: cadence?,
                zone: zone?,
                mode: mode?,
                usuario: input.usuario.clone(),
                password: input.password.clone(),
                values,
                checks,
                late_after_ms,
                token_lifetime_ms,
            })
        })();
        p.finish(settings)
    }
}

/// Retry and data-window rules, the same for every point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilingPolicy {
    /// Rejections before a slot fails (S1: 7).
    pub max_rejections: u32,
    /// Delay after a rejection, ms (S1: 24 h, Res. 2170 §6.2 \[I\]).
    pub rejection_retry_ms: i64,
    /// First delay after a transient failure, ms; doubled each time.
    pub transient_base_ms: i64,
    /// Largest transient delay while the slot is within its allowed lag, ms.
    pub transient_cap_ms: i64,
    /// Largest transient delay once the slot is late, ms. Transient failures
    /// never fail a slot: the regulator never refused it.
    pub transient_cap_late_ms: i64,
    /// A slot whose readings are through but incomplete goes to review after
    /// this, ms (S1: 48 h).
    pub review_after_ms: i64,
    /// A slot without any reading is closed as no data after this, ms (S1: 30 days).
    pub no_data_after_ms: i64,
}

impl Default for FilingPolicy {
    fn default() -> FilingPolicy {
        FilingPolicy {
            max_rejections: 7,
            rejection_retry_ms: DAY_MS,
            transient_base_ms: 30 * SECOND_MS,
            transient_cap_ms: 15 * MINUTE_MS,
            transient_cap_late_ms: 6 * HOUR_MS,
            review_after_ms: 48 * HOUR_MS,
            no_data_after_ms: 30 * DAY_MS,
        }
    }
}

/// A change of filing mode that the role may not make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModeChangeError {
    /// Only an admin may switch a point to live.
    #[error("only an admin may switch filing to live (role {0})")]
    LiveNeedsAdmin(Role),
    /// Only an admin or a supervisor may change the mode at all.
    #[error("role {0} may not change the filing mode")]
    NotAllowed(Role),
}

/// Who may change a point's filing mode: switching to live is an admin
/// action (S1 guards it with a second factor); stopping or shadowing is also
/// open to supervisors, since it can only prevent a filing. The caller
/// audits the change.
///
/// # Errors
/// [`ModeChangeError`] naming the role.
pub fn check_mode_change(role: Role, to: FilingMode) -> Result<(), ModeChangeError> {
    match (role, to) {
        (Role::Admin, _) => Ok(()),
        (_, FilingMode::Live) => Err(ModeChangeError::LiveNeedsAdmin(role)),
        (Role::Supervisor, _) => Ok(()),
        _ => Err(ModeChangeError::NotAllowed(role)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn input() -> DgaSettingsInput {
        DgaSettingsInput {
            obra: "OB-0601-444".to_owned(),
            kind: "subterraneas".to_owned(),
            standard: "mayor".to_owned(),
            mode: "live".to_owned(),
            rut_empresa: "76.086.428-5".to_owned(),
            rut_usuario: "12345678-5".to_owned(),
            password: Secret::new("clave"),
            level_sensor: Some("water_column".to_owned()),
            sensor_depth_m: Some(60.0),
            water_right_lps: Some(20.0),
            ..DgaSettingsInput::default()
        }
    }

    #[test]
    fn obra_codes_follow_the_manual_pattern() {
        for good in ["OB-0601-444", "OR-1301-1", "OB-0000-000123"] {
            assert!(ObraCode::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "OB-601-444",
            "ob-0601-444",
            "OX-0601-444",
            "OB-0601-",
            "OB-0601-44a",
            " OB-0601-444",
            "OB-06011-4",
        ] {
            assert_eq!(
                ObraCode::parse(bad),
                Err(ObraCodeError(bad.to_owned())),
                "{bad}"
            );
        }
        assert!(ObraCode::parse("OR-1301-1").unwrap().is_restitucion());
    }

    #[test]
    fn defaults_are_the_manual_zone_and_the_standards_lag() {
        let s = DgaSettings::from_input(&input()).unwrap();
        assert_eq!(s.zone, Zone::utc_minus_4());
        assert_eq!(s.timestamp, TimestampStyle::Manual);
        assert_eq!(s.late_after_ms, HOUR_MS);
        assert_eq!(s.values.caudal, CaudalMethod::PeriodMean);
        assert_eq!(
            s.values.level,
            LevelSource::WaterColumn {
                sensor_depth_m: 60.0
            }
        );
        assert_eq!(s.informante.rut_empresa.to_string(), "76086428-5");
        assert_eq!(
            s.required(),
            vec![Measure::FlowMean, Measure::Total, Measure::Nivel]
        );
        assert_eq!(s.cadence(), Cadence::Hourly);
        let medio = DgaSettings::from_input(&DgaSettingsInput {
            standard: "medio".to_owned(),
            ..input()
        })
        .unwrap();
        assert_eq!(medio.late_after_ms, 15 * DAY_MS);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = DgaSettingsInput {
            obra: "OB-61-444".to_owned(),
            kind: "rio".to_owned(),
            standard: "grande".to_owned(),
            mode: "on".to_owned(),
            rut_empresa: "76086428-1".to_owned(),
            rut_usuario: "12.345.678".to_owned(),
            password: Secret::new(""),
            zone: Some("Mars/Olympus".to_owned()),
            sensor_depth_m: Some(-3.0),
            water_right_lps: Some(0.0),
            ..input()
        };
        let errs = DgaSettings::from_input(&bad).unwrap_err();
        for field in [
            "obra",
            "kind",
            "standard",
            "mode",
            "rut_empresa",
            "rut_usuario",
            "password",
            "zone",
            "sensor_depth_m",
            "water_right_lps",
        ] {
            assert!(errs.has(field), "{field} not reported in: {errs}");
        }
        let text = errs.to_string();
        assert!(
            text.contains(
                "rut_empresa: `76086428-1` has check digit 1, but the number's check digit is 5"
            ),
            "{text}"
        );
        assert!(
            text.contains("kind: `rio` is not one of: subterraneas, superficiales_flujometro"),
            "{text}"
        );
        assert!(
            !text.contains("clave"),
            "the password must never appear in errors: {text}"
        );
    }

    #[test]
    fn level_rules_follow_the_obra_kind_and_standard() {
        let surface_with_level = DgaSettingsInput {
            kind: "superficiales_flujometro".to_owned(),
            ..input()
        };
        let errs = DgaSettings::from_input(&surface_with_level).unwrap_err();
        assert_eq!(
            errs.to_string(),
            "level_sensor: a surface flowmeter obra files no nivel: leave it `none`"
        );

        let groundwater_without_level = DgaSettingsInput {
            level_sensor: None,
            sensor_depth_m: None,
            ..input()
        };
        let errs = DgaSettings::from_input(&groundwater_without_level).unwrap_err();
        assert!(errs.has("level_sensor"));

        let minero = DgaSettingsInput {
            aguas_del_minero: true,
            ..groundwater_without_level.clone()
        };
        let s = DgaSettings::from_input(&minero).unwrap();
        assert_eq!(s.required(), vec![Measure::FlowMean, Measure::Total]);

        let muy_pequenos = DgaSettingsInput {
            standard: "muy_pequenos".to_owned(),
            ..groundwater_without_level
        };
        let s = DgaSettings::from_input(&muy_pequenos).unwrap();
        assert_eq!(s.required(), vec![Measure::Total], "totaliser only");
        assert_eq!(s.cadence(), Cadence::SemiAnnual);

        let column_without_depth = DgaSettingsInput {
            sensor_depth_m: None,
            ..input()
        };
        assert_eq!(
            DgaSettings::from_input(&column_without_depth)
                .unwrap_err()
                .to_string(),
            "sensor_depth_m: is required with level_sensor = water_column (nivel freático = sensor depth − water column)"
        );
    }

    #[test]
    fn the_password_never_prints_in_settings() {
        let s = DgaSettings::from_input(&input()).unwrap();
        let dbg = format!("{s:?} {:?}", input());
        assert!(!dbg.contains("clave"), "{dbg}");
        assert!(dbg.contains("****"));
    }

    fn sma_input() -> SmaSettingsInput {
        SmaSettingsInput {
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
            mode: "live".to_owned(),
            usuario: "12345678-5".to_owned(),
            password: Secret::new("s3cret"),
            ..SmaSettingsInput::default()
        }
    }

    #[test]
    fn sma_settings_validate_ids_mapping_and_cadence() {
        let s = SmaSettings::from_input(&sma_input()).unwrap();
        assert_eq!(s.required(), vec![Measure::FlowMean, Measure::Total]);
        assert_eq!(s.token_lifetime_ms, DAY_MS);
        assert_eq!(s.zone, Zone::SANTIAGO);

        let mut bad = sma_input();
        bad.uf = "UF 1/2".to_owned();
        bad.cadence_minutes = 7;
        bad.parameters.push(SmaParameterInput {
            name: "Q".to_owned(),
            measure: "pressure".to_owned(),
            unit: String::new(),
            decimals: 9,
        });
        let errs = SmaSettings::from_input(&bad).unwrap_err();
        let text = errs.to_string();
        assert!(errs.has("uf") && errs.has("cadence_minutes"), "{text}");
        assert!(text.contains("parameter 3: `Q` is mapped twice"), "{text}");
        assert!(
            text.contains("parameter 3: `pressure` is not one of"),
            "{text}"
        );
        assert!(text.contains("parameter 3: a unit is required"), "{text}");
        assert!(
            text.contains("parameter 3: 9 decimals is more than 6"),
            "{text}"
        );
    }

    #[test]
    fn only_an_admin_switches_to_live() {
        assert_eq!(check_mode_change(Role::Admin, FilingMode::Live), Ok(()));
        assert_eq!(
            check_mode_change(Role::Supervisor, FilingMode::Live),
            Err(ModeChangeError::LiveNeedsAdmin(Role::Supervisor))
        );
        assert_eq!(check_mode_change(Role::Supervisor, FilingMode::Off), Ok(()));
        assert_eq!(
            check_mode_change(Role::Operator, FilingMode::Shadow),
            Err(ModeChangeError::NotAllowed(Role::Operator))
        );
    }
}
