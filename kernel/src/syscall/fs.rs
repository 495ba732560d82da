//! File system calls.

use super::{Context, Result};
use crate::fs::access::{self, Ids};
use crate::fs::device;
use crate::fs::file::{O_ACCMODE, O_APPEND, O_NONBLOCK, OpenFile, Target};
use crate::fs::node::{Body, Node, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG};
use crate::fs::path::{self, Follow, Location};
use crate::fs::pipe::Pipe;
use abi::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;
use spin::Mutex;
use zerocopy::IntoBytes;

use abi::fs::{O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_TRUNC};

/// `AT_FDCWD` as the register carries it.
pub const AT_FDCWD: u64 = abi::fs::AT_FDCWD as i64 as u64;
pub const AT_SYMLINK_NOFOLLOW: u64 = abi::fs::AT_SYMLINK_NOFOLLOW as u64;
pub const AT_REMOVEDIR: u64 = abi::fs::AT_REMOVEDIR as u64;
const AT_EMPTY_PATH: u64 = abi::fs::AT_EMPTY_PATH as u64;

fn fd_of(arg: u64) -> i32 {
    arg as i32
}

pub(super) fn file(ctx: &Context<'_>, fd: u64) -> Result<Arc<OpenFile>> {
    ctx.thread.process.files.lock().get(fd_of(fd))
}

/// The directory a *at call starts from.
fn start_dir(ctx: &Context<'_>, dirfd: u64) -> Result<Location> {
    if fd_of(dirfd) == fd_of(AT_FDCWD) {
        return Ok(ctx.thread.process.cwd.lock().clone());
    }
    let file = file(ctx, dirfd)?;
    file.location().cloned().ok_or(Errno::ENOTDIR)
}

fn lookup(ctx: &Context<'_>, dirfd: u64, path_addr: u64, follow: Follow) -> Result<Location> {
    let path = ctx.mem().read_path(path_addr)?;
    path::resolve(&start_dir(ctx, dirfd)?, &path, follow)
}

/// Kernel-side bounce buffers stay this small, whatever a program asks for:
/// a large request is served in pieces, so no user call can exhaust the heap.
const CHUNK: usize = 64 * 1024;
/// Files on disk move in larger pieces: each piece is one filesystem call
/// and, for a file laid out contiguously, one disk request.
const FILE_CHUNK: usize = 1 << 20;

fn chunk_size(file: &OpenFile) -> usize {
    if matches!(file.target, Target::Node(_)) {
        FILE_CHUNK
    } else {
        CHUNK
    }
}

pub fn read(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64) -> Result {
    let file = file(ctx, fd)?;
    let mut chunk = alloc::vec![0u8; (len as usize).min(chunk_size(&file))];
    let mut done = 0u64;
    while done < len {
        let want = ((len - done) as usize).min(chunk.len());
        let n = match file.read(&mut chunk[..want]) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        ctx.mem().write(buf + done, &chunk[..n])?;
        done += n as u64;
        // A short read (a pipe, a terminal, the end of a file) ends the call.
        if n < want || !matches!(file.target, Target::Node(_)) {
            break;
        }
    }
    Ok(done)
}

