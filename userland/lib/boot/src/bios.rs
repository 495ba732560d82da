//! Making a disk boot GRUB on BIOS firmware, as `grub-bios-setup` does but on
//! any [`BlockDevice`] (an image file, no root, no loop device): `boot.img`
//! into the MBR pointing at `core.img`, and `core.img` told where it lies.
//!
//! Offsets are GRUB's own (`include/grub/i386/pc/boot.h`, `diskboot.S`):
//!
//! ```text
//! boot.img  0x03..0x5A  BPB: kept from the disk (a FAT BPB, or zeroes)
//!           0x5C  u64   LBA of core.img's first sector
//!           0x64  u8    boot drive, 0xFF = the one the BIOS passed in DL
//!           0x66  2     a jump that forces drive 0x80 on floppies: 90 90
//!           0x1B8..0x1FE  disk signature and partition table: kept
//! core.img  0x1F4 u64   start of the first block list (the rest of core.img)
//! ```

use blockdev::BlockDevice;
use partition::gpt::Gpt;

const SECTOR: usize = 512;
/// Bytes of boot.img that belong to the disk: the BIOS parameter block.
const BPB: core::ops::Range<usize> = 0x03..0x5A;
/// Bytes of the MBR that belong to the disk: the Windows NT disk signature
/// and the partition table. The 0x55AA signature after them comes from
/// boot.img, as grub-bios-setup does, so a blank disk becomes bootable too.
const PARTITION_TABLE: core::ops::Range<usize> = 0x1B8..0x1FE;
const CORE_SECTOR_AT: usize = 0x5C;
const BOOT_DRIVE_AT: usize = 0x64;
/// "Use the drive the BIOS booted from" (DL), whatever its number.
const BOOT_DRIVE_FROM_BIOS: u8 = 0xFF;
const DRIVE_CHECK_AT: usize = 0x66;
/// Two NOPs over the `jmp` that would force drive 0x80 on a hard disk.
const NO_DRIVE_CHECK: [u8; 2] = [0x90, 0x90];
/// diskboot.img's first block-list entry `{u64 start; u16 len; u16 segment}`.
const FIRST_BLOCKLIST_START_AT: usize = 0x1F4;
const FIRST_BLOCKLIST_LEN_AT: usize = 0x1FC;

/// Why GRUB could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("boot.img is {0} bytes, not one 512-byte sector")]
    BootImageSize(usize),
    #[error("core.img is {0} bytes: too short to hold diskboot's first sector")]
    CoreImageTooShort(usize),
    #[error(
        "core.img's first block list loads {listed} sectors, but the image has {actual} after its first"
    )]
    CoreImageBlockList { listed: u64, actual: u64 },
    #[error("core.img ({sectors} sectors at LBA {lba}) does not fit in {space}")]
    CoreDoesNotFit {
        lba: u64,
        sectors: u64,
        space: &'static str,
    },
    #[error("the disk's partition table: {0}")]
    PartitionTable(#[from] partition::Error),
    #[error("at byte {offset}: {error}")]
    Device {
        offset: u64,
        error: blockdev::DeviceError,
    },
}

impl From<blockdev::ErrorAt> for Error {
    fn from(e: blockdev::ErrorAt) -> Error {
        Error::Device {
            offset: e.offset,
            error: e.error,
        }
    }
}

