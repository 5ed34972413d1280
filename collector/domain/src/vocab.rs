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
    fn spanish_is_the_default_language() {
        assert_eq!(Lang::default(), Lang::Es);
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
