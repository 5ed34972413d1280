//! Failure codes in the style of ISO 14224:2016 Annex B: a failure *mode*
//! (how the failure shows), a failure *mechanism* (the apparent physical
//! process) and a failure *cause* (the root circumstance). Required on
//! corrective work before it is completed, so reliability (step 4) can
//! count failures by mode and the top causes.
//!
//! The tables are a subset chosen for groundwater wells, pumps, motors and
//! their instruments:
//! - Mechanisms: ISO 14224:2016 Table B.2, complete (codes 1.0–6.4; checked
//!   against the copy of Table B.2 at pdfcoffee.com "iso-14224-2016-187-192").
//! - Causes: ISO 14224:2016 Table B.3, complete (codes 1.0–5.6; the category
//!   and cause names checked against the onkey.app help copy "Failure
//!   Causes"; the decimal numbering follows the standard's layout and was
//!   not re-checked).
//! - Modes: the three-letter codes of the standard's mode lists for rotating
//!   equipment (pumps, electric motors) and input devices; the codes and
//!   names were checked against the onkey.app help copy "Failure Modes". The
//!   standard has no class for a water well bore: the modes marked for
//!   [`AssetKind::Well`] (low or no output for yield decline, plugged for a
//!   clogged screen, structural deficiency for a damaged casing, parameter
//!   deviation for drawdown) are Caudal's mapping, not the standard's.
//!
//! A mode must apply to the asset's kind; an asset of kind
//! [`AssetKind::Other`] accepts every mode.

use crate::maintenance::text::asset_kind_label;
use crate::{AssetKind, Lang};

/// A failure mode: how the failure was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureMode {
    /// The ISO 14224 code, e.g. `FTS`.
    pub code: &'static str,
    /// English name.
    pub en: &'static str,
    /// Spanish name.
    pub es: &'static str,
    /// The asset kinds it applies to.
    pub applies_to: &'static [AssetKind],
}

/// A failure mechanism or cause: a coded entry of Table B.2 or B.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodedEntry {
    /// The notation number, e.g. `2.4`.
    pub code: &'static str,
    /// English name.
    pub en: &'static str,
    /// Spanish name.
    pub es: &'static str,
}

impl FailureMode {
    /// The name shown to people.
    #[must_use]
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            Lang::En => self.en,
        }
    }

    /// Whether the mode may be recorded on an asset of this kind.
    #[must_use]
    pub fn applies(&self, kind: AssetKind) -> bool {
        kind == AssetKind::Other || self.applies_to.contains(&kind)
    }
}

impl CodedEntry {
    /// The name shown to people.
    #[must_use]
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => self.es,
            Lang::En => self.en,
        }
    }
}

use AssetKind::{
    FlowMeter as Fm, Gateway as Gw, LevelSensor as Ls, Motor as Mo, Pump as Pu, Well as We,
};

const ALL_KINDS: &[AssetKind] = &[We, Pu, Mo, Fm, Ls, Gw];
const ROTATING: &[AssetKind] = &[Pu, Mo];
const INSTRUMENTS: &[AssetKind] = &[Fm, Ls, Gw];

macro_rules! mode {
    ($code:literal, $en:literal, $es:literal, $applies:expr) => {
        FailureMode {
            code: $code,
            en: $en,
            es: $es,
            applies_to: $applies,
        }
    };
}

