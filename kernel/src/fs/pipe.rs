//! Pipes: a bounded byte queue between a read end and a write end.

use crate::task::wait::WaitQueue;
use abi::errno::Errno;
use alloc::collections::VecDeque;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Mutex;

/// Bytes a pipe holds before writers wait (Linux's default is 64 KiB).
pub const CAPACITY: usize = 64 * 1024;
/// Writes of at most this many bytes are atomic (PIPE_BUF).
pub const PIPE_BUF: usize = 4096;

pub struct Pipe {
    data: Mutex<VecDeque<u8>>,
    pub readers: AtomicUsize,
    pub writers: AtomicUsize,
    /// Woken when data arrives or the last writer leaves.
    pub readable: WaitQueue,
    /// Woken when room appears or the last reader leaves.
    pub writable: WaitQueue,
}

impl Pipe {
    pub fn new() -> Pipe {
        Pipe {
            data: Mutex::new(VecDeque::new()),
            readers: AtomicUsize::new(0),
            writers: AtomicUsize::new(0),
            readable: WaitQueue::new(),
            writable: WaitQueue::new(),
        }
    }

    /// Bytes waiting to be read.
    pub fn available(&self) -> usize {
        self.data.lock().len()
    }

    /// Reads what is there, waiting for data unless `nonblocking`; 0 at end of file.
    pub fn read(&self, buf: &mut [u8], nonblocking: bool) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            {
                let mut data = self.data.lock();
                if !data.is_empty() {
                    let n = buf.len().min(data.len());
                    let (front, back) = data.as_slices();
                    let first = n.min(front.len());
                    buf[..first].copy_from_slice(&front[..first]);
                    buf[first..n].copy_from_slice(&back[..n - first]);
                    data.drain(..n);
                    drop(data);
                    self.writable.wake_all();
                    return Ok(n);
                }
            }
            if self.writers.load(Ordering::Relaxed) == 0 {
                return Ok(0);
            }
            if nonblocking {
                return Err(Errno::EAGAIN);
            }
            self.readable.wait_while(|| {
                self.data.lock().is_empty() && self.writers.load(Ordering::Relaxed) > 0
            })?;
        }
    }

    /// Writes all of `data`, waiting for room unless `nonblocking`. With no
    /// reader left the result is EPIPE (and the caller raises SIGPIPE).
    pub fn write(&self, data: &[u8], nonblocking: bool) -> Result<usize, Errno> {
        let mut done = 0;
        while done < data.len() {
            if self.readers.load(Ordering::Relaxed) == 0 {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EPIPE)
                };
            }
            {
                let mut queue = self.data.lock();
                let room = CAPACITY - queue.len();
                let left = data.len() - done;
                // Small writes go in whole or not at all.
                if room >= left || (left > PIPE_BUF && room > 0) {
                    let n = room.min(left);
                    queue.extend(&data[done..done + n]);
                    done += n;
                    drop(queue);
                    self.readable.wake_all();
                    continue;
                }
            }
            if nonblocking {
                return if done > 0 {
                    Ok(done)
                } else {
                    Err(Errno::EAGAIN)
                };
            }
            let need = (data.len() - done).min(PIPE_BUF);
            self.writable.wait_while(|| {
                CAPACITY - self.data.lock().len() < need && self.readers.load(Ordering::Relaxed) > 0
            })?;
        }
        Ok(done)
    }
}

impl Default for Pipe {
    fn default() -> Self {
        Pipe::new()
    }
}
