//! SHA-256 helpers: every file in a package and every package in a catalogue is named by
//! its SHA-256 in lowercase hex.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Result, io_at};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Hashes everything `reader` yields; returns the hash and the byte count.
pub fn sha256_reader(mut reader: impl Read) -> io::Result<(String, u64)> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok((hex::encode(hasher.finalize()), total));
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let file = File::open(path).map_err(io_at(path))?;
    Ok(sha256_reader(file).map_err(io_at(path))?.0)
}
