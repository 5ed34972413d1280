//! Regulator filing: slots per point and standard, slot values from stored data, plausibility checks, DGA and SMA payloads, the ledger's rules.