/// Writes `boot_img` into LBA 0 of `dev` and `core_img` from `core_lba` on,
/// patched to find each other. The disk's BPB area and partition table in
/// LBA 0 are kept. On a GPT disk `core_img` must lie wholly inside one BIOS
/// boot partition (type 21686148-6449-6E6F-744E-656564454649), which is the
/// only place GPT leaves for it; otherwise it must fit on the device after
/// LBA 0.
pub fn install_bios_boot(
    dev: &mut impl BlockDevice,
    boot_img: &[u8],
    core_img: &[u8],
    core_lba: u64,
) -> Result<(), Error> {
    let boot_img: &[u8; SECTOR] = boot_img
        .try_into()
        .map_err(|_| Error::BootImageSize(boot_img.len()))?;
    if core_img.len() < SECTOR {
        return Err(Error::CoreImageTooShort(core_img.len()));
    }
    let sectors = core_img.len().div_ceil(SECTOR) as u64;
    // grub-mkimage fills the length; a mismatch means the image is not a
    // diskboot core.img, or not this one, and would boot half-loaded.
    let listed = u64::from(u16::from_le_bytes([
        core_img[FIRST_BLOCKLIST_LEN_AT],
        core_img[FIRST_BLOCKLIST_LEN_AT + 1],
    ]));
    if listed != sectors - 1 {
        return Err(Error::CoreImageBlockList {
            listed,
            actual: sectors - 1,
        });
    }
    check_room(dev, core_lba, sectors)?;

    let mut core = core_img.to_vec();
    core.resize(sectors as usize * SECTOR, 0);
    core[FIRST_BLOCKLIST_START_AT..FIRST_BLOCKLIST_START_AT + 8]
        .copy_from_slice(&(core_lba + 1).to_le_bytes());
    blockdev::write(dev, core_lba * SECTOR as u64, &core)?;

    let mut mbr = [0u8; SECTOR];
    blockdev::read(dev, 0, &mut mbr)?;
    let mut boot = *boot_img;
    boot[BPB].copy_from_slice(&mbr[BPB]);
    boot[PARTITION_TABLE].copy_from_slice(&mbr[PARTITION_TABLE]);
    boot[CORE_SECTOR_AT..CORE_SECTOR_AT + 8].copy_from_slice(&core_lba.to_le_bytes());
    boot[BOOT_DRIVE_AT] = BOOT_DRIVE_FROM_BIOS;
    boot[DRIVE_CHECK_AT..DRIVE_CHECK_AT + 2].copy_from_slice(&NO_DRIVE_CHECK);
    blockdev::write(dev, 0, &boot)?;
    dev.flush()
        .map_err(|error| Error::Device { offset: 0, error })
}

