//! osstest
