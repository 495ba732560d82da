//! sha512-crypt (`$6$`), as Ulrich Drepper's "Unix crypt using SHA-256 and
//! SHA-512" specifies it and glibc, FreeBSD's libcrypt and `openssl passwd
//! -6` implement it.

use sha2::{Digest, Sha512};

/// The prefix that names the scheme.
const PREFIX: &str = "$6$";
/// Rounds when the setting names none.
pub const DEFAULT_ROUNDS: u32 = 5000;
const MIN_ROUNDS: u32 = 1000;
const MAX_ROUNDS: u32 = 999_999_999;
/// The longest salt used; longer ones are cut.
const MAX_SALT: usize = 16;
/// crypt(3)'s base-64 alphabet (not RFC 4648's).
const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A parsed `$6$[rounds=N$]salt` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Setting<'a> {
    salt: &'a str,
    rounds: u32,
    /// Whether `rounds=` was written: it is then written in the output too.
    explicit_rounds: bool,
}

fn parse_setting(setting: &str) -> Option<Setting<'_>> {
    let rest = setting.strip_prefix(PREFIX)?;
    let (rounds, explicit_rounds, rest) = match rest.strip_prefix("rounds=") {
        Some(after) => {
            let (number, rest) = after.split_once('$')?;
            let rounds: u64 = number.parse().ok()?;
            let clamped = rounds.clamp(u64::from(MIN_ROUNDS), u64::from(MAX_ROUNDS));
            (clamped as u32, true, rest)
        }
        None => (DEFAULT_ROUNDS, false, rest),
    };
    let salt = rest.split('$').next().unwrap_or("");
    let salt = match salt.char_indices().nth(MAX_SALT) {
        Some((cut, _)) => &salt[..cut],
        None => salt,
    };
    Some(Setting {
        salt,
        rounds,
        explicit_rounds,
    })
}

/// Hashes `password` with the `$6$` setting `setting` (`$6$SALT` or
/// `$6$rounds=N$SALT`, anything after the salt's `$` ignored, so a whole
/// stored hash is a valid setting). `None` when the setting is not `$6$`.
pub fn crypt(password: &[u8], setting: &str) -> Option<String> {
    let setting = parse_setting(setting)?;
    let digest = sha512_crypt(password, setting.salt.as_bytes(), setting.rounds);
    let mut out = String::from(PREFIX);
    if setting.explicit_rounds {
        out.push_str(&format!("rounds={}$", setting.rounds));
    }
    out.push_str(setting.salt);
    out.push('$');
    encode(&digest, &mut out);
    Some(out)
}

/// Hashes `password` with a fresh 16-character random salt; `rounds` other
/// than [`DEFAULT_ROUNDS`] is written into the hash as `rounds=N`.
pub fn hash_password(password: &[u8], rounds: u32) -> std::io::Result<String> {
    let salt = random_salt()?;
    let setting = if rounds == DEFAULT_ROUNDS {
        format!("{PREFIX}{salt}")
    } else {
        format!("{PREFIX}rounds={rounds}${salt}")
    };
    Ok(crypt(password, &setting).expect("a $6$ setting we built"))
}

/// Whether `password` hashes to `hash`, compared in constant time. False
/// for anything but a `$6$` hash (`*`, `*LOCKED*...`, an empty field).
pub fn verify(password: &[u8], hash: &str) -> bool {
    match crypt(password, hash) {
        Some(computed) => constant_time_eq(computed.as_bytes(), hash.as_bytes()),
        None => false,
    }
}

/// Compares without stopping at the first difference, so the time taken
/// does not tell an attacker how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// 16 salt characters from the kernel's random source.
fn random_salt() -> std::io::Result<String> {
    let mut bytes = [0u8; 12];
    let mut filled = 0;
    while filled < bytes.len() {
        let rest = &mut bytes[filled..];
        // SAFETY: getrandom writes at most rest.len() bytes to rest.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        filled += n as usize;
    }
    // 12 bytes are 96 bits: 16 characters of 6 bits each.
    let mut salt = String::with_capacity(MAX_SALT);
    for chunk in bytes.chunks(3) {
        let word = u32::from(chunk[0]) << 16 | u32::from(chunk[1]) << 8 | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            salt.push(ALPHABET[(word >> shift) as usize & 63] as char);
        }
    }
    Ok(salt)
}

/// The algorithm of the specification, steps 1-21.
fn sha512_crypt(key: &[u8], salt: &[u8], rounds: u32) -> [u8; 64] {
    let b: [u8; 64] = Sha512::new()
        .chain_update(key)
        .chain_update(salt)
        .chain_update(key)
        .finalize()
        .into();

    let mut a = Sha512::new().chain_update(key).chain_update(salt);
    a.update(repeat_to(&b, key.len()));
    let mut length = key.len();
    while length > 0 {
        if length & 1 == 1 {
            a.update(b);
        } else {
            a.update(key);
        }
        length >>= 1;
    }
    let mut digest: [u8; 64] = a.finalize().into();

    let mut dp = Sha512::new();
    for _ in 0..key.len() {
        dp.update(key);
    }
    let p = repeat_to(&dp.finalize(), key.len());

    let mut ds = Sha512::new();
    for _ in 0..16 + usize::from(digest[0]) {
        ds.update(salt);
    }
    let s = repeat_to(&ds.finalize(), salt.len());

    for round in 0..rounds {
        let mut c = Sha512::new();
        if round % 2 == 1 {
            c.update(&p);
        } else {
            c.update(digest);
        }
        if round % 3 != 0 {
            c.update(&s);
        }
        if round % 7 != 0 {
            c.update(&p);
        }
        if round % 2 == 1 {
            c.update(digest);
        } else {
            c.update(&p);
        }
        digest = c.finalize().into();
    }
    digest
}

