//! The operating record of an asset: run and down intervals with their cause, starts and trips, derived in event time from telemetry.
