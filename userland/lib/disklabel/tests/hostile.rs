//! An independent disklabel64 writer, built byte by byte from the layout in
//! FORMATS.md with its own bitwise CRC, read by the library; and hostile
//! input for both label formats: every parse returns Ok or Err, none panics.

use disklabel::label32::Label32;
use disklabel::label64::{self, Label64, Partition64};
use disklabel::{Error, fstype, text};
use proptest::prelude::*;

/// CRC-32 the slow way, one bit at a time: not the library's table.
fn bitwise_crc(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A slice of `size` bytes holding a disklabel64 written from the table in
/// FORMATS.md, with partition `a` = (offset, size, fstype).
fn independent_label64(size: usize, parts: &[(u64, u64, u8)]) -> Vec<u8> {
    let mut s = vec![0u8; size];
    let l = &mut s[0x200..];
    let put = |l: &mut [u8], at: usize, v: &[u8]| l[at..at + v.len()].copy_from_slice(v);
    put(l, 0x00, &0xC446_4C59u32.to_le_bytes());
    put(l, 0x08, &4096u32.to_le_bytes());
    put(l, 0x0C, &16u32.to_le_bytes());
    put(l, 0x10, &[0x11; 16]);
    put(l, 0x20, &(size as u64).to_le_bytes());
    put(l, 0x28, &4096u64.to_le_bytes());
    put(l, 0x30, &0x108000u64.to_le_bytes());
    let pstop = (size as u64 - 4096) / 4096 * 4096;
    put(l, 0x38, &pstop.to_le_bytes());
    put(l, 0x40, &pstop.to_le_bytes());
    put(l, 0x48, b"independent");
    for (i, &(offset, len, kind)) in parts.iter().enumerate() {
        let e = 0xC8 + 64 * i;
        put(l, e, &offset.to_le_bytes());
        put(l, e + 8, &len.to_le_bytes());
        l[e + 16] = kind;
        put(l, e + 48, &[0x22; 16]);
    }
    let crc = bitwise_crc(&l[..0xC8 + 64 * 16]);
    put(l, 0x04, &crc.to_le_bytes());
    s
}

#[test]
fn reads_an_independently_written_disklabel64() {
    let size = 8 << 20;
    let parts = [
        (0x108000, 2 << 20, fstype::EXT2FS),
        (0x108000 + (2 << 20), 1 << 20, fstype::SWAP),
    ];
    let bytes = independent_label64(size, &parts);
    let label = Label64::parse(&bytes, size as u64).unwrap();
    assert_eq!(label.packname, "independent");
    assert_eq!(
        (label.bbase, label.pbase, label.abase),
        (4096, 0x108000, label.pstop)
    );
    assert_eq!(label.partitions.len(), 16);
    assert_eq!(label.partitions[0].size, 2 << 20);
    assert_eq!(label.partitions[1].fstype, fstype::SWAP);
    assert_eq!(label.partitions[1].storage_uuid, [0x22; 16]);
    // And ours writes the same bytes the independent writer did.
    let ours = label.to_bytes();
    let n = 0xC8 + 64 * 16;
    assert_eq!(ours[..n], bytes[0x200..0x200 + n]);
    assert!(ours[n..].iter().all(|&b| b == 0));
}

#[test]
fn rejects_what_dragonfly_would() {
    let size = 8 << 20;
    let good = independent_label64(size, &[(0x108000, 1 << 20, 7)]);
    let mut bad_crc = good.clone();
    bad_crc[0x2C8] ^= 1;
    assert_eq!(
        Label64::parse(&bad_crc, size as u64),
        Err(Error::BadChecksum)
    );
    assert_eq!(
        Label64::parse(&good[..600], size as u64),
        Err(Error::TooSmall)
    );
    assert_eq!(
        Label64::parse(&vec![0; 4096], size as u64),
        Err(Error::NoLabel)
    );
    // Before pbase, overlapping, past pstop: each fails validation.
    for parts in [
        vec![(4096, 4096, 7)],
        vec![(0x108000, 1 << 20, 7), (0x108000 + 4096, 4096, 7)],
        vec![(0x108000, 8 << 20, 7)],
    ] {
        let bytes = independent_label64(size, &parts);
        assert!(
            matches!(Label64::parse(&bytes, size as u64), Err(Error::Invalid(_))),
            "{parts:?}"
        );
    }
    // A slice smaller than the label says.
    assert!(matches!(
        Label64::parse(&good, (size / 2) as u64),
        Err(Error::Invalid(_))
    ));
}

fn valid_label64() -> Vec<u8> {
    let mut label = Label64::auto(4 << 20, 0, [1; 16]).unwrap();
    label.partitions[0] = Partition64 {
        offset: label.pbase,
        size: 1 << 20,
        fstype: fstype::EXT2FS,
        ..Partition64::default()
    };
    let mut bytes = vec![0u8; 512];
    bytes.extend(label.to_bytes());
    bytes
}

/// Puts back a valid CRC so mutations reach the checks behind it.
fn fix_crc64(bytes: &mut [u8]) {
    let l = &mut bytes[512..];
    let n = u32::from_le_bytes(l[0x0C..0x10].try_into().unwrap()) as usize;
    if n <= label64::MAX_PARTITIONS {
        l[4..8].fill(0);
        let crc = bitwise_crc(&l[..0xC8 + 64 * n]);
        l[4..8].copy_from_slice(&crc.to_le_bytes());
    }
}

fn valid_label32() -> Vec<u8> {
    let label = Label32::auto(0, 8192).unwrap();
    let mut bytes = vec![0u8; 512];
    bytes.extend(label.to_bytes());
    bytes
}

fn fix_checksum32(bytes: &mut [u8]) {
    let l = &mut bytes[512..1024];
    let n = usize::from(u16::from_le_bytes([l[0x8A], l[0x8B]])).min(22);
    l[0x88..0x8A].fill(0);
    let sum = l[..0x94 + 16 * n]
        .chunks(2)
        .fold(0u16, |a, w| a ^ u16::from_le_bytes([w[0], w[1]]));
    l[0x88..0x8A].copy_from_slice(&sum.to_le_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn label64_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..3200), slice in any::<u64>()) {
        let _ = Label64::parse(&bytes, slice);
    }

    #[test]
    fn mutated_label64_is_ok_or_err(
        edits in prop::collection::vec((512usize..512 + 0xC8 + 64 * 3, any::<u8>()), 1..8),
        fix in any::<bool>(),
        slice in prop_oneof![Just(4u64 << 20), any::<u64>()],
    ) {
        let mut bytes = valid_label64();
        for (at, value) in edits {
            bytes[at] = value;
        }
        if fix {
            fix_crc64(&mut bytes);
        }
        if let Ok(label) = Label64::parse(&bytes, slice) {
            // What parses, prints and validates without panicking.
            let _ = text::print64(&label, "x");
            prop_assert!(label.validate(slice).is_ok());
        }
    }

    #[test]
    fn mutated_label32_is_ok_or_err(
        edits in prop::collection::vec((512usize..1024, any::<u8>()), 1..8),
        fix in any::<bool>(),
        start in any::<u32>(),
        sectors in any::<u32>(),
    ) {
        let mut bytes = valid_label32();
        for (at, value) in edits {
            bytes[at] = value;
        }
        if fix {
            fix_checksum32(&mut bytes);
        }
        if let Ok(label) = Label32::parse(&bytes, u64::from(start), u64::from(sectors)) {
            let _ = text::print32(&label, "x");
        }
    }

    #[test]
    fn prototypes_never_panic(proto in "([a-q]: [0-9*]{1,12}[KMGT]? [0-9*]{1,20} [a-zA-Z0-9.]{1,8}\n|[a-z ]{1,22}: [0-9a-fx-]{0,40}\n|[ -~]{0,40}\n){0,12}") {
        let base64 = Label64::auto(64 << 20, 0, [0; 16]).unwrap();
        if let Ok(label) = text::parse64(&proto, &base64)
            && label.validate(64 << 20).is_ok()
        {
            let _ = text::print64(&label, "x");
        }
        let base32 = Label32::auto(2048, 100_000).unwrap();
        if let Ok(label) = text::parse32(&proto, &base32) {
            let _ = text::print32(&label, "x");
            let _ = label.validate(2048, 100_000);
        }
    }
}
