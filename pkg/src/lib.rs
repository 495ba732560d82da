//! `pkg`, Basalt's package tool, as a library; the `pkg` binary is a thin front end.
//!
//! Design principles:
//! 1. Dependency independence: every installed version lives in its own immutable store
//!    directory linked to the exact versions it was built against; the profile
//!    `usr/local` is switched atomically between generations.
//! 2. Nothing half-done: a plan is computed and every package verified before the first
//!    change, and a journal finishes or undoes an interrupted transaction.
//! 3. Untrusted input is checked against a manifest: hashes, sizes, modes, types and
//!    paths; catalogues against signatures, revisions and expiry.

pub mod archive;
pub mod audit;
pub mod base;
pub mod catalogue;
pub mod create;
pub mod db;
pub mod digest;
pub mod error;
pub mod fetch;
pub mod gc;
pub mod journal;
pub mod manifest;
pub mod paths;
pub mod plan;
pub mod profile;
pub mod query;
pub mod repo;
pub mod sign;
pub mod solver;
pub mod store;
pub mod transaction;
pub mod update;
pub mod verify;
pub mod version;

pub use error::{Error, Result};
