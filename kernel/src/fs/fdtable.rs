//! A process's file descriptors.

use super::file::OpenFile;
use abi::errno::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Descriptors a process may have open (RLIMIT_NOFILE).
pub const MAX_FDS: usize = 1024;

#[derive(Clone)]
pub struct Descriptor {
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<Descriptor>>,
}

impl FdTable {
    pub fn new() -> FdTable {
        FdTable { slots: Vec::new() }
    }

    pub fn get(&self, fd: i32) -> Result<Arc<OpenFile>, Errno> {
        self.descriptor(fd).map(|d| d.file.clone())
    }

    pub fn descriptor(&self, fd: i32) -> Result<&Descriptor, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i)?.as_ref())
            .ok_or(Errno::EBADF)
    }

    pub fn set_cloexec(&mut self, fd: i32, cloexec: bool) -> Result<(), Errno> {
        let slot = usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get_mut(i)?.as_mut())
            .ok_or(Errno::EBADF)?;
        slot.cloexec = cloexec;
        Ok(())
    }

    /// Installs `file` at the lowest free descriptor not below `min`.
    pub fn insert_from(
        &mut self,
        min: usize,
        file: Arc<OpenFile>,
        cloexec: bool,
    ) -> Result<i32, Errno> {
        let free = (min..MAX_FDS)
            .find(|&i| self.slots.get(i).is_none_or(|s| s.is_none()))
            .ok_or(Errno::EMFILE)?;
        if self.slots.len() <= free {
            self.slots.resize(free + 1, None);
        }
        self.slots[free] = Some(Descriptor { file, cloexec });
        Ok(free as i32)
    }

    pub fn insert(&mut self, file: Arc<OpenFile>, cloexec: bool) -> Result<i32, Errno> {
        self.insert_from(0, file, cloexec)
    }

    /// Installs `file` exactly at `fd`, closing what was there (dup2).
    pub fn insert_at(&mut self, fd: i32, file: Arc<OpenFile>, cloexec: bool) -> Result<(), Errno> {
        let i = usize::try_from(fd)
            .ok()
            .filter(|&i| i < MAX_FDS)
            .ok_or(Errno::EBADF)?;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, None);
        }
        self.slots[i] = Some(Descriptor { file, cloexec });
        Ok(())
    }

    pub fn close(&mut self, fd: i32) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        self.slots
            .get_mut(i)
            .and_then(Option::take)
            .map(|_| ())
            .ok_or(Errno::EBADF)
    }

    /// Closes the close-on-exec descriptors (at execve).
    pub fn close_on_exec(&mut self) {
        for slot in &mut self.slots {
            if slot.as_ref().is_some_and(|d| d.cloexec) {
                *slot = None;
            }
        }
    }

    /// Open descriptors, for /proc/<pid>/fd.
    pub fn open_fds(&self) -> impl Iterator<Item = (i32, &Descriptor)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|d| (i as i32, d)))
    }
}
