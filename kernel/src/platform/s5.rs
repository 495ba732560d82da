//! Finding the `\_S5_` sleep type values in a DSDT without an AML interpreter.
//!
//! Powering off needs only SLP_TYPa/SLP_TYPb of the `_S5_` package, which
//! every firmware declares as a plain `Name (_S5_, Package () {a, b, ...})`.
//! A full interpreter (the `aml` crate) is far more code than this lookup.

const NAME_OP: u8 = 0x08;
const PACKAGE_OP: u8 = 0x12;
const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const BYTE_PREFIX: u8 = 0x0a;
const WORD_PREFIX: u8 = 0x0b;
const DWORD_PREFIX: u8 = 0x0c;

/// SLP_TYPa and SLP_TYPb for the soft-off state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SleepTypes {
    pub a: u8,
    pub b: u8,
}

/// Scans `aml` (a DSDT or SSDT body) for the `_S5_` package.
pub fn find_s5(aml: &[u8]) -> Option<SleepTypes> {
    let mut at = 0;
    while let Some(pos) = find(&aml[at..], b"_S5_") {
        let name = at + pos;
        at = name + 4;
        // NameOp, optionally a root or parent prefix, then the name.
        let prefixed = name >= 2 && aml[name - 1] == b'\\' && aml[name - 2] == NAME_OP;
        if !(prefixed || (name >= 1 && aml[name - 1] == NAME_OP)) {
            continue;
        }
        if let Some(types) = parse_package(&aml[at..]) {
            return Some(types);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses `PackageOp PkgLength NumElements a b`.
fn parse_package(b: &[u8]) -> Option<SleepTypes> {
    if *b.first()? != PACKAGE_OP {
        return None;
    }
    // PkgLength: the top two bits of the lead byte count the extra bytes.
    let extra = usize::from(b.get(1)? >> 6);
    let mut at = 2 + extra + 1; // op, lead byte, extra bytes, NumElements
    let a = integer(b, &mut at)?;
    // Some firmware declares only SLP_TYPa; SLP_TYPb is then 0.
    let second = integer(b, &mut at).unwrap_or(0);
    Some(SleepTypes { a, b: second })
}

/// Reads one small integer constant; the sleep types fit in three bits.
fn integer(b: &[u8], at: &mut usize) -> Option<u8> {
    let op = *b.get(*at)?;
    let (value, len) = match op {
        ZERO_OP => (0, 1),
        ONE_OP => (1, 1),
        BYTE_PREFIX => (*b.get(*at + 1)?, 2),
        WORD_PREFIX => (*b.get(*at + 1)?, 3),
        DWORD_PREFIX => (*b.get(*at + 1)?, 5),
        _ => return None,
    };
    *at += len;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_style_package_with_byte_prefixes() {
        // Name (_S5_, Package (0x04) { 0x05, 0x05, 0, 0 }) as in QEMU's pc DSDT.
        let aml = [
            0x10, 0x08, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05,
            0x00, 0x00,
        ];
        assert_eq!(find_s5(&aml), Some(SleepTypes { a: 5, b: 5 }));
    }

    #[test]
    fn root_prefixed_name_and_zero_one_ops() {
        let aml = [
            0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x02, 0x00, 0x01,
        ];
        assert_eq!(find_s5(&aml), Some(SleepTypes { a: 0, b: 1 }));
    }

    #[test]
    fn a_mention_that_is_not_a_name_declaration_is_skipped() {
        // A method that references _S5_ first, then the real declaration.
        let aml = [
            0x70, b'_', b'S', b'5', b'_', 0x60, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02,
            0x0a, 0x07, 0x00,
        ];
        assert_eq!(find_s5(&aml), Some(SleepTypes { a: 7, b: 0 }));
    }

    #[test]
    fn missing_or_truncated_packages_give_none() {
        assert_eq!(find_s5(b"no sleep states here"), None);
        assert_eq!(find_s5(&[0x08, b'_', b'S', b'5', b'_', 0x12]), None);
        assert_eq!(find_s5(&[0x08, b'_', b'S', b'5', b'_']), None);
    }

    #[test]
    fn every_truncation_of_a_valid_table_is_safe() {
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x48, 0x01, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0, 0,
        ];
        for len in 0..=aml.len() {
            let _ = find_s5(&aml[..len]);
        }
        // A two-byte PkgLength (lead byte 0x48) is handled.
        assert_eq!(find_s5(&aml), Some(SleepTypes { a: 5, b: 5 }));
    }
}
