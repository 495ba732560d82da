//! ed25519 keys and signatures. A key's fingerprint is `ed25519:<public key hex>`: it is
//! what `pkg key fingerprint` prints, what a public key file holds, and what a trust file
//! holds, so a trust directory is enough to check a signature. A signature covers the 32
//! bytes of the catalogue's SHA-256.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

use crate::error::{Result, invalid, io_at};

const SECRET_TAG: &str = "ed25519-secret:";
const PUBLIC_TAG: &str = "ed25519:";

pub fn generate(secret: &Path, public: &Path) -> Result<String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| invalid("random source", e))?;
    let key = SigningKey::from_bytes(&seed);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(secret)
        .map_err(io_at(secret))?;
    writeln!(file, "{SECRET_TAG}{}", hex::encode(seed)).map_err(io_at(secret))?;
    let fingerprint = fingerprint_of(&key.verifying_key());
    fs::write(public, format!("{fingerprint}\n")).map_err(io_at(public))?;
    Ok(fingerprint)
}

pub fn fingerprint_of(key: &VerifyingKey) -> String {
    format!("{PUBLIC_TAG}{}", hex::encode(key.as_bytes()))
}

pub fn read_secret(path: &Path) -> Result<SigningKey> {
    let text = fs::read_to_string(path).map_err(io_at(path))?;
    let bytes = text
        .trim()
        .strip_prefix(SECRET_TAG)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| invalid(path.display(), "not a pkg secret key"))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Parses a fingerprint (a public key file's or a trust file's content).
pub fn parse_fingerprint(text: &str, subject: &str) -> Result<VerifyingKey> {
    text.trim()
        .strip_prefix(PUBLIC_TAG)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| invalid(subject, "not an ed25519 public key fingerprint"))
}

pub fn read_public(path: &Path) -> Result<VerifyingKey> {
    let text = fs::read_to_string(path).map_err(io_at(path))?;
    parse_fingerprint(&text, &path.display().to_string())
}

/// Signs a hex SHA-256 digest; returns the signature as one line of hex.
pub fn sign_digest(key: &SigningKey, digest_hex: &str) -> Result<String> {
    let digest = decode_digest(digest_hex)?;
    Ok(hex::encode(key.sign(&digest).to_bytes()))
}

fn decode_digest(digest_hex: &str) -> Result<[u8; 32]> {
    hex::decode(digest_hex.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| invalid("digest", "expected 64 hex digits"))
}

/// Runs a builder's signing command: the digest goes to its stdin, signatures (one per
/// line, hex) come from its stdout.
pub fn sign_with_command(command: &str, digest_hex: &str) -> Result<Vec<String>> {
    let subject = format!("signing command {command:?}");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| invalid(&subject, e))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    writeln!(stdin, "{digest_hex}").map_err(|e| invalid(&subject, e))?;
    drop(stdin);
    let output = child.wait_with_output().map_err(|e| invalid(&subject, e))?;
    if !output.status.success() {
        return Err(invalid(&subject, format!("failed with {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let signatures: Vec<String> = text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if signatures.is_empty() || signatures.iter().any(|s| parse_signature(s).is_none()) {
        return Err(invalid(&subject, "did not print hex ed25519 signatures"));
    }
    Ok(signatures)
}

fn parse_signature(hex_sig: &str) -> Option<Signature> {
    let bytes = hex::decode(hex_sig.trim()).ok()?;
    Some(Signature::from_bytes(&<[u8; 64]>::try_from(bytes).ok()?))
}

/// Whether any of `signatures` is a valid signature of the digest by `key`.
pub fn signed_by(key: &VerifyingKey, digest_hex: &str, signatures: &[String]) -> bool {
    let Ok(digest) = decode_digest(digest_hex) else {
        return false;
    };
    signatures
        .iter()
        .filter_map(|s| parse_signature(s))
        .any(|sig| key.verify(&digest, &sig).is_ok())
}

/// The per-user development key, created on first use:
/// `$XDG_CONFIG_HOME/basalt-pkg/dev.key` (else `$HOME/.config/basalt-pkg/dev.key`), with
/// its public half beside it as `dev.pub`.
pub fn dev_key() -> Result<PathBuf> {
    let dir = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| invalid("development key", "neither XDG_CONFIG_HOME nor HOME is set"))?
        .join("basalt-pkg");
    let secret = dir.join("dev.key");
    if !secret.exists() {
        fs::create_dir_all(&dir).map_err(io_at(&dir))?;
        generate(&secret, &dir.join("dev.pub"))?;
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_only_for_its_key_and_digest() {
        let dir = tempfile::tempdir().unwrap();
        let (s, p) = (dir.path().join("k"), dir.path().join("k.pub"));
        let fingerprint = generate(&s, &p).unwrap();
        let key = read_secret(&s).unwrap();
        let public = read_public(&p).unwrap();
        assert_eq!(fingerprint, fingerprint_of(&public));
        let digest = crate::digest::sha256_hex(b"catalogue");
        let sig = sign_digest(&key, &digest).unwrap();
        assert!(signed_by(&public, &digest, std::slice::from_ref(&sig)));
        let other = crate::digest::sha256_hex(b"catalogue2");
        assert!(!signed_by(&public, &other, &[sig]));
    }
}
