//! Words shared by several domains: severity and language.

/// Severity of an alarm or an event, from most to least severe
/// (ThingsBoard's `AlarmSeverity`). `Ord` follows severity: `Critical` is the
/// greatest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Immediate, complete loss of function or of compliance.
    Critical,
    /// Function degraded; act today.
    Major,
    /// Act soon.
    Minor,
    /// Worth a look.
    Warning,
    /// Severity not known.
    Indeterminate,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::Major,
        Severity::Minor,
        Severity::Warning,
        Severity::Indeterminate,
    ];

    /// The spelling in the database, config and API.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
            Severity::Warning => "warning",
            Severity::Indeterminate => "indeterminate",
        }
    }

    /// Parse [`Severity::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// 4 for critical down to 0 for indeterminate.
    #[must_use]
    pub fn rank(self) -> u8 {
        match self {
            Severity::Critical => 4,
            Severity::Major => 3,
            Severity::Minor => 2,
            Severity::Warning => 1,
            Severity::Indeterminate => 0,
        }
    }

    /// The word shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Es, Severity::Critical) => "crítica",
            (Lang::Es, Severity::Major) => "mayor",
            (Lang::Es, Severity::Minor) => "menor",
            (Lang::Es, Severity::Warning) => "advertencia",
            (Lang::Es, Severity::Indeterminate) => "indeterminada",
            (Lang::En, s) => s.as_str(),
        }
    }
}

impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Language of pages, messages and reports. Spanish is the default: the
/// users are Chilean operators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Spanish (default).
    #[default]
    Es,
    /// English.
    En,
}

impl Lang {
    /// Both languages, the default first.
    pub const ALL: [Lang; 2] = [Lang::Es, Lang::En];

    /// ISO 639-1 code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// Parse [`Lang::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares a closed vocabulary: an enum with its database/API spelling,
/// `ALL`, `as_str`, `parse` and `Display`.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling in the database, config and API.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parse [`Self::as_str`].
            #[must_use]
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
#[allow(
    unused_imports,
    reason = "the other domain modules declare their vocabularies with it"
)]
pub(crate) use vocabulary;

vocabulary!(
    /// What a user may do is decided by role (see the access tables of each
    /// domain and the collector's role matrix). The order is not a hierarchy.
    Role {
        /// Everything, including users and live regulator filing.
        Admin => "admin",
        /// Plant configuration and maintenance supervision: approves, assigns and closes orders.
        Supervisor => "supervisor",
        /// Maintenance: sees and moves only their own work orders.
        Technician => "technician",
        /// Operations: raises requests, fills checklists, acknowledges alarms.
        Operator => "operator",
        /// Reads summaries.
        Guest => "guest",
    }
);

vocabulary!(
    /// What an asset is.
    AssetKind {
        /// A groundwater well (the bore itself).
        Well => "well",
        /// A pump.
        Pump => "pump",
        /// An electric motor.
        Motor => "motor",
        /// A flow meter.
        FlowMeter => "flow_meter",
        /// A level sensor.
        LevelSensor => "level_sensor",
        /// A field gateway running caudal-agent.
        Gateway => "gateway",
        /// Anything else.
        Other => "other",
    }
);

vocabulary!(
    /// A continuous meter of an asset, derived from stored telemetry.
    MeterKind {
        /// Hours the asset ran, from its run signal (or a run-time register).
        RunHours => "run_hours",
        /// Volume pumped, m³, from the counter totals.
        CubicMetres => "m3",
        /// Starts, from the run signal (or a starts register).
        Starts => "starts",
    }
);

vocabulary!(
    /// Why an asset was down (not running while it was required). Only `Trip`
    /// and `Unknown` can be failures; planned maintenance and external causes
    /// are downtime categories, never failures (SMRP; EN 15341 "external reasons").
    DownCause {
        /// A protection trip: dry running, motor overcurrent, protection relay.
        Trip => "trip",
        /// No telemetry: the state is unknown, not necessarily down.
        NoData => "no_data",
        /// Planned: an open preventive work order covered the interval.
        Planned => "planned",
        /// External: site power or another cause outside the asset.
        External => "external",
        /// Stopped, and no cause is known.
        Unknown => "unknown",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_by_gravity_and_round_trips() {
        assert!(Severity::Critical > Severity::Major);
        assert!(Severity::Warning > Severity::Indeterminate);
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("Critical"), None);
    }

    #[test]
    fn vocabularies_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(AssetKind::parse("flow_meter"), Some(AssetKind::FlowMeter));
        assert_eq!(MeterKind::parse("m3"), Some(MeterKind::CubicMetres));
        assert_eq!(DownCause::parse("planned"), Some(DownCause::Planned));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn spanish_is_the_default_language() {
        assert_eq!(Lang::default(), Lang::Es);
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