/// The failure modes Caudal accepts.
pub const FAILURE_MODES: &[FailureMode] = &[
    mode!(
        "FTS",
        "fail to start on demand",
        "no arranca a demanda",
        ROTATING
    ),
    mode!(
        "STP",
        "fail to stop on demand",
        "no se detiene a demanda",
        ROTATING
    ),
    mode!("UST", "spurious stop", "detención intempestiva", ROTATING),
    mode!("BRD", "breakdown", "avería grave", ROTATING),
    mode!("HIO", "high output", "salida alta", &[Pu, Fm, Ls]),
    mode!("LOO", "low output", "salida baja", &[We, Pu, Fm, Ls]),
    mode!("NOO", "no output", "sin salida", &[We, Pu, Fm, Ls, Gw]),
    mode!(
        "ERO",
        "erratic output",
        "salida errática",
        &[We, Pu, Fm, Ls]
    ),
    mode!(
        "ELP",
        "external leakage, process medium",
        "fuga externa de fluido de proceso",
        &[Pu]
    ),
    mode!(
        "ELU",
        "external leakage, utility medium",
        "fuga externa de fluido auxiliar",
        ROTATING
    ),
    mode!("INL", "internal leakage", "fuga interna", &[Pu]),
    mode!("VIB", "vibration", "vibración", ROTATING),
    mode!("NOI", "noise", "ruido", ROTATING),
    mode!("OHE", "overheating", "sobrecalentamiento", ROTATING),
    mode!(
        "PDE",
        "parameter deviation",
        "desviación de parámetro",
        &[We, Pu, Mo, Fm, Ls]
    ),
    mode!(
        "AIR",
        "abnormal instrument reading",
        "lectura anormal de instrumento",
        ALL_KINDS
    ),
    mode!(
        "FTF",
        "fail to function on demand",
        "no funciona a demanda",
        INSTRUMENTS
    ),
    mode!("PLU", "plugged or choked", "obstruido", &[We, Pu, Fm]),
    mode!(
        "STD",
        "structural deficiency",
        "deficiencia estructural",
        ALL_KINDS
    ),
    mode!(
        "SER",
        "minor in-service problems",
        "problemas menores en servicio",
        ALL_KINDS
    ),
    mode!("OTH", "other", "otro", ALL_KINDS),
    mode!("UNK", "unknown", "desconocido", ALL_KINDS),
];

macro_rules! entry {
    ($code:literal, $en:literal, $es:literal) => {
        CodedEntry {
            code: $code,
            en: $en,
            es: $es,
        }
    };
}

/// ISO 14224:2016 Table B.2, failure mechanisms.
pub const FAILURE_MECHANISMS: &[CodedEntry] = &[
    entry!(
        "1.0",
        "mechanical failure, general",
        "falla mecánica, general"
    ),
    entry!("1.1", "leakage", "fuga"),
    entry!("1.2", "vibration", "vibración"),
    entry!(
        "1.3",
        "clearance or alignment failure",
        "falla de holgura o alineación"
    ),
    entry!("1.4", "deformation", "deformación"),
    entry!("1.5", "looseness", "soltura"),
    entry!("1.6", "sticking", "agarrotamiento"),
    entry!(
        "2.0",
        "material failure, general",
        "falla de material, general"
    ),
    entry!("2.1", "cavitation", "cavitación"),
    entry!("2.2", "corrosion", "corrosión"),
    entry!("2.3", "erosion", "erosión"),
    entry!("2.4", "wear", "desgaste"),
    entry!("2.5", "breakage", "rotura"),
    entry!("2.6", "fatigue", "fatiga"),
    entry!("2.7", "overheating", "sobrecalentamiento"),
    entry!("2.8", "burst", "reventón"),
    entry!(
        "3.0",
        "instrument failure, general",
        "falla de instrumento, general"
    ),
    entry!("3.1", "control failure", "falla de control"),
    entry!(
        "3.2",
        "no signal, indication or alarm",
        "sin señal, indicación o alarma"
    ),
    entry!(
        "3.3",
        "faulty signal, indication or alarm",
        "señal, indicación o alarma errónea"
    ),
    entry!("3.4", "out of adjustment", "fuera de ajuste"),
    entry!("3.5", "software failure", "falla de software"),
    entry!(
        "3.6",
        "common cause or mode failure",
        "falla de causa o modo común"
    ),
    entry!(
        "4.0",
        "electrical failure, general",
        "falla eléctrica, general"
    ),
    entry!("4.1", "short circuiting", "cortocircuito"),
    entry!("4.2", "open circuit", "circuito abierto"),
    entry!("4.3", "no power or voltage", "sin energía o tensión"),
    entry!(
        "4.4",
        "faulty power or voltage",
        "energía o tensión defectuosa"
    ),
    entry!(
        "4.5",
        "earth or isolation fault",
        "falla a tierra o de aislación"
    ),
    entry!(
        "5.0",
        "external influence, general",
        "influencia externa, general"
    ),
    entry!("5.1", "blockage or plugged", "bloqueo u obstrucción"),
    entry!("5.2", "contamination", "contaminación"),
    entry!(
        "5.3",
        "miscellaneous external influences",
        "otras influencias externas"
    ),
    entry!("6.0", "miscellaneous, general", "varios, general"),
    entry!("6.1", "no cause found", "sin causa encontrada"),
    entry!("6.2", "combined causes", "causas combinadas"),
    entry!("6.3", "other", "otro"),
    entry!("6.4", "unknown", "desconocido"),
];