pub fn write(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64) -> Result {
    let file = file(ctx, fd)?;
    let mut done = 0u64;
    while done < len {
        let n = ((len - done) as usize).min(chunk_size(&file));
        let data = ctx.mem().read_vec(buf + done, n)?;
        match write_data(ctx, &file, &data) {
            Ok(written) => done += written,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub(super) fn write_data(ctx: &Context<'_>, file: &OpenFile, data: &[u8]) -> Result {
    match file.write(data) {
        Err(Errno::EPIPE) => {
            let me = &ctx.thread;
            let info = crate::task::signal::SigInfo::user(
                crate::task::signal::SIGPIPE,
                0,
                me.process.pid,
                0,
            );
            crate::task::signal::send_thread(me, crate::task::signal::SIGPIPE, info);
            Err(Errno::EPIPE)
        }
        other => other.map(|n| n as u64),
    }
}

pub fn pread(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64, offset: u64) -> Result {
    let file = file(ctx, fd)?;
    let mut data = alloc::vec![0u8; (len as usize).min(1 << 20)];
    let n = file.read_at(offset, &mut data)?;
    ctx.mem().write(buf, &data[..n])?;
    Ok(n as u64)
}

pub fn pwrite(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64, offset: u64) -> Result {
    let file = file(ctx, fd)?;
    let data = ctx.mem().read_vec(buf, (len as usize).min(16 << 20))?;
    Ok(file.write_at(offset, &data)? as u64)
}

pub(super) fn iovecs(ctx: &Context<'_>, iov: u64, count: u64) -> Result<Vec<(u64, u64)>> {
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    (0..count)
        .map(|i| {
            Ok((
                ctx.mem().read_u64(iov + i * 16)?,
                ctx.mem().read_u64(iov + i * 16 + 8)?,
            ))
        })
        .collect()
}

pub fn readv(ctx: &mut Context<'_>, fd: u64, iov: u64, count: u64) -> Result {
    let mut total = 0;
    for (base, len) in iovecs(ctx, iov, count)? {
        let n = read(ctx, fd, base, len)?;
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total)
}

pub fn writev(ctx: &mut Context<'_>, fd: u64, iov: u64, count: u64) -> Result {
    let file = file(ctx, fd)?;
    let mut data = Vec::new();
    for (base, len) in iovecs(ctx, iov, count)? {
        data.extend(ctx.mem().read_vec(base, len as usize)?);
    }
    write_data(ctx, &file, &data)
}

pub fn openat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, flags: u64, mode: u64) -> Result {
    let flags = flags as u32;
    let path = ctx.mem().read_path(path_addr)?;
    let start = start_dir(ctx, dirfd)?;
    let follow = if flags & O_NOFOLLOW != 0 {
        Follow::No
    } else {
        Follow::Yes
    };
    let location = match path::resolve(&start, &path, follow) {
        Ok(found) => {
            if flags & O_CREAT != 0 && flags & O_EXCL != 0 {
                return Err(Errno::EEXIST);
            }
            found
        }
        Err(Errno::ENOENT) if flags & O_CREAT != 0 => {
            let (parent, name) = path::resolve_parent(&start, &path)?;
            let umask = ctx.thread.process.umask.load(Ordering::Relaxed);
            let node = Node::file(
                parent.node().dev,
                (mode as u32) & 0o7777 & !umask,
                Vec::new(),
            );
            set_owner(ctx, &node);
            let node = parent.node().create(name, node)?;
            path::child_of(&parent, node)
        }
        Err(e) => return Err(e),
    };
    let node = location.node().clone();
    if node.link_target().is_some() && flags & O_PATH == 0 {
        return Err(Errno::ELOOP);
    }
    if flags & O_DIRECTORY != 0 && !node.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if node.is_dir() && flags & O_ACCMODE != 0 {
        return Err(Errno::EISDIR);
    }
    if flags & O_PATH == 0 {
        let want = match flags & O_ACCMODE {
            0 => access::READ,
            1 => access::WRITE,
            _ => access::READ | access::WRITE,
        } | if flags & O_TRUNC != 0 {
            access::WRITE
        } else {
            0
        };
        access::check(&node, Ids::Effective, want)?;
    }
    if flags & O_TRUNC != 0 && flags & O_ACCMODE != 0 {
        match &node.body {
            Body::File(data) => {
                data.lock().clear();
                node.touch();
            }
            Body::Ext2(file) if !node.is_dir() => file.truncate(0)?,
            _ => {}
        }
    }
    let target = match &node.body {
        Body::Fifo => {
            // Named pipes are not shared between openers yet.
            return Err(Errno::ENXIO);
        }
        Body::Device(major, minor) if device::is_terminal((*major, *minor)) => {
            crate::tty::by_device((*major, *minor))?.opened(flags & O_NOCTTY != 0);
            Target::Node(location)
        }
        _ => Target::Node(location),
    };
    let status = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
    let file = OpenFile::new(target, status);
    let fd = ctx
        .thread
        .process
        .files
        .lock()
        .insert(file, flags & O_CLOEXEC != 0)?;
    Ok(fd as u64)
}

fn set_owner(ctx: &Context<'_>, node: &Node) {
    let creds = ctx.thread.process.creds.lock();
    let mut meta = node.meta.lock();
    meta.uid = creds.euid;
    meta.gid = creds.egid;
}

pub fn close(ctx: &mut Context<'_>, fd: u64) -> Result {
    ctx.thread.process.files.lock().close(fd_of(fd))?;
    Ok(0)
}

pub fn lseek(ctx: &mut Context<'_>, fd: u64, offset: u64, whence: u64) -> Result {
    let file = file(ctx, fd)?;
    if !matches!(file.target, Target::Node(_)) {
        return Err(Errno::ESPIPE);
    }
    let size = file.node().map_or(0, |n| n.size()) as i64;
    let mut current = file.offset.lock();
    let new = match whence {
        0 => offset as i64,
        1 => *current as i64 + offset as i64,
        2 => size + offset as i64,
        _ => return Err(Errno::EINVAL),
    };
    if new < 0 {
        return Err(Errno::EINVAL);
    }
    *current = new as u64;
    Ok(new as u64)
}

/// The fields of `struct stat` and `statx` we know.
struct Attributes {
    dev: u64,
    ino: u64,
    mode: u32,
    nlink: u32,
    uid: u32,
    gid: u32,
    rdev: (u32, u32),
    size: u64,
    /// Allocated 512-byte units.
    blocks: u64,
    atime: (i64, u32),
    mtime: (i64, u32),
    ctime: (i64, u32),
}

fn attributes(node: &Node) -> Attributes {
    let (size, blocks) = match &node.body {
        Body::Ext2(file) => file.refresh(node).map_or((0, 0), |s| (s.size, s.blocks)),
        _ => (node.size(), node.size().div_ceil(512)),
    };
    let meta = *node.meta.lock();
    let rdev = match &node.body {
        Body::Device(major, minor) => (*major, *minor),
        Body::Block(volume) => (crate::fs::node::BLOCK_MAJOR, volume.minor),
        _ => (0, 0),
    };
    Attributes {
        dev: node.dev,
        ino: node.ino,
        mode: meta.mode,
        nlink: meta.nlink,
        uid: meta.uid,
        gid: meta.gid,
        rdev,
        size,
        blocks,
        atime: meta.atime,
        mtime: meta.mtime,
        ctime: meta.ctime,
    }
}

fn pipe_attributes() -> Attributes {
    Attributes {
        dev: 0,
        ino: 0,
        mode: S_IFIFO | 0o600,
        nlink: 1,
        uid: 0,
        gid: 0,
        rdev: (0, 0),
        size: 0,
        blocks: 0,
        atime: (0, 0),
        mtime: (0, 0),
        ctime: (0, 0),
    }
}

fn encode_dev((major, minor): (u32, u32)) -> u64 {
    (u64::from(major & 0xfff) << 8)
        | u64::from(minor & 0xff)
        | (u64::from(minor & !0xff) << 12)
        | (u64::from(major & !0xfff) << 32)
}

fn stat_of(a: &Attributes) -> abi::fs::Stat {
    abi::fs::Stat {
        st_dev: a.dev,
        st_ino: a.ino,
        st_nlink: u64::from(a.nlink),
        st_mode: a.mode,
        st_uid: a.uid,
        st_gid: a.gid,
        st_rdev: encode_dev(a.rdev),
        st_size: a.size as i64,
        st_blksize: 4096,
        st_blocks: a.blocks as i64,
        st_atime: a.atime.0,
        st_atime_nsec: i64::from(a.atime.1),
        st_mtime: a.mtime.0,
        st_mtime_nsec: i64::from(a.mtime.1),
        st_ctime: a.ctime.0,
        st_ctime_nsec: i64::from(a.ctime.1),
        ..Default::default()
    }
}

fn statx_of(a: &Attributes) -> abi::fs::Statx {
    let stamp = |(tv_sec, tv_nsec): (i64, u32)| abi::fs::StatxTimestamp {
        tv_sec,
        tv_nsec,
        _reserved: 0,
    };
    abi::fs::Statx {
        stx_mask: abi::fs::STATX_BASIC_STATS,
        stx_blksize: 4096,
        stx_nlink: a.nlink,
        stx_uid: a.uid,
        stx_gid: a.gid,
        stx_mode: a.mode as u16,
        stx_ino: a.ino,
        stx_size: a.size,
        stx_blocks: a.blocks,
        stx_atime: stamp(a.atime),
        stx_btime: stamp(a.ctime),
        stx_ctime: stamp(a.ctime),
        stx_mtime: stamp(a.mtime),
        stx_rdev_major: a.rdev.0,
        stx_rdev_minor: a.rdev.1,
        stx_dev_major: (a.dev >> 8) as u32,
        stx_dev_minor: (a.dev & 0xff) as u32,
        ..Default::default()
    }
}

fn file_attributes(file: &OpenFile) -> Attributes {
    match (&file.target, file.node()) {
        (_, Some(node)) => attributes(node),
        (Target::Socket { .. }, None) => Attributes {
            mode: abi::fs::S_IFSOCK | 0o777,
            ..pipe_attributes()
        },
        _ => pipe_attributes(),
    }
}

pub fn fstat(ctx: &mut Context<'_>, fd: u64, buf: u64) -> Result {
    let file = file(ctx, fd)?;
    ctx.mem()
        .write(buf, stat_of(&file_attributes(&file)).as_bytes())?;
    Ok(0)
}

fn attributes_at(ctx: &Context<'_>, dirfd: u64, path_addr: u64, flags: u64) -> Result<Attributes> {
    let path = ctx.mem().read_path(path_addr)?;
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        return Ok(file_attributes(&*file(ctx, dirfd)?));
    }
    let follow = if flags & AT_SYMLINK_NOFOLLOW != 0 {
        Follow::No
    } else {
        Follow::Yes
    };
    let location = path::resolve(&start_dir(ctx, dirfd)?, &path, follow)?;
    Ok(attributes(location.node()))
}

pub fn newfstatat(ctx: &mut Context<'_>, dirfd: u64, path: u64, buf: u64, flags: u64) -> Result {
    let attrs = attributes_at(ctx, dirfd, path, flags)?;
    ctx.mem().write(buf, stat_of(&attrs).as_bytes())?;
    Ok(0)
}

pub fn statx(ctx: &mut Context<'_>, dirfd: u64, path: u64, flags: u64, buf: u64) -> Result {
    let attrs = attributes_at(ctx, dirfd, path, flags)?;
    ctx.mem().write(buf, statx_of(&attrs).as_bytes())?;
    Ok(0)
}

fn dtype(node: &Node) -> u8 {
    match node.mode() & S_IFMT {
        S_IFDIR => 4,
        S_IFREG => 8,
        S_IFLNK => 10,
        S_IFCHR => 2,
        S_IFIFO => 1,
        _ => 0,
    }
}

pub fn getdents64(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64) -> Result {
    let file = file(ctx, fd)?;
    let location = file.location().ok_or(Errno::ENOTDIR)?.clone();
    let dir = location.node();
    let mut entries = alloc::vec![
        (alloc::string::String::from("."), dir.ino, 4u8),
        (alloc::string::String::from(".."), dir.ino, 4u8),
    ];
    entries.extend(
        dir.entries()?
            .into_iter()
            .map(|(name, node)| (name, node.ino, dtype(&node))),
    );
    let mut offset = file.offset.lock();
    let mut out = Vec::new();
    let mut index = *offset as usize;
    while let Some((name, ino, kind)) = entries.get(index) {
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > len as usize {
            break;
        }
        let start = out.len();
        out.resize(start + reclen, 0);
        out[start..start + 8].copy_from_slice(&ino.to_le_bytes());
        out[start + 8..start + 16].copy_from_slice(&((index + 1) as u64).to_le_bytes());
        out[start + 16..start + 18].copy_from_slice(&(reclen as u16).to_le_bytes());
        out[start + 18] = *kind;
        out[start + 19..start + 19 + name.len()].copy_from_slice(name.as_bytes());
        index += 1;
    }
    if out.is_empty() && index < entries.len() {
        return Err(Errno::EINVAL);
    }
    *offset = index as u64;
    ctx.mem().write(buf, &out)?;
    Ok(out.len() as u64)
}

pub fn dup(ctx: &mut Context<'_>, fd: u64) -> Result {
    let mut files = ctx.thread.process.files.lock();
    let file = files.get(fd_of(fd))?;
    Ok(files.insert(file, false)? as u64)
}

pub fn dup3(ctx: &mut Context<'_>, old: u64, new: u64, flags: u64, dup2: bool) -> Result {
    let mut files = ctx.thread.process.files.lock();
    let file = files.get(fd_of(old))?;
    if old == new {
        return if dup2 { Ok(new) } else { Err(Errno::EINVAL) };
    }
    files.insert_at(fd_of(new), file, flags as u32 & O_CLOEXEC != 0)?;
    Ok(new)
}

pub fn fcntl(ctx: &mut Context<'_>, fd: u64, cmd: u64, arg: u64) -> Result {
    use abi::fs::{F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL};
    let mut files = ctx.thread.process.files.lock();
    let cmd = cmd as u32;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let file = files.get(fd_of(fd))?;
            Ok(files.insert_from(arg as usize, file, cmd == F_DUPFD_CLOEXEC)? as u64)
        }
        F_GETFD => Ok(u64::from(files.descriptor(fd_of(fd))?.cloexec)),
        F_SETFD => files.set_cloexec(fd_of(fd), arg & 1 != 0).map(|_| 0),
        F_GETFL => Ok(u64::from(
            files.get(fd_of(fd))?.flags.load(Ordering::Relaxed),
        )),
        F_SETFL => {
            let file = files.get(fd_of(fd))?;
            let keep = file.flags.load(Ordering::Relaxed) & O_ACCMODE;
            file.flags.store(
                keep | (arg as u32 & (O_APPEND | O_NONBLOCK)),
                Ordering::Relaxed,
            );
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn ioctl(ctx: &mut Context<'_>, fd: u64, request: u64, arg: u64) -> Result {
    use abi::tty::{FIOCLEX, FIONBIO, FIONCLEX};
    let file = file(ctx, fd)?;
    // Requests about the descriptor, whatever it refers to.
    match request as u32 {
        FIONBIO => {
            let on = ctx.mem().read_u32(arg)? != 0;
            let flags = file.flags.load(Ordering::Relaxed);
            let flags = if on {
                flags | O_NONBLOCK
            } else {
                flags & !O_NONBLOCK
            };
            file.flags.store(flags, Ordering::Relaxed);
            return Ok(0);
        }
        FIOCLEX | FIONCLEX => {
            let mut files = ctx.thread.process.files.lock();
            return files
                .set_cloexec(fd_of(fd), request as u32 == FIOCLEX)
                .map(|_| 0);
        }
        _ => {}
    }
    match file.node().map(|n| &n.body) {
        Some(Body::Device(major, minor)) if device::is_terminal((*major, *minor)) => {
            crate::tty::by_device((*major, *minor))?.ioctl(&ctx.mem(), request as u32, arg)
        }
        _ => Err(Errno::ENOTTY),
    }
}

pub fn pipe2(ctx: &mut Context<'_>, fds: u64, flags: u64) -> Result {
    let pipe = Arc::new(Pipe::new());
    let status = flags as u32 & O_NONBLOCK;
    let cloexec = flags as u32 & O_CLOEXEC != 0;
    let read_end = OpenFile::new(Target::PipeRead(pipe.clone()), status);
    let write_end = OpenFile::new(Target::PipeWrite(pipe), status | 1);
    let (r, w) = {
        let mut files = ctx.thread.process.files.lock();
        let r = files.insert(read_end, cloexec)?;
        let w = files.insert(write_end, cloexec)?;
        (r, w)
    };
    let mut pair = [0u8; 8];
    pair[..4].copy_from_slice(&r.to_le_bytes());
    pair[4..].copy_from_slice(&w.to_le_bytes());
    ctx.mem().write(fds, &pair)?;
    Ok(0)
}

pub fn getcwd(ctx: &mut Context<'_>, buf: u64, size: u64) -> Result {
    let path = ctx.thread.process.cwd.lock().path();
    if path.len() + 1 > size as usize {
        return Err(Errno::ERANGE);
    }
    ctx.mem().write(buf, path.as_bytes())?;
    ctx.mem().write(buf + path.len() as u64, &[0])?;
    Ok(path.len() as u64 + 1)
}

pub fn chdir(ctx: &mut Context<'_>, path_addr: u64) -> Result {
    let location = lookup(ctx, AT_FDCWD, path_addr, Follow::Yes)?;
    if !location.node().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    *ctx.thread.process.cwd.lock() = location;
    Ok(0)
}

pub fn fchdir(ctx: &mut Context<'_>, fd: u64) -> Result {
    let location = file(ctx, fd)?.location().cloned().ok_or(Errno::ENOTDIR)?;
    if !location.node().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    *ctx.thread.process.cwd.lock() = location;
    Ok(0)
}

pub fn mkdirat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, mode: u64) -> Result {
    let path = ctx.mem().read_path(path_addr)?;
    let (parent, name) = path::resolve_parent(&start_dir(ctx, dirfd)?, &path)?;
    let umask = ctx.thread.process.umask.load(Ordering::Relaxed);
    let node = Node::directory(parent.node().dev, mode as u32 & 0o7777 & !umask);
    set_owner(ctx, &node);
    parent.node().create(name, node)?;
    Ok(0)
}

/// mknod(2): regular files, named pipes, and (for root) character
/// devices. Block devices come with the block layer.
pub fn mknodat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, mode: u64, dev: u64) -> Result {
    let path = ctx.mem().read_path(path_addr)?;
    let mode = mode as u32;
    let umask = ctx.thread.process.umask.load(Ordering::Relaxed);
    let perm = mode & 0o7777 & !umask;
    let (parent, name) = path::resolve_parent(&start_dir(ctx, dirfd)?, &path)?;
    let dev_fs = parent.node().dev;
    let node = match mode & S_IFMT {
        0 | S_IFREG => Node::file(dev_fs, perm, Vec::new()),
        S_IFIFO => Node::new(dev_fs, S_IFIFO | perm, Body::Fifo),
        S_IFCHR => {
            if ctx.thread.process.creds.lock().euid != 0 {
                return Err(Errno::EPERM);
            }
            // Linux's dev_t: major in bits 8-19 (and 32-43), minor in 0-7 and 20-31.
            let major = ((dev >> 8) & 0xfff) as u32 | ((dev >> 32) as u32 & !0xfff);
            let minor = (dev & 0xff) as u32 | ((dev >> 12) as u32 & !0xff);
            Node::new(dev_fs, S_IFCHR | perm, Body::Device(major, minor))
        }
        _ => return Err(Errno::EPERM),
    };
    set_owner(ctx, &node);
    parent.node().create(name, node)?;
    Ok(0)
}

