//! Reliability mathematics: MTBF with chi-square bounds, MTTR, MTBM, availability variants, Weibull and Crow-AMSAA fits, Kaplan-Meier, failure risk.