/// `source` repeated and cut to `length` bytes.
fn repeat_to(source: &[u8], length: usize) -> Vec<u8> {
    source.iter().copied().cycle().take(length).collect()
}

/// The specification's byte order for the 86 output characters.
fn encode(digest: &[u8; 64], out: &mut String) {
    const ORDER: [(usize, usize, usize); 21] = [
        (0, 21, 42),
        (22, 43, 1),
        (44, 2, 23),
        (3, 24, 45),
        (25, 46, 4),
        (47, 5, 26),
        (6, 27, 48),
        (28, 49, 7),
        (50, 8, 29),
        (9, 30, 51),
        (31, 52, 10),
        (53, 11, 32),
        (12, 33, 54),
        (34, 55, 13),
        (56, 14, 35),
        (15, 36, 57),
        (37, 58, 16),
        (59, 17, 38),
        (18, 39, 60),
        (40, 61, 19),
        (62, 20, 41),
    ];
    let mut push = |high: u8, middle: u8, low: u8, count: usize| {
        let mut word = u32::from(high) << 16 | u32::from(middle) << 8 | u32::from(low);
        for _ in 0..count {
            out.push(ALPHABET[word as usize & 63] as char);
            word >>= 6;
        }
    };
    for (high, middle, low) in ORDER {
        push(digest[high], digest[middle], digest[low], 4);
    }
    push(0, 0, digest[63], 2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The examples of Drepper's specification.
    #[test]
    fn specification_vectors() {
        assert_eq!(
            crypt(b"Hello world!", "$6$saltstring").unwrap(),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        );
        assert_eq!(
            crypt(b"Hello world!", "$6$rounds=10000$saltstringsaltstring").unwrap(),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        );
        assert_eq!(
            crypt(
                b"the minimum number is still observed",
                "$6$rounds=10$roundstoolow"
            )
            .unwrap(),
            "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."
        );
        // openssl prints <NULL> for an empty password; glibc's crypt(3) gives this.
        assert_eq!(
            crypt(b"", "$6$a").unwrap(),
            "$6$a$Z6IPkDduHdwavesVY2NFMpOHkigshxPYdhfLg0D3A7/XFQcso9RV2E8qczyJ2su.dj6RRLaTpvgwN1rZfK0I9."
        );
    }

    /// `openssl passwd -6`, when installed, is the independent judge.
    fn openssl(salt: &str, password: &str) -> Option<String> {
        let out = Command::new("openssl")
            .args(["passwd", "-6", "-salt", salt, "--", password])
            .output()
            .ok()?;
        assert!(out.status.success(), "openssl passwd failed: {out:?}");
        Some(
            String::from_utf8(out.stdout)
                .unwrap()
                .trim_end()
                .to_string(),
        )
    }

    #[test]
    fn agrees_with_openssl() {
        let long = "x".repeat(200);
        let long_salt = "0123456789abcdefXYZ";
        let cases: &[(&str, &str)] = &[
            ("abcdefgh", "secret"),
            ("a", "p"),
            ("saltsalt", "pässwörd with spaces"),
            ("rounds=1000$short", "pw"),
            ("rounds=5000$explicit", "pw"),
            ("rounds=12345$r", &long),
            (long_salt, &long),
            (
                "./AZaz09",
                "0123456789012345678901234567890123456789012345678901234567890123456789",
            ),
        ];
        let mut judged = 0;
        for (salt, password) in cases {
            let Some(expected) = openssl(salt, password) else {
                continue;
            };
            judged += 1;
            let ours = crypt(password.as_bytes(), &format!("$6${salt}")).unwrap();
            assert_eq!(ours, expected, "salt {salt:?} password {password:?}");
            assert!(verify(password.as_bytes(), &expected));
        }
        if judged == 0 {
            eprintln!("openssl not installed: compared with the specification only");
        }
    }

    #[test]
    fn random_salts_verify_and_differ() {
        let first = hash_password(b"hunter2", DEFAULT_ROUNDS).unwrap();
        let second = hash_password(b"hunter2", DEFAULT_ROUNDS).unwrap();
        assert_ne!(first, second);
        assert!(first.starts_with("$6$"));
        assert_eq!(first.len(), 3 + 16 + 1 + 86);
        assert!(verify(b"hunter2", &first));
        assert!(!verify(b"hunter3", &first));
        let slow = hash_password(b"pw", 6000).unwrap();
        assert!(slow.starts_with("$6$rounds=6000$"));
        assert!(verify(b"pw", &slow));
    }

    #[test]
    fn non_hashes_never_verify() {
        for stored in ["", "*", "*LOCKED*$6$saltstring$x", "$1$abc$def", "!"] {
            assert!(!verify(b"", stored), "{stored:?}");
            assert!(!verify(b"x", stored), "{stored:?}");
        }
        let good = crypt(b"pw", "$6$saltstring").unwrap();
        assert!(!verify(b"pw", &format!("*LOCKED*{good}")));
        assert!(!verify(b"pw", &good[..good.len() - 1]));
    }
}
