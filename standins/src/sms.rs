//! Stand-in of an HTTP SMS gateway.
