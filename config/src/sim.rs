//! Simulator configuration (filled in by the firmware-sim work).
