//! Local sockets, as far as they go yet: connected pairs (socketpair(2))
//! carrying a byte stream each way, with send/recv and their msg forms.
//! Addresses, listening sockets and the network stack come with issue 11.

use super::fs::{file, iovecs, read, write_data};
use super::{Context, Result};
use crate::fs::file::{OpenFile, Target};
use crate::fs::pipe::Pipe;
use abi::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

const AF_UNIX: u64 = 1;
const SOCK_STREAM: u64 = 1;
const SOCK_DGRAM: u64 = 2;
const SOCK_SEQPACKET: u64 = 5;
const SOCK_NONBLOCK: u64 = 0o4000;
const SOCK_CLOEXEC: u64 = 0o2000000;

/// socketpair(2) for AF_UNIX. Every type carries a byte stream: datagram
/// and sequenced-packet pairs do not keep message boundaries yet.
pub fn socketpair(
    ctx: &mut Context<'_>,
    domain: u64,
    kind: u64,
    protocol: u64,
    fds: u64,
) -> Result {
    if domain != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    if !matches!(kind & 0xf, SOCK_STREAM | SOCK_DGRAM | SOCK_SEQPACKET) || protocol != 0 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let status = if kind & SOCK_NONBLOCK != 0 {
        crate::fs::file::O_NONBLOCK | 2
    } else {
        2
    };
    let (a, b) = (Arc::new(Pipe::new()), Arc::new(Pipe::new()));
    let one = OpenFile::new(
        Target::Socket {
            rx: a.clone(),
            tx: b.clone(),
        },
        status,
    );
    let other = OpenFile::new(Target::Socket { rx: b, tx: a }, status);
    let cloexec = kind & SOCK_CLOEXEC != 0;
    let (x, y) = {
        let mut files = ctx.thread.process.files.lock();
        let x = files.insert(one, cloexec)?;
        let y = match files.insert(other, cloexec) {
            Ok(y) => y,
            Err(e) => {
                files.close(x)?;
                return Err(e);
            }
        };
        (x, y)
    };
    let mut pair = [0u8; 8];
    pair[..4].copy_from_slice(&x.to_le_bytes());
    pair[4..].copy_from_slice(&y.to_le_bytes());
    ctx.mem().write(fds, &pair)?;
    Ok(0)
}

fn socket(ctx: &Context<'_>, fd: u64) -> Result<Arc<OpenFile>> {
    let file = file(ctx, fd)?;
    match file.target {
        Target::Socket { .. } => Ok(file),
        _ => Err(Errno::ENOTSOCK),
    }
}

/// sendto(2) on a connected pair: the address must be absent.
pub fn sendto(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64, addr: u64) -> Result {
    let file = socket(ctx, fd)?;
    if addr != 0 {
        return Err(Errno::EISCONN);
    }
    let data = ctx.mem().read_vec(buf, len as usize)?;
    write_data(ctx, &file, &data)
}

/// recvfrom(2) on a connected pair: no address is reported.
pub fn recvfrom(ctx: &mut Context<'_>, fd: u64, buf: u64, len: u64, addr_len: u64) -> Result {
    socket(ctx, fd)?;
    if addr_len != 0 {
        ctx.mem().write_u32(addr_len, 0)?;
    }
    read(ctx, fd, buf, len)
}

/// The parts of a `struct msghdr` these calls use: (iov, iovlen).
fn message(ctx: &Context<'_>, msg: u64) -> Result<(u64, u64)> {
    Ok((ctx.mem().read_u64(msg + 16)?, ctx.mem().read_u64(msg + 24)?))
}

/// sendmsg(2): the data of the iovecs. Ancillary data (SCM_RIGHTS,
/// credentials) is not passed yet and is dropped.
pub fn sendmsg(ctx: &mut Context<'_>, fd: u64, msg: u64) -> Result {
    let file = socket(ctx, fd)?;
    let (iov, count) = message(ctx, msg)?;
    let mut data = Vec::new();
    for (base, len) in iovecs(ctx, iov, count)? {
        data.extend(ctx.mem().read_vec(base, len as usize)?);
    }
    write_data(ctx, &file, &data)
}

/// recvmsg(2): fills the iovecs; reports no ancillary data and no flags.
pub fn recvmsg(ctx: &mut Context<'_>, fd: u64, msg: u64) -> Result {
    socket(ctx, fd)?;
    let (iov, count) = message(ctx, msg)?;
    // msg_controllen and msg_flags.
    ctx.mem().write_u64(msg + 40, 0)?;
    ctx.mem().write_u32(msg + 48, 0)?;
    super::fs::readv(ctx, fd, iov, count)
}