/// copy_file_range(2) (and sendfile(2), the same without an output
/// offset): copies between files in the kernel, from the offsets given
/// (which it advances) or the files' own.
pub fn copy_file_range(
    ctx: &mut Context<'_>,
    in_fd: u64,
    in_offset: u64,
    out_fd: u64,
    out_offset: u64,
    len: u64,
) -> Result {
    let input = file(ctx, in_fd)?;
    let output = file(ctx, out_fd)?;
    let mut buf = alloc::vec![0u8; (len as usize).min(1 << 20)];
    let n = if in_offset != 0 {
        let offset = ctx.mem().read_u64(in_offset)?;
        let n = input.read_at(offset, &mut buf)?;
        ctx.mem().write_u64(in_offset, offset + n as u64)?;
        n
    } else {
        input.read(&mut buf)?
    };
    let written = if out_offset != 0 {
        let offset = ctx.mem().read_u64(out_offset)?;
        let written = output.write_at(offset, &buf[..n])?;
        ctx.mem().write_u64(out_offset, offset + written as u64)?;
        written
    } else {
        output.write(&buf[..n])?
    };
    Ok(written as u64)
}

pub fn unlinkat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, flags: u64) -> Result {
    let path = ctx.mem().read_path(path_addr)?;
    let (parent, name) = path::resolve_parent(&start_dir(ctx, dirfd)?, &path)?;
    parent.node().unlink(name, flags & AT_REMOVEDIR != 0)?;
    Ok(0)
}

