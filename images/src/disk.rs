//! `basalt.img`: a raw GPT disk that boots on BIOS firmware through GRUB2,
//! made entirely in user space from the tree's own libraries (no root, no
//! loop devices):
//!
//! ```text
//! gpt1  BIOS boot   1 MiB   GRUB's core.img (boot.img in the MBR points at it)
//! gpt2  EFI system  FAT with an empty EFI/BOOT (UEFI GRUB comes later)
//! gpt3  DragonFly disklabel64
//!         a  ext2 root, /boot/grub/grub.cfg included
//!         b  swap
//! gpt4  ext2 /boot  only in the BootPartition layout (see [`GrubPrefix`])
//! ```
//!
//! Every GUID, UUID and serial number derives from [`DiskOptions::seed`], and
//! every timestamp from [`DiskOptions::time`], so the same inputs give the
//! same image bit for bit.

use crate::BuildError;
use blockdev::{BlockDevice, FileDevice, Partition};
use disklabel::fstype;
use disklabel::label64::{Label64, Partition64};
use partition::gpt::{Entry, Gpt};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

const SECTOR: u64 = 512;
const MIB: u64 = 1 << 20;
/// The GRUB modules core.img carries: enough to read the partition maps and
/// the filesystem holding /boot/grub, then `normal` loads the rest from there.
const CORE_MODULES: &[&str] = &[
    "biosdisk",
    "part_gpt",
    "part_dfly",
    "ext2",
    "normal",
    "configfile",
    "multiboot2",
    "boot",
    "serial",
    "terminal",
    "echo",
];

/// Where core.img looks for `/boot/grub`: the layout of the disk follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrubPrefix {
    /// `(hd0,gpt3,dfly1)/boot/grub`: the root filesystem inside the
    /// disklabel64, the image as it is meant to be. Needs a GRUB that opens
    /// nested partitions (images/grub/README.md: Debian 12's cannot).
    NestedLabel,
    /// `(hd0,gpt4)/boot/grub`: a copy of /boot on a small ext2 GPT partition
    /// of its own, which stock GRUB reads.
    BootPartition,
}

impl GrubPrefix {
    /// The `-p` argument of grub-mkimage.
    pub fn path(self) -> &'static str {
        match self {
            GrubPrefix::NestedLabel => "(hd0,gpt3,dfly1)/boot/grub",
            GrubPrefix::BootPartition => "(hd0,gpt4)/boot/grub",
        }
    }
}

impl fmt::Display for GrubPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let layout = match self {
            GrubPrefix::NestedLabel => "root in the disklabel64",
            GrubPrefix::BootPartition => "/boot copied to gpt4 for stock GRUB",
        };
        write!(f, "{} ({layout})", self.path())
    }
}

/// The GRUB to install: its i386-pc modules and images, the grub-mkimage
/// that matches them, and whether it can open nested partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrubDir {
    /// Holds boot.img and the `.mod` files.
    pub i386_pc: PathBuf,
    pub mkimage: PathBuf,
    pub prefix: GrubPrefix,
}

/// The variable naming a GRUB installation tree (`bin/grub-mkimage`,
/// `lib/grub/i386-pc/`) built with images/grub's patch.
pub const GRUB_DIR_VAR: &str = "BASALT_GRUB_DIR";

impl GrubDir {
    /// Debian's own GRUB, which cannot open the disklabel.
    pub fn debian() -> GrubDir {
        GrubDir {
            i386_pc: "/usr/lib/grub/i386-pc".into(),
            mkimage: "/usr/bin/grub-mkimage".into(),
            prefix: GrubPrefix::BootPartition,
        }
    }

    /// A GRUB installed under `dir` with images/grub's patch.
    pub fn patched(dir: &Path) -> GrubDir {
        GrubDir {
            i386_pc: dir.join("lib/grub/i386-pc"),
            mkimage: dir.join("bin/grub-mkimage"),
            prefix: GrubPrefix::NestedLabel,
        }
    }

    /// The patched GRUB named by `BASALT_GRUB_DIR`, else Debian's.
    pub fn from_env() -> GrubDir {
        match std::env::var_os(GRUB_DIR_VAR) {
            Some(dir) if !dir.is_empty() => GrubDir::patched(Path::new(&dir)),
            _ => GrubDir::debian(),
        }
    }
}

/// Sizes and identity of the disk.
#[derive(Debug, Clone)]
pub struct DiskOptions {
    /// The whole disk, bytes (a multiple of 1 MiB).
    pub size: u64,
    pub esp_size: u64,
    pub swap_size: u64,
    /// The /boot partition of [`GrubPrefix::BootPartition`].
    pub boot_size: u64,
    /// Every GUID and UUID of the disk derives from this.
    pub seed: u64,
    /// Seconds since 1970 stamped on every file and filesystem.
    pub time: i64,
}

