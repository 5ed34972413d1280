//! The asset registry's rules: sites, points and assets, the hierarchy (no cycles), classes, typed attributes, and meters (m³, run-hours, starts) derived from stored telemetry.
