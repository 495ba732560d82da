//! Filesystem type codes of BSD labels (`p_fstype`), with the names
//! disklabel(8) prints and reads: DragonFly's `fstypenames[]`
//! (sys/sys/dtype.h), plus Basalt's ext2.
//!
//! Basalt's ext2 is [`EXT2FS`] = 17, named `ext2fs`: the code FreeBSD,
//! NetBSD and OpenBSD give ext2, and one DragonFly keeps reserved (it prints
//! `?` for it) rather than reusing. It is stable.

pub const UNUSED: u8 = 0;
pub const SWAP: u8 = 1;
pub const BSDFFS: u8 = 7;
pub const MSDOS: u8 = 8;
pub const OTHER: u8 = 10;
pub const EXT2FS: u8 = 17;
pub const HAMMER: u8 = 22;
pub const HAMMER2: u8 = 23;

/// Names by code, as DragonFly spells them; codes it leaves unnamed (`?`)
/// are missing and print as numbers.
const NAMES: &[(u8, &str)] = &[
    (UNUSED, "unused"),
    (SWAP, "swap"),
    (2, "Version 6"),
    (3, "Version 7"),
    (4, "System V"),
    (5, "4.1BSD"),
    (6, "Eighth Edition"),
    (BSDFFS, "4.2BSD"),
    (MSDOS, "MSDOS"),
    (9, "4.4LFS"),
    (OTHER, "unknown"),
    (11, "HPFS"),
    (12, "ISO9660"),
    (13, "boot"),
    (14, "vinum"),
    (15, "raid"),
    (EXT2FS, "ext2fs"),
    (19, "ccd"),
    (21, "jfs"),
    (HAMMER, "HAMMER"),
    (HAMMER2, "HAMMER2"),
    (24, "UDF"),
    (26, "EFS"),
    (27, "ZFS"),
];

/// The name of `code`, if it has one.
pub fn name(code: u8) -> Option<&'static str> {
    NAMES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// The code named `name` (case-insensitive), or a plain number.
pub fn parse(name: &str) -> Option<u8> {
    NAMES
        .iter()
        .find(|(_, n)| n.eq_ignore_ascii_case(name))
        .map(|(c, _)| *c)
        .or_else(|| name.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_round_trip() {
        for &(code, name) in super::NAMES {
            assert_eq!(super::parse(name), Some(code));
        }
        assert_eq!(super::parse("ext2fs"), Some(17));
        assert_eq!(super::parse("99"), Some(99));
        assert_eq!(super::parse("nonsense"), None);
    }
}
