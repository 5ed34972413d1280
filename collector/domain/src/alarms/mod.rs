//! Alarm rules, their evaluation engine (with persisted evaluation state) and the life of an alarm.
