//! Consistency check.