impl Default for DiskOptions {
    fn default() -> Self {
        DiskOptions {
            size: 512 * MIB,
            esp_size: 32 * MIB,
            swap_size: 64 * MIB,
            boot_size: 32 * MIB,
            seed: 0,
            time: 0,
        }
    }
}

/// What [`write_gpt_image`] made.
#[derive(Debug, Clone)]
pub struct DiskReport {
    pub prefix: GrubPrefix,
    /// The root filesystem's UUID, as the kernel command line names it.
    pub root_uuid: String,
    /// Byte range of the root filesystem (`gpt3` `a`) on the disk.
    pub root: std::ops::Range<u64>,
    pub core_img_sectors: u64,
}

/// Why the disk image could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error("partition table: {0}")]
    Partition(#[from] partition::Error),
    #[error("disklabel64: {0}")]
    Label(#[from] disklabel::Error),
    #[error("ext2 filesystem: {0}")]
    Ext2(#[from] ext2::Error),
    #[error("copying the root into ext2: {0}")]
    Populate(#[from] ext2::PopulateError),
    #[error("FAT filesystem: {0}")]
    Fat(#[from] std::io::Error),
    #[error("installing GRUB: {0}")]
    Grub(#[from] boot::bios::Error),
    #[error("the disk: {0}")]
    Device(blockdev::DeviceError),
    #[error("the disk is too small for its partitions")]
    TooSmall,
}

impl From<blockdev::DeviceError> for DiskError {
    fn from(e: blockdev::DeviceError) -> DiskError {
        DiskError::Device(e)
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BuildError {
    let path = path.to_path_buf();
    move |source| BuildError::Io {
        action,
        path,
        source,
    }
}

/// A version 4 (random) GUID drawn from `seed` and `what`: the same pair
/// always gives the same GUID, different parts of the disk different ones.
fn derived_guid(seed: u64, what: &str) -> [u8; 16] {
    // SplitMix64 over FNV-1a of the name: not cryptographic, only stable
    // and well spread.
    let mut state = what.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    }) ^ seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut guid = [0u8; 16];
    guid[..8].copy_from_slice(&next().to_le_bytes());
    guid[8..].copy_from_slice(&next().to_le_bytes());
    guid[7] = (guid[7] & 0x0f) | 0x40;
    guid[8] = (guid[8] & 0x3f) | 0x80;
    guid
}

/// The same bytes as an ext2 UUID: ext2 stores UUIDs in text order, GPT
/// and the disklabel with the first three fields little-endian.
fn text_order(guid: [u8; 16]) -> [u8; 16] {
    let mut b = guid;
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    b
}

fn gpt_entry(kind: &str, seed: u64, name: &str) -> Entry {
    let guid = partition::types::GPT_TYPES
        .iter()
        .find(|t| t.alias == kind)
        .and_then(|t| partition::parse_guid(t.guid))
        .expect("the partition library knows the types images uses");
    Entry {
        type_guid: guid,
        unique_guid: derived_guid(seed, name),
        name: name.into(),
        ..Entry::default()
    }
}

/// The boot menu: the kernel from /boot of the filesystem GRUB's prefix is on.
fn grub_config(root_uuid: &str) -> boot::GrubConfig {
    boot::GrubConfig {
        timeout: 1,
        serial: true,
        entries: vec![boot::MenuEntry {
            title: "Basalt".into(),
            kernel: "/boot/kernel".into(),
            cmdline: format!("root=UUID={root_uuid}"),
            modules: Vec::new(),
        }],
    }
}

/// Writes `data` as the file `path` (parents made as needed) in `fs`.
fn put_file<D: BlockDevice>(
    fs: &mut ext2::Filesystem<D>,
    path: &str,
    data: &[u8],
) -> Result<(), ext2::Error> {
    let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
    let mut dir = ext2::ROOT_INO;
    for part in dirs.split('/').filter(|p| !p.is_empty()) {
        dir = match fs.lookup(dir, part.as_bytes()) {
            Ok(ino) => ino,
            Err(ext2::Error::NotFound) => fs.mkdir(dir, part.as_bytes(), 0o755, 0, 0)?,
            Err(e) => return Err(e),
        };
    }
    let ino = fs.mknod(
        dir,
        name.as_bytes(),
        ext2::mode::REGULAR | 0o644,
        0,
        0,
        (0, 0),
    )?;
    fs.write(ino, 0, data)
}

/// Sets every access time under directory `dir` to the modification time:
/// populate copies the host's access times, which record when the build
/// read the files, and would make no two images alike.
fn access_times_from_mtimes<D: BlockDevice>(
    fs: &mut ext2::Filesystem<D>,
    dir: u32,
) -> Result<(), ext2::Error> {
    for entry in fs.read_dir(dir)? {
        if entry.name == b"." || entry.name == b".." {
            continue;
        }
        if entry.file_type == ext2::file_type::DIRECTORY {
            access_times_from_mtimes(fs, entry.ino)?;
        }
        stamp_access_time(fs, entry.ino)?;
    }
    stamp_access_time(fs, dir)
}

fn stamp_access_time<D: BlockDevice>(
    fs: &mut ext2::Filesystem<D>,
    ino: u32,
) -> Result<(), ext2::Error> {
    let stat = fs.stat(ino)?;
    fs.set_attr(
        ino,
        &ext2::SetAttr {
            atime: Some(stat.mtime),
            ctime: Some(stat.ctime),
            ..ext2::SetAttr::default()
        },
    )
}

fn mkfs_options(seed: u64, what: &str, time: i64) -> ext2::MkfsOptions {
    ext2::MkfsOptions {
        label: what.as_bytes().to_vec(),
        uuid: text_order(derived_guid(seed, what)),
        hash_seed: derived_guid(seed, &format!("{what} hash")),
        time: ext2::Timestamp::from_secs(time),
        ..ext2::MkfsOptions::default()
    }
}

/// A FAT filesystem holding an empty `EFI/BOOT`, made in memory and copied
/// to `dev` without its zero blocks, so the image file stays sparse.
fn write_esp(dev: &mut impl BlockDevice, seed: u64) -> Result<(), DiskError> {
    let size = usize::try_from(dev.size()).map_err(|_| DiskError::TooSmall)?;
    let mut volume = std::io::Cursor::new(vec![0u8; size]);
    let serial = u32::from_le_bytes(derived_guid(seed, "esp")[..4].try_into().expect("4 bytes"));
    fatfs::format_volume(
        &mut volume,
        fatfs::FormatVolumeOptions::new()
            .volume_id(serial)
            .volume_label(*b"BASALT ESP "),
    )?;
    {
        let fs = fatfs::FileSystem::new(&mut volume, fatfs::FsOptions::new())?;
        fs.root_dir()
            .create_dir("EFI")
            .and_then(|efi| efi.create_dir("BOOT"))?;
        fs.unmount()?;
    }
    write_non_zero(dev, 0, volume.get_ref())
}

/// Writes the 4 KiB blocks of `bytes` that are not all zero: the device is
/// a fresh sparse file, zero already, and stays sparse where it can.
fn write_non_zero(dev: &mut impl BlockDevice, at: u64, bytes: &[u8]) -> Result<(), DiskError> {
    for (i, block) in bytes.chunks(4096).enumerate() {
        if block.iter().any(|&b| b != 0) {
            dev.write_at(at + i as u64 * 4096, block)?;
        }
    }
    Ok(())
}

/// Runs grub-mkimage for `prefix` and returns core.img.
fn make_core_img(grub: &GrubDir, scratch: &Path) -> Result<Vec<u8>, BuildError> {
    let mut cmd = Command::new(&grub.mkimage);
    cmd.args(["-O", "i386-pc", "-d"])
        .arg(&grub.i386_pc)
        .args(["-p", grub.prefix.path(), "-o"])
        .arg(scratch)
        .args(CORE_MODULES);
    crate::run(cmd, "grub-mkimage")?;
    let core = std::fs::read(scratch).map_err(io("read", scratch))?;
    let _ = std::fs::remove_file(scratch);
    Ok(core)
}

/// Byte window `[first, last]` of GPT entry `index` on `dev`.
fn gpt_window<D: BlockDevice>(dev: D, gpt: &Gpt, index: usize) -> Result<Partition<D>, DiskError> {
    let e = &gpt.entries[index];
    Ok(Partition::new(
        dev,
        e.first_lba * SECTOR,
        Some(e.sectors() * SECTOR),
    )?)
}

/// Writes `out`, a raw sparse GPT disk image of `opts.size` bytes, from the
/// image root `root` (which holds boot/kernel) and the kernel itself, with
/// `grub` installed for BIOS.
pub fn write_gpt_image(
    out: &Path,
    root: &Path,
    kernel: &Path,
    grub: &GrubDir,
    opts: &DiskOptions,
) -> Result<DiskReport, BuildError> {
    let core = make_core_img(grub, &out.with_extension("core.img"))?;
    let boot_img = std::fs::read(grub.i386_pc.join("boot.img"))
        .map_err(io("read", &grub.i386_pc.join("boot.img")))?;
    let kernel_bytes = std::fs::read(kernel).map_err(io("read", kernel))?;

    // Read as well as written: the libraries read back what they lay out.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(out)
        .map_err(io("create", out))?;
    file.set_len(opts.size).map_err(io("size", out))?;
    let mut disk = FileDevice::new(file).map_err(io("open", out))?;
    let inputs = Inputs {
        root,
        kernel: &kernel_bytes,
        boot_img: &boot_img,
        core_img: &core,
    };
    Ok(assemble(&mut disk, &inputs, grub.prefix, opts)?)
}

/// What goes on the disk besides its layout.
struct Inputs<'a> {
    root: &'a Path,
    kernel: &'a [u8],
    boot_img: &'a [u8],
    core_img: &'a [u8],
}

/// Lays out, fills and makes bootable the fresh zeroed `disk`.
fn assemble(
    disk: &mut FileDevice,
    inputs: &Inputs<'_>,
    prefix: GrubPrefix,
    opts: &DiskOptions,
) -> Result<DiskReport, DiskError> {
    let seed = opts.seed;
    let mut gpt = Gpt::new(opts.size / SECTOR, derived_guid(seed, "disk"))?;
    let bios = gpt.add(
        Some(0),
        None,
        Some(MIB / SECTOR),
        gpt_entry("bios", seed, "BIOS boot"),
    )?;
    let esp = gpt.add(
        Some(1),
        None,
        Some(opts.esp_size / SECTOR),
        gpt_entry("efi", seed, "EFI system"),
    )?;
    // /boot goes before the label so the label can fill the rest of the disk.
    let boot_partition = match prefix {
        GrubPrefix::BootPartition => Some(gpt.add(
            Some(3),
            None,
            Some(opts.boot_size / SECTOR),
            gpt_entry("linux", seed, "Basalt boot"),
        )?),
        GrubPrefix::NestedLabel => None,
    };
    let slice = gpt.add(
        Some(2),
        None,
        None,
        gpt_entry("dragonfly-label64", seed, "Basalt"),
    )?;
    gpt.write(&mut *disk)?;

    write_esp(&mut gpt_window(&mut *disk, &gpt, esp)?, seed)?;

    // The disklabel64: `a` the root, `b` swap, laid out as DragonFly would.
    let mut slice_dev = gpt_window(&mut *disk, &gpt, slice)?;
    let mut label = Label64::auto(
        slice_dev.size(),
        slice_dev.base(),
        derived_guid(seed, "label"),
    )?;
    let usable = label.pstop - label.pbase;
    let root_size = usable
        .checked_sub(opts.swap_size)
        .filter(|&s| s >= 16 * MIB)
        .ok_or(DiskError::TooSmall)?
        / MIB
        * MIB;
    label.partitions[0] = Partition64 {
        offset: label.pbase,
        size: root_size,
        fstype: fstype::EXT2FS,
        type_uuid: Label64::type_uuid_for(fstype::EXT2FS),
        storage_uuid: derived_guid(seed, "root partition"),
    };
    label.partitions[1] = Partition64 {
        offset: label.pbase + root_size,
        size: opts.swap_size,
        fstype: fstype::SWAP,
        type_uuid: Label64::type_uuid_for(fstype::SWAP),
        storage_uuid: derived_guid(seed, "swap partition"),
    };
    label.write(&mut slice_dev)?;

    let root_options = mkfs_options(seed, "basalt-root", opts.time);
    let root_uuid = partition::format_guid(&derived_guid(seed, "basalt-root"));
    let cfg = grub_config(&root_uuid).render();
    let root_start = slice_dev.base() + label.pbase;
    let root_dev = Partition::new(&mut slice_dev, label.pbase, Some(root_size))?;
    let mut fs = ext2::mkfs(root_dev, &root_options)?;
    fs.set_fixed_time(Some(ext2::Timestamp::from_secs(opts.time)));
    ext2::populate(&mut fs, inputs.root, ext2::ROOT_INO)?;
    access_times_from_mtimes(&mut fs, ext2::ROOT_INO)?;
    put_file(&mut fs, "boot/grub/grub.cfg", cfg.as_bytes())?;
    fs.sync()?;
    drop(fs);

    if let Some(index) = boot_partition {
        let dev = gpt_window(&mut *disk, &gpt, index)?;
        let mut fs = ext2::mkfs(dev, &mkfs_options(seed, "basalt-boot", opts.time))?;
        fs.set_fixed_time(Some(ext2::Timestamp::from_secs(opts.time)));
        put_file(&mut fs, "boot/kernel", inputs.kernel)?;
        put_file(&mut fs, "boot/grub/grub.cfg", cfg.as_bytes())?;
        fs.sync()?;
    }

    let core_lba = gpt.entries[bios].first_lba;
    boot::bios::install_bios_boot(disk, inputs.boot_img, inputs.core_img, core_lba)?;
    Ok(DiskReport {
        prefix,
        root_uuid,
        root: root_start..root_start + root_size,
        core_img_sectors: inputs.core_img.len().div_ceil(SECTOR as usize) as u64,
    })
}
