//! flock(2): advisory whole-file locks, held by open file descriptions.

use crate::task::wait::WaitQueue;
use abi::errno::Errno;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use spin::Mutex;

/// Holders of one file's lock: (description id, exclusive).
type Holders = Vec<(usize, bool)>;

static LOCKS: Mutex<BTreeMap<(u64, u64), Holders>> = Mutex::new(BTreeMap::new());
static RELEASED: WaitQueue = WaitQueue::new();

/// How to lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

fn conflicts(holders: &Holders, me: usize, mode: Mode) -> bool {
    holders
        .iter()
        .any(|&(owner, exclusive)| owner != me && (exclusive || mode == Mode::Exclusive))
}

/// Takes (or converts) the lock on file `key` for description `owner`;
/// waits for conflicting holders unless `nonblocking`.
pub fn lock(key: (u64, u64), owner: usize, mode: Mode, nonblocking: bool) -> Result<(), Errno> {
    loop {
        {
            let mut locks = LOCKS.lock();
            let holders = locks.entry(key).or_default();
            if !conflicts(holders, owner, mode) {
                holders.retain(|&(o, _)| o != owner);
                holders.push((owner, mode == Mode::Exclusive));
                return Ok(());
            }
        }
        if nonblocking {
            return Err(Errno::EWOULDBLOCK);
        }
        RELEASED.wait_while(|| {
            LOCKS
                .lock()
                .get(&key)
                .is_some_and(|h| conflicts(h, owner, mode))
        })?;
    }
}

/// Drops `owner`'s lock on `key` (LOCK_UN).
pub fn unlock(key: (u64, u64), owner: usize) {
    let mut locks = LOCKS.lock();
    if let Some(holders) = locks.get_mut(&key) {
        holders.retain(|&(o, _)| o != owner);
        if holders.is_empty() {
            locks.remove(&key);
        }
    }
    drop(locks);
    RELEASED.wake_all();
}

/// Drops every lock `owner` holds (its last descriptor was closed).
pub fn release_all(owner: usize) {
    let mut locks = LOCKS.lock();
    let before: usize = locks.values().map(Vec::len).sum();
    locks
        .values_mut()
        .for_each(|h| h.retain(|&(o, _)| o != owner));
    locks.retain(|_, h| !h.is_empty());
    let after: usize = locks.values().map(Vec::len).sum();
    drop(locks);
    if after != before {
        RELEASED.wake_all();
    }
}