/// ISO 14224:2016 Table B.3, failure causes.
pub const FAILURE_CAUSES: &[CodedEntry] = &[
    entry!(
        "1.0",
        "design-related, general",
        "relacionada con el diseño, general"
    ),
    entry!("1.1", "improper capacity", "capacidad inadecuada"),
    entry!("1.2", "improper material", "material inadecuado"),
    entry!(
        "2.0",
        "fabrication or installation-related, general",
        "relacionada con fabricación o instalación, general"
    ),
    entry!("2.1", "fabrication error", "error de fabricación"),
    entry!("2.2", "installation error", "error de instalación"),
    entry!(
        "3.0",
        "operation or maintenance-related, general",
        "relacionada con operación o mantenimiento, general"
    ),
    entry!("3.1", "off-design service", "servicio fuera de diseño"),
    entry!("3.2", "operating error", "error de operación"),
    entry!("3.3", "maintenance error", "error de mantenimiento"),
    entry!("3.4", "expected wear and tear", "desgaste esperado"),
    entry!(
        "4.0",
        "management-related, general",
        "relacionada con la gestión, general"
    ),
    entry!("4.1", "documentation error", "error de documentación"),
    entry!("4.2", "management error", "error de gestión"),
    entry!("5.0", "miscellaneous, general", "varios, general"),
    entry!("5.1", "no cause found", "causa no encontrada"),
    entry!("5.2", "common cause", "causa común"),
    entry!("5.3", "combined causes", "causas combinadas"),
    entry!(
        "5.4",
        "other unit or cascading failure",
        "otra unidad o falla en cascada"
    ),
    entry!("5.5", "other", "otra"),
    entry!("5.6", "unknown", "desconocida"),
];

/// A complete failure code: mode, mechanism and cause, each from its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureCode {
    mode: &'static FailureMode,
    mechanism: &'static CodedEntry,
    cause: &'static CodedEntry,
}

/// A failure code that is not in the tables or does not fit the asset.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FailureCodeError {
    /// The mode is not in [`FAILURE_MODES`].
    #[error("unknown failure mode `{0}`")]
    UnknownMode(String),
    /// The mechanism is not in [`FAILURE_MECHANISMS`].
    #[error("unknown failure mechanism `{0}`")]
    UnknownMechanism(String),
    /// The cause is not in [`FAILURE_CAUSES`].
    #[error("unknown failure cause `{0}`")]
    UnknownCause(String),
    /// The mode does not apply to this kind of asset.
    #[error("failure mode `{mode}` does not apply to an asset of kind {kind}")]
    ModeNotForAsset {
        /// The mode's code.
        mode: &'static str,
        /// The asset's kind.
        kind: AssetKind,
    },
}

impl FailureCodeError {
    /// The message shown to people.
    #[must_use]
    pub fn message(&self, lang: Lang) -> String {
        match (lang, self) {
            (Lang::En, e) => e.to_string(),
            (Lang::Es, FailureCodeError::UnknownMode(m)) => {
                format!("modo de falla desconocido «{m}»")
            }
            (Lang::Es, FailureCodeError::UnknownMechanism(m)) => {
                format!("mecanismo de falla desconocido «{m}»")
            }
            (Lang::Es, FailureCodeError::UnknownCause(c)) => {
                format!("causa de falla desconocida «{c}»")
            }
            (Lang::Es, FailureCodeError::ModeNotForAsset { mode, kind }) => {
                format!(
                    "el modo de falla «{mode}» no corresponde a un activo de tipo {}",
                    asset_kind_label(*kind, Lang::Es)
                )
            }
        }
    }
}

