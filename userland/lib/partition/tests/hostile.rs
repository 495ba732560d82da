//! Hostile input for the GPT and MBR readers and the partition naming: real
//! tables with mutated bytes (CRCs fixed up or not), random sectors, looping
//! extended chains. Every read returns Ok or Err; none panics or hangs.

use blockdev::MemoryDevice;
use blockdev::crc32::crc32;
use disklabel::label64::{Label64, Partition64};
use partition::gpt::{Entry, Gpt};
use partition::mbr::{Mbr, Slice};
use partition::naming::{Slot, Suffix, locate};
use partition::types;
use proptest::prelude::*;
use std::sync::OnceLock;

const SIZE: usize = 8 << 20;
const SECTORS: u64 = (SIZE / 512) as u64;

/// A GPT disk with three partitions, the second holding a disklabel64.
fn gpt_disk() -> &'static MemoryDevice {
    static DISK: OnceLock<MemoryDevice> = OnceLock::new();
    DISK.get_or_init(|| {
        let mut dev = MemoryDevice::new(SIZE);
        let mut gpt = Gpt::new(SECTORS, [1; 16]).unwrap();
        for (kind, size) in [("efi", 2048), ("dragonfly-label64", 8192), ("linux", 512)] {
            let entry = Entry {
                type_guid: types::parse_gpt_type(kind).unwrap(),
                unique_guid: [2; 16],
                name: kind.into(),
                ..Entry::default()
            };
            gpt.add(None, None, Some(size), entry).unwrap();
        }
        gpt.write(&mut dev).unwrap();
        let p2 = gpt.entries[1].first_lba as usize * 512;
        let slice = blockdev::Partition::new(&mut dev, p2 as u64, Some(8192 * 512)).unwrap();
        let mut label = Label64::auto(8192 * 512, p2 as u64, [3; 16]).unwrap();
        label.partitions[0] = Partition64 {
            offset: label.pbase,
            size: 4096,
            fstype: 17,
            ..Partition64::default()
        };
        let mut slice = slice;
        label.write(&mut slice).unwrap();
        dev
    })
}

/// Puts back the CRCs of the header at `lba` and of the array it names.
fn fix_crcs(bytes: &mut [u8], lba: usize) {
    let h = lba * 512;
    let count = u32::from_le_bytes(bytes[h + 80..h + 84].try_into().unwrap()) as usize;
    let size = u32::from_le_bytes(bytes[h + 84..h + 88].try_into().unwrap()) as usize;
    let at = u64::from_le_bytes(bytes[h + 72..h + 80].try_into().unwrap()) as usize;
    if let Some(array) = count
        .checked_mul(size)
        .and_then(|n| at.checked_mul(512).map(|a| (a, n)))
        .and_then(|(a, n)| bytes.get(a..a.checked_add(n)?))
    {
        let crc = crc32(array);
        bytes[h + 88..h + 92].copy_from_slice(&crc.to_le_bytes());
    }
    let header_size =
        u32::from_le_bytes(bytes[h + 12..h + 16].try_into().unwrap()).clamp(92, 512) as usize;
    bytes[h + 16..h + 20].fill(0);
    let crc = crc32(&bytes[h..h + header_size]);
    bytes[h + 16..h + 20].copy_from_slice(&crc.to_le_bytes());
}

fn every_name(dev: &MemoryDevice) {
    for n in 1..=6 {
        for label in [None, Some(0), Some(3)] {
            let _ = locate(
                dev,
                &Suffix {
                    slot: Slot::Gpt(n),
                    label,
                },
            );
            let _ = locate(
                dev,
                &Suffix {
                    slot: Slot::Mbr(n),
                    label,
                },
            );
        }
    }
}

