//! Adaptive anomaly detectors per channel: EWMA, tabular CUSUM, robust z-score, hour-of-week seasonal baseline, and the fleet check.