pub fn symlinkat(ctx: &mut Context<'_>, target_addr: u64, dirfd: u64, path_addr: u64) -> Result {
    let target = ctx.mem().read_path(target_addr)?;
    let path = ctx.mem().read_path(path_addr)?;
    let (parent, name) = path::resolve_parent(&start_dir(ctx, dirfd)?, &path)?;
    let node = Node::new(
        parent.node().dev,
        S_IFLNK | 0o777,
        Body::Symlink(Mutex::new(target)),
    );
    set_owner(ctx, &node);
    parent.node().create(name, node)?;
    Ok(0)
}

pub fn readlinkat(
    ctx: &mut Context<'_>,
    dirfd: u64,
    path_addr: u64,
    buf: u64,
    size: u64,
) -> Result {
    let location = lookup(ctx, dirfd, path_addr, Follow::No)?;
    let target = location.node().link_target().ok_or(Errno::EINVAL)?;
    let n = target.len().min(size as usize);
    ctx.mem().write(buf, &target.as_bytes()[..n])?;
    Ok(n as u64)
}

pub fn linkat(ctx: &mut Context<'_>, olddir: u64, old: u64, newdir: u64, new: u64) -> Result {
    let source = lookup(ctx, olddir, old, Follow::No)?;
    if source.node().is_dir() {
        return Err(Errno::EPERM);
    }
    let path = ctx.mem().read_path(new)?;
    let (parent, name) = path::resolve_parent(&start_dir(ctx, newdir)?, &path)?;
    if parent.node().dev != source.node().dev {
        return Err(Errno::EXDEV);
    }
    parent.node().link(name, source.node().clone())?;
    Ok(0)
}

