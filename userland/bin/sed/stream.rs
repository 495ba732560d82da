//! sed's input, one line ahead so `$` is known, and its output, which
//! keeps a last line without a newline as it was.

use crate::r#cat::COPY_BUFFER;
use crate::common::strerror;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};

/// The lines of the input files, read one ahead so `$` can be known.
pub struct Input {
    pub files: VecDeque<String>,
    current: Option<Box<dyn BufRead>>,
    ahead: Option<(String, bool)>,
    /// `-s`/`-i`: each file is its own stream, with its own last line.
    pub separate: bool,
    /// A file could not be read.
    pub failed: bool,
}

impl Input {
    pub fn new(files: Vec<String>, separate: bool) -> Input {
        Input {
            files: files.into(),
            current: None,
            ahead: None,
            separate,
            failed: false,
        }
    }

    fn open_next(&mut self) -> bool {
        while let Some(name) = self.files.pop_front() {
            let opened: io::Result<Box<dyn BufRead>> = if name == "-" {
                Ok(Box::new(BufReader::with_capacity(COPY_BUFFER, io::stdin())))
            } else {
                File::open(&name).and_then(|file| {
                    if file.metadata()?.is_dir() {
                        return Err(io::Error::from_raw_os_error(libc::EISDIR));
                    }
                    Ok(Box::new(BufReader::with_capacity(COPY_BUFFER, file)) as Box<dyn BufRead>)
                })
            };
            match opened {
                Ok(reader) => {
                    self.current = Some(reader);
                    return true;
                }
                Err(e) => {
                    let what = if e.raw_os_error() == Some(libc::EISDIR) {
                        "read error on"
                    } else {
                        "can't read"
                    };
                    eprintln!("sed: {what} {name}: {}", strerror(&e));
                    self.failed = true;
                }
            }
        }
        false
    }

    fn fill(&mut self) {
        if self.ahead.is_some() {
            return;
        }
        let mut raw = Vec::new();
        loop {
            if self.current.is_none() && !self.open_next() {
                return;
            }
            let reader = self.current.as_mut().expect("a file is open");
            raw.clear();
            match reader.read_until(b'\n', &mut raw) {
                Ok(0) => {
                    self.current = None;
                    if self.separate {
                        return;
                    }
                }
                Ok(_) => {
                    let newline = raw.ends_with(b"\n");
                    if newline {
                        raw.pop();
                    }
                    self.ahead = Some((String::from_utf8_lossy(&raw).into_owned(), newline));
                    return;
                }
                Err(e) => {
                    eprintln!("sed: read error: {}", strerror(&e));
                    self.failed = true;
                    self.current = None;
                }
            }
        }
    }

    pub fn next_line(&mut self) -> Option<(String, bool)> {
        self.fill();
        self.ahead.take()
    }

    pub fn is_last(&mut self) -> bool {
        self.fill();
        self.ahead.is_none()
    }
}

/// Standard output (or the `-i` file), keeping GNU's rule that a last line
/// without a newline is written without one.
pub struct Output {
    pub writer: Box<dyn Write>,
    /// The last line written had no newline: one goes out before more output.
    pub missing_newline: bool,
}

impl Output {
    pub fn new(writer: Box<dyn Write>) -> Output {
        Output {
            writer,
            missing_newline: false,
        }
    }

    pub fn line(&mut self, text: &str, newline: bool) -> io::Result<()> {
        if self.missing_newline {
            self.writer.write_all(b"\n")?;
        }
        self.writer.write_all(text.as_bytes())?;
        if newline {
            self.writer.write_all(b"\n")?;
        }
        self.missing_newline = !newline;
        Ok(())
    }
}