/// Checks that `sectors` from `lba` overwrite nothing but space meant for them.
fn check_room(dev: &impl BlockDevice, lba: u64, sectors: u64) -> Result<(), Error> {
    let does_not_fit = |space| Error::CoreDoesNotFit {
        lba,
        sectors,
        space,
    };
    let end = lba.checked_add(sectors).ok_or(does_not_fit("the disk"))?;
    if lba == 0 || end > dev.size() / SECTOR as u64 {
        return Err(does_not_fit("the disk after the MBR"));
    }
    let gpt = match Gpt::read(dev) {
        Ok(found) => found.gpt,
        Err(partition::Error::NotFound(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let bios_boot = partition::parse_guid("21686148-6449-6e6f-744e-656564454649");
    let inside_bios_boot = gpt
        .entries
        .iter()
        .any(|e| Some(e.type_guid) == bios_boot && e.first_lba <= lba && end - 1 <= e.last_lba);
    if !inside_bios_boot {
        return Err(does_not_fit("a BIOS boot partition"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockdev::MemoryDevice;
    use partition::gpt::Entry;

    const DISK_SECTORS: u64 = 8192;
    const BIOS_BOOT_LBA: u64 = 2048;

    /// A boot.img stand-in whose every byte is distinct from the disk's.
    fn boot_img() -> Vec<u8> {
        let mut b = vec![0xB0; SECTOR];
        b[0x5A] = 0x00;
        b[0x5B] = 0x80;
        b[0x1FE] = 0x55;
        b[0x1FF] = 0xAA;
        b
    }

    /// A core.img stand-in of `sectors` sectors, its block-list length filled
    /// in as grub-mkimage does.
    fn core_img(sectors: usize) -> Vec<u8> {
        let mut c: Vec<u8> = (0..sectors * SECTOR).map(|i| (i % 251) as u8).collect();
        c[FIRST_BLOCKLIST_LEN_AT..FIRST_BLOCKLIST_LEN_AT + 2]
            .copy_from_slice(&(sectors as u16 - 1).to_le_bytes());
        c
    }

    /// A GPT disk with a 1 MiB BIOS boot partition at 1 MiB and a BPB-like
    /// pattern in LBA 0's boot code area.
    fn gpt_disk() -> MemoryDevice {
        let mut dev = MemoryDevice::new((DISK_SECTORS * 512) as usize);
        let mut gpt = Gpt::new(DISK_SECTORS, [7; 16]).unwrap();
        let entry = Entry {
            type_guid: partition::parse_guid("21686148-6449-6e6f-744e-656564454649").unwrap(),
            unique_guid: [1; 16],
            ..Entry::default()
        };
        gpt.add(None, Some(BIOS_BOOT_LBA), Some(2048), entry)
            .unwrap();
        gpt.write(&mut dev).unwrap();
        for (i, byte) in dev.bytes[BPB].iter_mut().enumerate() {
            *byte = i as u8;
        }
        dev
    }

    #[test]
    fn patches_boot_and_core_and_keeps_the_disks_bytes() {
        let mut dev = gpt_disk();
        let before = dev.bytes[..SECTOR].to_vec();
        let core = core_img(3);
        install_bios_boot(&mut dev, &boot_img(), &core, BIOS_BOOT_LBA).unwrap();

        let mbr = &dev.bytes[..SECTOR];
        assert_eq!(mbr[..3], boot_img()[..3]);
        assert_eq!(mbr[BPB], before[BPB]);
        assert_eq!(mbr[0x5A..0x5C], [0x00, 0x80]);
        assert_eq!(mbr[0x5C..0x64], BIOS_BOOT_LBA.to_le_bytes());
        assert_eq!(mbr[0x64], 0xFF);
        assert_eq!(mbr[0x65], 0xB0);
        assert_eq!(mbr[0x66..0x68], [0x90, 0x90]);
        assert!(mbr[0x68..0x1B8].iter().all(|&b| b == 0xB0));
        assert_eq!(mbr[PARTITION_TABLE], before[PARTITION_TABLE]);
        assert_eq!(mbr[0x1FE..], [0x55, 0xAA]);
        // The protective MBR still describes a GPT disk.
        assert_eq!(mbr[0x1C2], 0xEE);
        assert!(Gpt::read(&dev).unwrap().primary_error.is_none());

        let at = (BIOS_BOOT_LBA * 512) as usize;
        let written = &dev.bytes[at..at + core.len()];
        let start = FIRST_BLOCKLIST_START_AT;
        assert_eq!(written[start..start + 8], (BIOS_BOOT_LBA + 1).to_le_bytes());
        assert_eq!(written[..start], core[..start]);
        assert_eq!(written[start + 8..], core[start + 8..]);
    }

    #[test]
    fn pads_a_core_image_that_ends_mid_sector() {
        let mut dev = gpt_disk();
        let mut core = core_img(2);
        core.truncate(SECTOR + 100);
        dev.bytes[(BIOS_BOOT_LBA as usize + 1) * SECTOR + 100] = 0xEE;
        install_bios_boot(&mut dev, &boot_img(), &core, BIOS_BOOT_LBA).unwrap();
        assert_eq!(dev.bytes[(BIOS_BOOT_LBA as usize + 1) * SECTOR + 100], 0);
    }

    #[test]
    fn refuses_a_core_image_larger_than_the_bios_boot_partition() {
        let mut dev = gpt_disk();
        let before = dev.bytes.clone();
        let err =
            install_bios_boot(&mut dev, &boot_img(), &core_img(2049), BIOS_BOOT_LBA).unwrap_err();
        assert!(
            matches!(err, Error::CoreDoesNotFit { sectors: 2049, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("BIOS boot partition"), "{err}");
        assert!(dev.bytes == before, "nothing is written on refusal");
    }

    #[test]
    fn refuses_a_core_image_outside_the_bios_boot_partition() {
        let mut dev = gpt_disk();
        // LBA 1 is the GPT header.
        let err = install_bios_boot(&mut dev, &boot_img(), &core_img(2), 1).unwrap_err();
        assert!(matches!(err, Error::CoreDoesNotFit { lba: 1, .. }), "{err}");
    }

    #[test]
    fn refuses_a_core_image_past_the_end_of_a_plain_disk() {
        let mut dev = MemoryDevice::new(16 * SECTOR);
        assert!(install_bios_boot(&mut dev, &boot_img(), &core_img(4), 12).is_ok());
        let err = install_bios_boot(&mut dev, &boot_img(), &core_img(5), 12).unwrap_err();
        assert!(matches!(err, Error::CoreDoesNotFit { .. }), "{err}");
        let err = install_bios_boot(&mut dev, &boot_img(), &core_img(2), 0).unwrap_err();
        assert!(matches!(err, Error::CoreDoesNotFit { lba: 0, .. }), "{err}");
    }

    #[test]
    fn refuses_short_images() {
        let mut dev = gpt_disk();
        let err = install_bios_boot(&mut dev, &[0; 446], &core_img(2), BIOS_BOOT_LBA).unwrap_err();
        assert!(matches!(err, Error::BootImageSize(446)), "{err}");
        let err = install_bios_boot(&mut dev, &boot_img(), &[0; 500], BIOS_BOOT_LBA).unwrap_err();
        assert!(matches!(err, Error::CoreImageTooShort(500)), "{err}");
    }

    #[test]
    fn refuses_a_core_image_whose_block_list_disagrees_with_its_size() {
        let mut dev = gpt_disk();
        let mut core = core_img(3);
        core.truncate(SECTOR * 2);
        let err = install_bios_boot(&mut dev, &boot_img(), &core, BIOS_BOOT_LBA).unwrap_err();
        assert!(
            matches!(
                err,
                Error::CoreImageBlockList {
                    listed: 2,
                    actual: 1
                }
            ),
            "{err}"
        );
    }
}
