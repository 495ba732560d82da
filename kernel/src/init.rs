//! Starting userland: the root filesystem (an ext2 volume named by
//! `root=`, else the initramfs), devfs on /dev, the console as descriptors
//! 0-2, and process 1.

use crate::block::volume::{self, Volume};
use crate::bootinfo::BootInfo;
use crate::cmdline::Cmdline;
use crate::fs::file::{O_RDWR, OpenFile, Target};
use crate::fs::path::{self, Follow};
use crate::fs::{device, fdtable::FdTable, node::Node};
use crate::mm::phys;
use crate::mm::vm::AddressSpace;
use crate::task::exec;
use crate::task::signal::{SigActions, SigSet};
use crate::task::{Credentials, Process, ProcessParts, Thread};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use spin::Mutex;

/// Mounts the root filesystem and devfs on /dev: the ext2 volume `root=`
/// names (`root=UUID=<filesystem UUID>` or `root=/dev/vbd0p3a`), read-write,
/// even when there is an initramfs too; else a tmpfs filled from the first
/// boot module when it is an initramfs.
pub fn mount_root(info: &BootInfo, cmdline: &Cmdline<'_>) {
    let from_disk = cmdline.get("root").and_then(|spec| {
        let found = disk_root(spec);
        if found.is_none() {
            log::error!("root={spec}: no such ext2 filesystem; falling back to the initramfs");
        }
        found
    });
    match from_disk {
        Some((root, source)) => {
            log::info!("root: ext2 on {source}");
            path::set_root(root, "ext2", &source);
        }
        None => {
            path::set_root(path::new_tmpfs(), "tmpfs", "rootfs");
            unpack_initramfs(info);
        }
    }
    let root = path::root();
    let dev = match path::resolve(&root, "/dev", Follow::Yes) {
        Ok(dev) => dev,
        Err(_) => {
            let node = root
                .node()
                .create("dev", Node::directory(root.node().dev, 0o755))
                .expect("root is a writable directory");
            path::child_of(&root, node)
        }
    };
    path::mount(&dev, device::new_devfs(), "devfs", "devfs").expect("/dev is a directory");
}

/// The ext2 volume `spec` names, mounted, and its /dev path.
fn disk_root(spec: &str) -> Option<(crate::fs::NodeRef, String)> {
    let volume = match spec.strip_prefix("UUID=") {
        Some(uuid) => {
            let uuid = parse_uuid(uuid)?;
            volume::volumes()
                .iter()
                .find(|v| ext2_uuid(v) == Some(uuid))
                .cloned()?
        }
        None => volume::by_name(spec.strip_prefix("/dev/").unwrap_or(spec))?,
    };
    let root = crate::fs::ext2fs::mount(&volume, false).ok()?;
    Some((root, alloc::format!("/dev/{}", volume.name)))
}

/// The UUID in an ext2 superblock on `volume`, if it holds one.
fn ext2_uuid(volume: &Volume) -> Option<[u8; 16]> {
    use ext2::raw::{MAGIC, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, Superblock};
    let mut bytes = alloc::vec![0u8; SUPERBLOCK_SIZE];
    if volume.read_at(SUPERBLOCK_OFFSET, &mut bytes).ok()? != SUPERBLOCK_SIZE {
        return None;
    }
    let superblock = Superblock(bytes);
    (superblock.magic() == MAGIC).then(|| superblock.uuid())
}

/// `0123abcd-...`: 32 hex digits, dashes anywhere ignored.
fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let digits: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
    if digits.len() != 32 {
        return None;
    }
    let mut uuid = [0u8; 16];
    for (byte, pair) in uuid.iter_mut().zip(digits.chunks(2)) {
        let text = core::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(uuid)
}

/// Fills the (tmpfs) root from the first boot module when it is an initramfs.
fn unpack_initramfs(info: &BootInfo) {
    if let Some(module) = info.modules.first() {
        // SAFETY: the module's frames are reserved for it at boot and the
        // direct map covers them; nothing writes them.
        let archive = unsafe {
            core::slice::from_raw_parts(
                phys::to_virt(module.start) as *const u8,
                module.len as usize,
            )
        };
        if archive.starts_with(cpio::MAGIC) {
            match crate::fs::initramfs::unpack(archive) {
                Ok(done) => log::info!("initramfs: {} entries, {} bytes", done.entries, done.bytes),
                Err(e) => log::error!("initramfs: {e}"),
            }
        } else {
            log::warn!("module 0 is not a newc cpio archive; no initramfs");
        }
    }
}

/// Finds and starts init; returns false when there is none.
pub fn start_init(cmdline: &Cmdline<'_>) -> bool {
    let root = path::root();
    let candidates: Vec<&str> = match cmdline.get("rdinit").or(cmdline.get("init")) {
        Some(path) => alloc::vec![path],
        None => alloc::vec!["/init", "/sbin/init"],
    };
    let Some(program) = candidates
        .into_iter()
        .find(|p| path::resolve(&root, p, Follow::Yes).is_ok())
    else {
        return false;
    };
    let mut argv: Vec<Vec<u8>> = alloc::vec![program.as_bytes().to_vec()];
    argv.extend(cmdline.init_words().into_iter().map(String::into_bytes));
    let envp: Vec<Vec<u8>> = alloc::vec![
        b"HOME=/".to_vec(),
        b"TERM=linux".to_vec(),
        b"PATH=/sbin:/bin:/usr/sbin:/usr/bin".to_vec()
    ];

    let mut files = FdTable::new();
    let console = path::resolve(&root, "/dev/console", Follow::Yes).expect("devfs is mounted");
    let console = OpenFile::new(Target::Node(console), O_RDWR);
    for _ in 0..3 {
        files.insert(console.clone(), false).expect("empty table");
    }
    let process = Process::new(
        None,
        ProcessParts {
            vm: AddressSpace::new().expect("memory for init"),
            files: Arc::new(Mutex::new(files)),
            cwd: root,
            umask: 0o022,
            creds: Credentials::default(),
            sigactions: Arc::new(Mutex::new(SigActions::default())),
            pgid: None,
            sid: None,
            cmdline: alloc::vec![String::from(program)],
            exe: String::from(program),
            ctty: None,
        },
    );
    let mut entry = exec::initial_frame();
    let thread = Thread::spawn(&process, &entry, None, SigSet::EMPTY, 0).expect("memory for init");
    if let Err(e) = exec::execve(&thread, program, argv, envp, &mut entry.frame) {
        panic!("cannot run init {program}: {}", e.description());
    }
    thread.set_entry(&entry);
    log::info!("starting init: {program}");
    true
}
