//! Notifications: subscriptions, routing by kind, severity, place and channel, quiet hours, merging of identical messages, rate limits, templates in es and en.