impl FailureCode {
    /// Look the three codes up and check the mode against the asset's kind.
    ///
    /// # Errors
    /// [`FailureCodeError`] naming the first code that does not fit.
    pub fn parse(
        mode: &str,
        mechanism: &str,
        cause: &str,
        asset: AssetKind,
    ) -> Result<FailureCode, FailureCodeError> {
        let mode_entry = FAILURE_MODES
            .iter()
            .find(|m| m.code == mode)
            .ok_or_else(|| FailureCodeError::UnknownMode(mode.to_owned()))?;
        let mechanism = FAILURE_MECHANISMS
            .iter()
            .find(|m| m.code == mechanism)
            .ok_or_else(|| FailureCodeError::UnknownMechanism(mechanism.to_owned()))?;
        let cause = FAILURE_CAUSES
            .iter()
            .find(|c| c.code == cause)
            .ok_or_else(|| FailureCodeError::UnknownCause(cause.to_owned()))?;
        if !mode_entry.applies(asset) {
            return Err(FailureCodeError::ModeNotForAsset {
                mode: mode_entry.code,
                kind: asset,
            });
        }
        Ok(FailureCode {
            mode: mode_entry,
            mechanism,
            cause,
        })
    }

    /// The failure mode.
    #[must_use]
    pub fn mode(&self) -> &'static FailureMode {
        self.mode
    }

    /// The failure mechanism.
    #[must_use]
    pub fn mechanism(&self) -> &'static CodedEntry {
        self.mechanism
    }

    /// The failure cause.
    #[must_use]
    pub fn cause(&self) -> &'static CodedEntry {
        self.cause
    }

    /// "VIB / 2.4 / 3.4": the spelling in the store and the API.
    #[must_use]
    pub fn code(&self) -> String {
        format!(
            "{} / {} / {}",
            self.mode.code, self.mechanism.code, self.cause.code
        )
    }

    /// The three names in a language, for pages and reports.
    #[must_use]
    pub fn describe(&self, lang: Lang) -> String {
        format!(
            "{} ({}): {} ({}); {} ({})",
            self.mode.label(lang),
            self.mode.code,
            self.mechanism.label(lang),
            self.mechanism.code,
            self.cause.label(lang),
            self.cause.code
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pump_vibration_from_wear_parses_and_describes_itself() {
        let c = FailureCode::parse("VIB", "2.4", "3.4", AssetKind::Pump).unwrap();
        assert_eq!(c.code(), "VIB / 2.4 / 3.4");
        assert_eq!(
            c.describe(Lang::Es),
            "vibración (VIB): desgaste (2.4); desgaste esperado (3.4)"
        );
        assert_eq!(c.mode().label(Lang::En), "vibration");
    }

    #[test]
    fn unknown_codes_and_modes_foreign_to_the_asset_are_refused_by_name() {
        assert_eq!(
            FailureCode::parse("XYZ", "2.4", "3.4", AssetKind::Pump),
            Err(FailureCodeError::UnknownMode("XYZ".into()))
        );
        assert_eq!(
            FailureCode::parse("VIB", "9.9", "3.4", AssetKind::Pump),
            Err(FailureCodeError::UnknownMechanism("9.9".into()))
        );
        assert_eq!(
            FailureCode::parse("VIB", "2.4", "7.0", AssetKind::Pump),
            Err(FailureCodeError::UnknownCause("7.0".into()))
        );
        let e = FailureCode::parse("VIB", "2.4", "3.4", AssetKind::Well).unwrap_err();
        assert_eq!(
            e.to_string(),
            "failure mode `VIB` does not apply to an asset of kind well"
        );
        assert_eq!(
            e.message(Lang::Es),
            "el modo de falla «VIB» no corresponde a un activo de tipo pozo"
        );
        // A clogged well screen is a plugged well.
        assert!(FailureCode::parse("PLU", "5.1", "3.4", AssetKind::Well).is_ok());
        // Assets of kind "other" accept every mode.
        assert!(FailureCode::parse("VIB", "2.4", "3.4", AssetKind::Other).is_ok());
    }

    #[test]
    fn the_tables_have_unique_codes_and_every_kind_has_modes() {
        for table in [FAILURE_MECHANISMS, FAILURE_CAUSES] {
            let mut codes: Vec<_> = table.iter().map(|e| e.code).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), table.len());
        }
        let mut modes: Vec<_> = FAILURE_MODES.iter().map(|m| m.code).collect();
        modes.sort_unstable();
        modes.dedup();
        assert_eq!(modes.len(), FAILURE_MODES.len());
        for kind in AssetKind::ALL {
            assert!(
                FAILURE_MODES.iter().filter(|m| m.applies(*kind)).count() >= 5,
                "{kind}"
            );
        }
    }
}