pub fn renameat(ctx: &mut Context<'_>, olddir: u64, old: u64, newdir: u64, new: u64) -> Result {
    let old_path = ctx.mem().read_path(old)?;
    let new_path = ctx.mem().read_path(new)?;
    let (old_parent, old_name) = path::resolve_parent(&start_dir(ctx, olddir)?, &old_path)?;
    let (new_parent, new_name) = path::resolve_parent(&start_dir(ctx, newdir)?, &new_path)?;
    let node = old_parent.node().lookup(old_name)?;
    if old_parent.node().dev != new_parent.node().dev {
        return Err(Errno::EXDEV);
    }
    if node.is_dir() && path::contains(&new_parent, &node) {
        return Err(Errno::EINVAL);
    }
    if let Body::Ext2(dir) = &old_parent.node().body {
        if new_parent
            .node()
            .lookup(new_name)
            .is_ok_and(|existing| existing.ino == node.ino)
        {
            return Ok(0);
        }
        dir.rename(old_name, new_parent.node(), new_name)?;
        return Ok(0);
    }
    if let Ok(existing) = new_parent.node().lookup(new_name) {
        if existing.ino == node.ino {
            return Ok(0);
        }
        new_parent.node().unlink(new_name, existing.is_dir())?;
    }
    old_parent.node().detach(old_name)?;
    new_parent.node().link(new_name, node)?;
    Ok(0)
}

