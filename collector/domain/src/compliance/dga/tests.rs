//! Tests of the DGA request builder, reply classifier and receipt lookup.
