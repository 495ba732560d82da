//! futex: threads wait on a word of user memory.

use super::{Context, Result};
use crate::task::wait::WaitQueue;
use abi::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use spin::Mutex;

use abi::process::{FUTEX_CMD_MASK, FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_BITSET};

/// Waiters on one address, and a count of wakes so a waiter can tell its
/// wake-up from a spurious one.
type Queue = Arc<(WaitQueue, Mutex<u32>)>;

/// Queues by user address. Keys are addresses, not (address space,
/// address), which is enough while processes do not share memory.
static QUEUES: Mutex<BTreeMap<u64, Queue>> = Mutex::new(BTreeMap::new());

fn queue(addr: u64) -> Queue {
    QUEUES
        .lock()
        .entry(addr)
        .or_insert_with(|| Arc::new((WaitQueue::new(), Mutex::new(0))))
        .clone()
}

/// Wakes up to `count` waiters on `addr`; returns how many may have woken.
pub fn wake(addr: u64, count: u32) -> u64 {
    let Some(q) = QUEUES.lock().get(&addr).cloned() else {
        return 0;
    };
    *q.1.lock() += count;
    q.0.wake_all();
    crate::time::TIMED.wake_all();
    u64::from(count)
}

pub fn futex(ctx: &mut Context<'_>, addr: u64, op: u64, value: u64, timeout: u64) -> Result {
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    match op as u32 & FUTEX_CMD_MASK {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let mut word = [0u8; 4];
            ctx.mem().read(addr, &mut word)?;
            if u32::from_le_bytes(word) != value as u32 {
                return Err(Errno::EAGAIN);
            }
            let deadline = if timeout != 0 {
                let secs = ctx.mem().read_u64(timeout)?;
                let nanos = ctx.mem().read_u64(timeout + 8)?;
                Some(crate::time::ticks() + (secs * 1000 + nanos / 1_000_000).div_ceil(10))
            } else {
                None
            };
            let q = queue(addr);
            let before = *q.1.lock();
            // Timed waits sleep on the tick queue, which futex wakes also stir.
            let waiting =
                || *q.1.lock() == before && deadline.is_none_or(|d| crate::time::ticks() < d);
            match deadline {
                Some(_) => crate::time::TIMED.wait_while(waiting)?,
                None => q.0.wait_while(waiting)?,
            }
            if *q.1.lock() == before {
                return Err(Errno::ETIMEDOUT);
            }
            Ok(0)
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => Ok(wake(addr, value as u32)),
        _ => Err(Errno::ENOSYS),
    }
}