/// access(2): checks with the real ids, so a set-user-id program asks
/// what its user may do.
pub fn faccessat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, mode: u64) -> Result {
    let location = lookup(ctx, dirfd, path_addr, Follow::Yes)?;
    access::check(location.node(), Ids::Real, mode as u32 & 7)?;
    Ok(0)
}

pub fn fchmodat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, mode: u64) -> Result {
    let location = lookup(ctx, dirfd, path_addr, Follow::Yes)?;
    chmod_node(location.node(), mode)
}

fn chmod_node(node: &Node, mode: u64) -> Result {
    access::check_owner(node)?;
    let mut meta = node.meta.lock();
    meta.mode = (meta.mode & S_IFMT) | (mode as u32 & 0o7777);
    meta.ctime = crate::time::realtime();
    drop(meta);
    node.store_meta()?;
    Ok(0)
}

pub fn fchmod(ctx: &mut Context<'_>, fd: u64, mode: u64) -> Result {
    let file = file(ctx, fd)?;
    chmod_node(file.node().ok_or(Errno::EINVAL)?, mode)
}

pub fn fchownat(ctx: &mut Context<'_>, dirfd: u64, path_addr: u64, uid: u64, gid: u64) -> Result {
    let location = lookup(ctx, dirfd, path_addr, Follow::Yes)?;
    chown_allowed(ctx, location.node(), uid as u32, gid as u32)?;
    let mut meta = location.node().meta.lock();
    if uid as u32 != u32::MAX {
        meta.uid = uid as u32;
    }
    if gid as u32 != u32::MAX {
        meta.gid = gid as u32;
    }
    drop(meta);
    location.node().store_meta()?;
    Ok(0)
}

/// Only root gives files away; an owner may change the group to one of
/// their own groups.
fn chown_allowed(ctx: &Context<'_>, node: &Node, uid: u32, gid: u32) -> Result<()> {
    let creds = ctx.thread.process.creds.lock();
    if creds.euid == 0 {
        return Ok(());
    }
    let meta = node.meta.lock();
    let keeps_owner = uid == u32::MAX || uid == meta.uid;
    let own_group = gid == u32::MAX || gid == creds.egid || creds.groups.contains(&gid);
    if meta.uid == creds.euid && keeps_owner && own_group {
        Ok(())
    } else {
        Err(Errno::EPERM)
    }
}

pub fn umask(ctx: &mut Context<'_>, mask: u64) -> Result {
    Ok(u64::from(
        ctx.thread
            .process
            .umask
            .swap(mask as u32 & 0o777, Ordering::Relaxed),
    ))
}

