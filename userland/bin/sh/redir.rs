//! Redirections: opening files, duplicating descriptors, here-documents,
//! and undoing them after a builtin.

use std::fs::OpenOptions;
use std::os::fd::IntoRawFd;

use super::ast::{Redir, RedirKind};
use super::shell::Shell;
use super::sys;

/// Descriptors saved while a builtin's redirections are in force:
/// (descriptor, its saved copy or -1 if it was closed).
pub type Saved = Vec<(i32, i32)>;

impl Shell {
    /// Applies redirections; with `saved`, remembers what they replaced so
    /// [`Shell::restore`] can undo them. Reports and returns false on error.
    pub fn redirect(&mut self, redirs: &[Redir], mut saved: Option<&mut Saved>) -> bool {
        for redir in redirs {
            let fd = redir.fd();
            let source = match self.redirect_source(redir) {
                Ok(s) => s,
                Err(message) => {
                    self.error(message);
                    return false;
                }
            };
            if let Some(saved) = saved.as_deref_mut() {
                let copy = if sys::is_open(fd) {
                    sys::dup_high(fd).unwrap_or(-1)
                } else {
                    -1
                };
                saved.push((fd, copy));
            }
            if fd == 1 {
                crate::common::flush_stdout();
            }
            match source {
                None => sys::close(fd),
                Some((from, owned)) => {
                    if from != fd {
                        if let Err(e) = sys::dup2(from, fd) {
                            self.error(format!("{from}: {}", crate::common::strerror(&e)));
                            return false;
                        }
                        if owned {
                            sys::close(from);
                        }
                    }
                }
            }
        }
        true
    }

    /// The descriptor a redirection puts in place (and whether it is ours to
    /// close), or `None` to close the target.
    fn redirect_source(&mut self, redir: &Redir) -> Result<Option<(i32, bool)>, String> {
        let word = redir.target.borrow().clone();
        if redir.kind == RedirKind::HereDoc {
            let body = self.expand_here(&word).map_err(|e| e.0)?;
            return self.here_pipe(body.as_bytes()).map(|fd| Some((fd, true)));
        }
        let target = self.expand_string(&word).map_err(|e| e.0)?;
        let mut options = OpenOptions::new();
        match redir.kind {
            RedirKind::DupInput | RedirKind::DupOutput => {
                if target == "-" {
                    return Ok(None);
                }
                return match target.parse::<i32>() {
                    Ok(n) if n >= 0 && sys::is_open(n) => Ok(Some((n, false))),
                    _ => Err(format!("{target}: Bad file descriptor")),
                };
            }
            RedirKind::Input => {
                options.read(true);
            }
            RedirKind::ReadWrite => {
                options.read(true).write(true).create(true);
            }
            RedirKind::Append => {
                options.append(true).create(true);
            }
            RedirKind::Output | RedirKind::Clobber => {
                if redir.kind == RedirKind::Output
                    && self.option('C')
                    && std::fs::metadata(&target).is_ok_and(|m| m.is_file())
                {
                    return Err(format!("cannot create {target}: File exists"));
                }
                options.write(true).create(true).truncate(true);
            }
            RedirKind::HereDoc => unreachable!("handled above"),
        }
        match options.open(&target) {
            Ok(file) => Ok(Some((file.into_raw_fd(), true))),
            Err(e) => {
                let verb = if redir.kind == RedirKind::Input {
                    "open"
                } else {
                    "create"
                };
                Err(format!(
                    "cannot {verb} {target}: {}",
                    crate::common::strerror(&e)
                ))
            }
        }
    }

    /// A pipe to read a here-document from; a child writes long bodies so
    /// the pipe's capacity does not matter.
    fn here_pipe(&mut self, body: &[u8]) -> Result<i32, String> {
        let (read, write) =
            sys::pipe().map_err(|e| format!("pipe: {}", crate::common::strerror(&e)))?;
        if body.len() <= 4096 {
            let _ = sys::write_all(write, body);
            sys::close(write);
            return Ok(read);
        }
        match sys::fork() {
            Ok(0) => {
                sys::close(read);
                let _ = sys::write_all(write, body);
                sys::exit_now(0)
            }
            Ok(_) => {
                sys::close(write);
                Ok(read)
            }
            Err(e) => {
                sys::close(read);
                sys::close(write);
                Err(format!("fork: {}", crate::common::strerror(&e)))
            }
        }
    }

    /// Undoes redirections, last first.
    pub fn restore(&mut self, saved: Saved) {
        crate::common::flush_stdout();
        for (fd, copy) in saved.into_iter().rev() {
            if copy >= 0 {
                let _ = sys::dup2(copy, fd);
                sys::close(copy);
            } else {
                sys::close(fd);
            }
        }
    }
}
