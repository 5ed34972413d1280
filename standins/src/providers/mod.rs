//! Stand-ins of telemetry providers' HTTP APIs (TagoIO and others), for the agent's HTTP provider input.