#[test]
fn the_fixture_reads_back() {
    let dev = gpt_disk();
    let found = Gpt::read(dev).unwrap();
    assert_eq!((found.primary_error, found.backup_error), (None, None));
    let region = locate(
        dev,
        &Suffix {
            slot: Slot::Gpt(2),
            label: Some(0),
        },
    )
    .unwrap();
    assert_eq!(region.length, 4096);
    assert_eq!(region.offset, (2048 + 2048) * 512 + (1 << 20));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn mutated_gpt_is_ok_or_err(
        edits in prop::collection::vec((prop_oneof![0usize..34 * 512, (SIZE - 33 * 512)..SIZE], any::<u8>()), 1..10),
        fix in any::<bool>(),
    ) {
        let mut dev = gpt_disk().clone();
        for (at, value) in edits {
            dev.bytes[at] = value;
        }
        if fix {
            fix_crcs(&mut dev.bytes, 1);
            fix_crcs(&mut dev.bytes, SECTORS as usize - 1);
        }
        if let Ok(found) = Gpt::read(&dev) {
            // What was read can be written back.
            let _ = found.gpt.validate(SECTORS);
            let _ = found.gpt.free_ranges();
        }
        let _ = Mbr::read(&dev);
        every_name(&dev);
    }

    #[test]
    fn mutated_label_inside_gpt_is_ok_or_err(
        edits in prop::collection::vec((0usize..4096, any::<u8>()), 1..10),
    ) {
        let mut dev = gpt_disk().clone();
        let p2 = 4096 * 512;
        for (at, value) in edits {
            dev.bytes[p2 + at] = value;
        }
        every_name(&dev);
    }

    #[test]
    fn random_sectors_are_ok_or_err(lba0 in prop::collection::vec(any::<u8>(), 512), lba1 in prop::collection::vec(any::<u8>(), 512), signature in any::<bool>()) {
        let mut dev = MemoryDevice::new(1 << 20);
        dev.bytes[..512].copy_from_slice(&lba0);
        dev.bytes[512..1024].copy_from_slice(&lba1);
        if signature {
            dev.bytes[510] = 0x55;
            dev.bytes[511] = 0xAA;
            dev.bytes[512..520].copy_from_slice(b"EFI PART");
        }
        let _ = Gpt::read(&dev);
        if let Ok(mbr) = Mbr::read(&dev) {
            let _ = mbr.logical(&dev);
        }
        every_name(&dev);
    }

    #[test]
    fn extended_chains_end(links in prop::collection::vec((any::<u8>(), 0u32..4096, 0u32..4096, 0u32..4096), 1..12)) {
        // An extended slice over sectors 64..4096, its EBRs at the places
        // the random links say, chained however they chain.
        let mut dev = MemoryDevice::new(2 << 20);
        let mut mbr = Mbr::new(0);
        mbr.slices[0] = Slice { active: false, kind: 0x0f, start: 64, sectors: 4032 };
        dev.bytes[..512].copy_from_slice(&mbr.to_bytes());
        let mut at = 64usize;
        for (kind, data_start, data_len, next) in links {
            let mut ebr = Mbr::new(0);
            ebr.slices[0] = Slice { active: false, kind, start: data_start, sectors: data_len };
            ebr.slices[1] = Slice { active: false, kind: 0x05, start: next, sectors: 1 };
            dev.bytes[at * 512..at * 512 + 512].copy_from_slice(&ebr.to_bytes());
            at = (64 + next as usize).min(4095);
        }
        if let Ok(logical) = mbr.logical(&dev) {
            prop_assert!(logical.len() <= partition::mbr::MAX_LOGICAL);
            for s in logical {
                prop_assert!(u64::from(s.start) >= 64 && s.end() <= 4096);
            }
        }
        every_name(&dev);
    }

    #[test]
    fn suffixes_never_panic(text in "[ps]?[0-9]{0,12}[a-z]?|[ -~]{0,12}") {
        if let Some(suffix) = Suffix::parse(&text) {
            prop_assert_eq!(Suffix::parse(&suffix.to_string()), Some(suffix));
        }
    }
}
