//! Stand-in of the DGA "Monitoreo de Extracciones Efectivas" REST API (apimee), from `../shared/reference/regulators.md`.