fn truncate_node(node: &Node, len: u64) -> Result {
    match &node.body {
        Body::File(data) => {
            data.lock().resize(len as usize, 0);
            node.touch();
            Ok(0)
        }
        Body::Dir(_) => Err(Errno::EISDIR),
        Body::Ext2(_) if node.is_dir() => Err(Errno::EISDIR),
        Body::Ext2(file) => {
            file.truncate(len)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

pub fn truncate(ctx: &mut Context<'_>, path_addr: u64, len: u64) -> Result {
    truncate_node(lookup(ctx, AT_FDCWD, path_addr, Follow::Yes)?.node(), len)
}

pub fn ftruncate(ctx: &mut Context<'_>, fd: u64, len: u64) -> Result {
    let file = file(ctx, fd)?;
    truncate_node(file.node().ok_or(Errno::EINVAL)?, len)
}

pub fn sendfile(
    ctx: &mut Context<'_>,
    out_fd: u64,
    in_fd: u64,
    offset_addr: u64,
    count: u64,
) -> Result {
    copy_file_range(ctx, in_fd, offset_addr, out_fd, 0, count)
}

/// Readiness of one descriptor: (readable, writable).
fn readiness(file: &OpenFile) -> (bool, bool) {
    match &file.target {
        Target::PipeRead(p) => (
            p.available() > 0 || p.writers.load(Ordering::Relaxed) == 0,
            false,
        ),
        Target::PipeWrite(p) => (false, p.available() < crate::fs::pipe::CAPACITY),
        Target::Socket { rx, tx } => (
            rx.available() > 0 || rx.writers.load(Ordering::Relaxed) == 0,
            tx.available() < crate::fs::pipe::CAPACITY,
        ),
        Target::Node(loc) => match loc.node().body {
            Body::Device(major, minor) if device::is_terminal((major, minor)) => {
                crate::tty::by_device((major, minor)).map_or((true, true), |tty| tty.poll())
            }
            _ => (true, true),
        },
    }
}

const POLLIN: u16 = abi::fs::POLLIN as u16;
const POLLOUT: u16 = abi::fs::POLLOUT as u16;
const POLLNVAL: u16 = abi::fs::POLLNVAL as u16;

/// Waits until a descriptor is ready or `timeout_ms` passes (negative: forever).
fn poll_fds(ctx: &Context<'_>, fds: u64, count: u64, timeout_ms: i64) -> Result {
    if count > 1024 {
        return Err(Errno::EINVAL);
    }
    let deadline =
        (timeout_ms >= 0).then(|| crate::time::ticks() + (timeout_ms as u64).div_ceil(10));
    loop {
        let mut ready = 0;
        for i in 0..count {
            let at = fds + i * 8;
            let mut entry = [0u8; 8];
            ctx.mem().read(at, &mut entry)?;
            let fd = i32::from_le_bytes(entry[0..4].try_into().expect("4 bytes"));
            let events = u16::from_le_bytes(entry[4..6].try_into().expect("2 bytes"));
            let revents = if fd < 0 {
                0
            } else {
                match ctx.thread.process.files.lock().get(fd) {
                    Ok(file) => {
                        let (r, w) = readiness(&file);
                        (if r { events & POLLIN } else { 0 })
                            | (if w { events & POLLOUT } else { 0 })
                    }
                    Err(_) => POLLNVAL,
                }
            };
            ctx.mem().write(at + 6, &revents.to_le_bytes())?;
            ready += u64::from(revents != 0);
        }
        if ready > 0 || deadline.is_some_and(|d| crate::time::ticks() >= d) {
            return Ok(ready);
        }
        crate::time::sleep_ticks(1)?;
    }
}

pub fn poll(ctx: &mut Context<'_>, fds: u64, count: u64, timeout_ms: i64) -> Result {
    poll_fds(ctx, fds, count, timeout_ms)
}

pub fn ppoll(ctx: &mut Context<'_>, fds: u64, count: u64, timeout: u64) -> Result {
    let ms = if timeout == 0 {
        -1
    } else {
        let secs = ctx.mem().read_u64(timeout)?;
        let nanos = ctx.mem().read_u64(timeout + 8)?;
        (secs * 1000 + nanos / 1_000_000) as i64
    };
    poll_fds(ctx, fds, count, ms)
}

/// The descriptors of an fd_set that are set, as (word index, bits).
fn read_fd_set(ctx: &Context<'_>, set: u64, nfds: u64) -> Result<Vec<u64>> {
    if set == 0 {
        return Ok(Vec::new());
    }
    (0..nfds.div_ceil(64))
        .map(|w| ctx.mem().read_u64(set + w * 8))
        .collect()
}

/// Keeps the bits of `wanted` whose descriptors are ready; counts them.
fn ready_bits(ctx: &Context<'_>, wanted: &[u64], nfds: u64, read: bool) -> Result<(Vec<u64>, u64)> {
    let mut out = Vec::with_capacity(wanted.len());
    let mut count = 0;
    for (w, &bits) in wanted.iter().enumerate() {
        let mut ready = 0u64;
        for b in 0..64 {
            let fd = w as u64 * 64 + b;
            if bits & (1 << b) == 0 || fd >= nfds {
                continue;
            }
            let (r, wr) = readiness(&*file(ctx, fd)?);
            if (read && r) || (!read && wr) {
                ready |= 1 << b;
                count += 1;
            }
        }
        out.push(ready);
    }
    Ok((out, count))
}

/// select and pselect6: waits until a descriptor in the sets is ready or the
/// timeout passes; `timeout_is_timespec` tells pselect6's timespec from
/// select's timeval. Exceptional conditions never occur on these files.
pub fn select(
    ctx: &mut Context<'_>,
    nfds: u64,
    readfds: u64,
    writefds: u64,
    exceptfds: u64,
    timeout: u64,
    timeout_is_timespec: bool,
) -> Result {
    if nfds > crate::fs::fdtable::MAX_FDS as u64 {
        return Err(Errno::EINVAL);
    }
    let deadline = if timeout == 0 {
        None
    } else {
        let secs = ctx.mem().read_u64(timeout)?;
        let frac = ctx.mem().read_u64(timeout + 8)?;
        let ms = secs * 1000
            + if timeout_is_timespec {
                frac / 1_000_000
            } else {
                frac / 1000
            };
        Some(crate::time::ticks() + ms.div_ceil(10))
    };
    let want_read = read_fd_set(ctx, readfds, nfds)?;
    let want_write = read_fd_set(ctx, writefds, nfds)?;
    loop {
        let (readable, r) = ready_bits(ctx, &want_read, nfds, true)?;
        let (writable, w) = ready_bits(ctx, &want_write, nfds, false)?;
        if r + w > 0 || deadline.is_some_and(|d| crate::time::ticks() >= d) {
            for (set, bits) in [(readfds, &readable), (writefds, &writable)] {
                for (i, word) in bits.iter().enumerate() {
                    ctx.mem().write_u64(set + i as u64 * 8, *word)?;
                }
            }
            for i in 0..read_fd_set(ctx, exceptfds, nfds)?.len() {
                ctx.mem().write_u64(exceptfds + i as u64 * 8, 0)?;
            }
            return Ok(r + w);
        }
        crate::time::sleep_ticks(1)?;
    }
}

/// mount(2): tmpfs, devfs, proc, and ext2 on a block device (read-only
/// with MS_RDONLY).
pub fn mount(ctx: &mut Context<'_>, source: u64, target: u64, fstype: u64, flags: u64) -> Result {
    let fstype = ctx.mem().read_path(fstype)?;
    let source_addr = source;
    let source = if source == 0 {
        alloc::string::String::from("none")
    } else {
        ctx.mem().read_path(source)?
    };
    let location = lookup(ctx, AT_FDCWD, target, Follow::Yes)?;
    let root = match fstype.as_str() {
        "tmpfs" | "ramfs" => path::new_tmpfs(),
        "devfs" | "devtmpfs" => device::new_devfs(),
        "proc" => crate::fs::procfs::root(),
        "ext2" => {
            let device = lookup(ctx, AT_FDCWD, source_addr, Follow::Yes)?;
            let Body::Block(volume) = &device.node().body else {
                return Err(Errno::ENOTBLK);
            };
            crate::fs::ext2fs::mount(volume, flags & MS_RDONLY != 0)?
        }
        _ => return Err(Errno::ENODEV),
    };
    path::mount(&location, root, &fstype, &source)?;
    Ok(0)
}

pub fn umount(ctx: &mut Context<'_>, target: u64) -> Result {
    let path = ctx.mem().read_path(target)?;
    let location = path::resolve(&ctx.thread.process.cwd.lock().clone(), &path, Follow::Yes)?;
    path::unmount(&location.path())?;
    // What was written there reaches the disk now, as on an unmount.
    crate::fs::sync_all()?;
    Ok(0)
}

const UTIME_NOW: u64 = abi::fs::UTIME_NOW as u64;
const UTIME_OMIT: u64 = abi::fs::UTIME_OMIT as u64;

pub fn utimensat(
    ctx: &mut Context<'_>,
    dirfd: u64,
    path_addr: u64,
    times: u64,
    flags: u64,
) -> Result {
    let node = if path_addr == 0 {
        file(ctx, dirfd)?.node().cloned().ok_or(Errno::EINVAL)?
    } else {
        let follow = if flags & AT_SYMLINK_NOFOLLOW != 0 {
            Follow::No
        } else {
            Follow::Yes
        };
        lookup(ctx, dirfd, path_addr, follow)?.node().clone()
    };
    let now = crate::time::realtime();
    let stamp = |at: u64| -> Result<Option<(i64, u32)>> {
        if times == 0 {
            return Ok(Some(now));
        }
        let secs = ctx.mem().read_u64(at)?;
        let nanos = ctx.mem().read_u64(at + 8)?;
        Ok(match nanos {
            UTIME_NOW => Some(now),
            UTIME_OMIT => None,
            n if n < 1_000_000_000 => Some((secs as i64, n as u32)),
            _ => return Err(Errno::EINVAL),
        })
    };
    let (atime, mtime) = (stamp(times)?, stamp(times + 16)?);
    let mut meta = node.meta.lock();
    if let Some(t) = atime {
        meta.atime = t;
    }
    if let Some(t) = mtime {
        meta.mtime = t;
    }
    meta.ctime = now;
    drop(meta);
    node.store_meta()?;
    Ok(0)
}

pub fn flock(ctx: &mut Context<'_>, fd: u64, operation: u64) -> Result {
    use crate::fs::flock::{self, Mode};
    use abi::fs::{LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN};
    let operation = operation as u32;
    let file = file(ctx, fd)?;
    let node = file.node().ok_or(Errno::EINVAL)?;
    let key = (node.dev, node.ino);
    // A lock belongs to the open file description, shared by dup and fork.
    let owner = Arc::as_ptr(&file) as usize;
    let nonblocking = operation & LOCK_NB != 0;
    match operation & !LOCK_NB {
        LOCK_SH => flock::lock(key, owner, Mode::Shared, nonblocking)?,
        LOCK_EX => flock::lock(key, owner, Mode::Exclusive, nonblocking)?,
        LOCK_UN => flock::unlock(key, owner),
        _ => return Err(Errno::EINVAL),
    }
    Ok(0)
}

/// The magic numbers `statfs` reports (Linux's, so df and friends know them).
const TMPFS_MAGIC: i64 = 0x0102_1994;
const PROC_SUPER_MAGIC: i64 = 0x9fa0;

fn statfs_of(node: &crate::fs::Node) -> abi::fs::Statfs {
    let blocks = crate::start::total_memory() / 4096;
    let free = crate::mm::free_frames() as u64;
    if let Body::Ext2(file) = &node.body {
        let fs = file.statfs();
        return abi::fs::Statfs {
            f_type: crate::fs::ext2fs::MAGIC,
            f_bsize: i64::from(fs.block_size),
            f_blocks: fs.blocks,
            f_bfree: fs.free_blocks,
            f_bavail: fs.available_blocks,
            f_files: fs.inodes,
            f_ffree: fs.free_inodes,
            f_fsid: [node.dev as i32, 0],
            f_namelen: fs.name_max as i64,
            f_frsize: i64::from(fs.block_size),
            ..Default::default()
        };
    }
    let magic = if matches!(node.body, Body::Proc(_)) {
        PROC_SUPER_MAGIC
    } else {
        TMPFS_MAGIC
    };
    abi::fs::Statfs {
        f_type: magic,
        f_bsize: 4096,
        f_blocks: blocks,
        f_bfree: free,
        f_bavail: free,
        f_files: blocks,
        f_ffree: free,
        f_fsid: [node.dev as i32, 0],
        f_namelen: 255,
        f_frsize: 4096,
        ..Default::default()
    }
}

pub fn statfs(ctx: &mut Context<'_>, path: u64, buf: u64) -> Result {
    let location = lookup(ctx, AT_FDCWD, path, Follow::Yes)?;
    ctx.mem()
        .write(buf, statfs_of(location.node()).as_bytes())?;
    Ok(0)
}

pub fn fstatfs(ctx: &mut Context<'_>, fd: u64, buf: u64) -> Result {
    let file = file(ctx, fd)?;
    let node = file.node().ok_or(Errno::EINVAL)?;
    ctx.mem().write(buf, statfs_of(node).as_bytes())?;
    Ok(0)
}

/// Linux's MS_RDONLY mount flag.
const MS_RDONLY: u64 = 1;

/// sync(2), and fsync(2)/fdatasync(2) on any descriptor: everything
/// written goes to the disks (one cache per disk makes a per-file flush
/// no cheaper than a whole one).
pub fn sync(ctx: &mut Context<'_>, fd: Option<u64>) -> Result {
    if let Some(fd) = fd {
        file(ctx, fd)?;
    }
    crate::fs::sync_all()?;
    Ok(0)
}
