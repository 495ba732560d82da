//! The library's error type: every error names the input it is about and what is wrong
//! with it, so the binary can print it as one line `pkg: <input>: <problem>`.

use std::io;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input (a manifest, an archive, a catalogue, a request) that `pkg` refuses.
    #[error("{subject}: {problem}")]
    Invalid { subject: String, problem: String },
    /// A file system or network operation that failed.
    #[error("{subject}: {source}")]
    Io {
        subject: String,
        #[source]
        source: io::Error,
    },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Builds the error for refused input.
pub fn invalid(subject: impl std::fmt::Display, problem: impl std::fmt::Display) -> Error {
    Error::Invalid {
        subject: subject.to_string(),
        problem: problem.to_string(),
    }
}

/// Returns a closure turning an `io::Error` into an `Error` naming `path`, for `map_err`.
pub fn io_at(path: &Path) -> impl FnOnce(io::Error) -> Error + '_ {
    move |source| Error::Io {
        subject: path.display().to_string(),
        source,
    }
}
