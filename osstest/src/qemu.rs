//! One QEMU virtual machine, driven from its serial console.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The emulated machine type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// i440FX + PIIX: legacy PC with IDE.
    Pc,
    /// Q35 + ICH9: PCIe, AHCI.
    Q35,
    /// Firecracker-like minimal machine: virtio-mmio, hardware-reduced ACPI.
    Microvm,
}

impl Machine {
    pub fn name(self) -> &'static str {
        match self {
            Machine::Pc => "pc",
            Machine::Q35 => "q35",
            Machine::Microvm => "microvm",
        }
    }
}

/// The firmware the machine starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// QEMU's default: SeaBIOS (qboot on microvm).
    Bios,
    /// OVMF (EDK II) UEFI.
    Uefi,
}

/// How guest code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn name(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// Why a VM could not be run or did not behave.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    #[error("failed to start qemu-system-x86_64 (install qemu-system-x86): {0}")]
    Spawn(std::io::Error),
    #[error("cannot use the QEMU monitor: {0}")]
    Monitor(std::io::Error),
    #[error("cannot type on the serial console: {0}")]
    Input(std::io::Error),
    #[error("no OVMF firmware found (install ovmf); looked for {0}")]
    NoOvmf(String),
    #[error(
        "timed out after {seconds:.1} s waiting for {what}; serial output so far:\n{transcript}"
    )]
    Timeout {
        what: String,
        seconds: f64,
        transcript: String,
    },
    #[error("QEMU exited ({status}) while waiting for {what}; serial output:\n{transcript}")]
    Exited {
        what: String,
        status: String,
        transcript: String,
    },
}

const OVMF_CANDIDATES: &[&str] = &[
    "/usr/share/OVMF/OVMF_CODE_4M.fd",
    "/usr/share/OVMF/OVMF_CODE.fd",
    "/usr/share/ovmf/OVMF.fd",
];

/// Finds an OVMF code image.
pub fn ovmf() -> Result<PathBuf, VmError> {
    OVMF_CANDIDATES
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
        .map(Path::to_path_buf)
        .ok_or_else(|| VmError::NoOvmf(OVMF_CANDIDATES.join(", ")))
}

/// What to run.
#[derive(Debug, Clone)]
pub struct VmConfig {
    pub machine: Machine,
    pub firmware: Firmware,
    pub accel: Accel,
    pub memory_mib: u32,
    /// Direct kernel boot (`-kernel`): PVH for Basalt, Linux's own protocol for Linux.
    pub kernel: Option<PathBuf>,
    /// Boot modules (`-initrd a,b`).
    pub initrd: Vec<PathBuf>,
    pub append: Option<String>,
    pub cdrom: Option<PathBuf>,
    /// A standard VGA adapter (pc and q35 only).
    pub vga: bool,
    /// A human monitor (HMP) on this Unix socket, for [`Vm::monitor`].
    pub monitor: Option<PathBuf>,
    /// Further arguments, last (disks and controllers: `-drive`, `-device`).
    pub extra_args: Vec<OsString>,
}

impl VmConfig {
    /// The reference machine: 512 MiB, one CPU, TCG, BIOS, no VGA.
    pub fn new(machine: Machine) -> VmConfig {
        VmConfig {
            machine,
            firmware: Firmware::Bios,
            accel: Accel::Tcg,
            memory_mib: 512,
            kernel: None,
            initrd: Vec::new(),
            append: None,
            cdrom: None,
            vga: false,
            monitor: None,
            extra_args: Vec::new(),
        }
    }

    /// The QEMU command line.
    pub fn args(&self) -> Result<Vec<OsString>, VmError> {
        let mut args: Vec<OsString> = Vec::new();
        let mut push = |a: &str| args.push(a.into());
        push("-M");
        push(self.machine.name());
        push("-m");
        push(&self.memory_mib.to_string());
        push("-smp");
        push("1");
        push("-nodefaults");
        push("-no-reboot");
        push("-display");
        push("none");
        push("-serial");
        push("stdio");
        match self.accel {
            // A named model: `host`/`max` trip over MSRs in nested KVM here.
            Accel::Kvm => ["-accel", "kvm", "-cpu", "qemu64"]
                .iter()
                .for_each(|a| push(a)),
            Accel::Tcg => ["-accel", "tcg"].iter().for_each(|a| push(a)),
        }
        if self.vga && self.machine != Machine::Microvm {
            push("-device");
            push("VGA");
        }
        if self.firmware == Firmware::Uefi {
            let code = ovmf()?;
            args.push("-drive".into());
            let mut drive = OsString::from("if=pflash,format=raw,readonly=on,file=");
            drive.push(code);
            args.push(drive);
        }
        if let Some(kernel) = &self.kernel {
            args.push("-kernel".into());
            args.push(kernel.into());
        }
        if !self.initrd.is_empty() {
            args.push("-initrd".into());
            let joined: Vec<String> = self
                .initrd
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            args.push(joined.join(",").into());
        }
        if let Some(append) = &self.append {
            args.push("-append".into());
            args.push(append.into());
        }
        if let Some(socket) = &self.monitor {
            args.push("-monitor".into());
            let mut spec = OsString::from("unix:");
            spec.push(socket);
            spec.push(",server=on,wait=off");
            args.push(spec);
        }
        if let Some(cdrom) = &self.cdrom {
            args.push("-cdrom".into());
            args.push(cdrom.into());
        }
        args.extend(self.extra_args.iter().cloned());
        Ok(args)
    }
}

/// Removes terminal escape sequences (GRUB draws its menu with them) and
/// carriage returns, so lines compare as plain text.
pub fn plain_text(line: &str) -> String {
    let mut filter = PlainText::default();
    let mut out = String::with_capacity(line.len());
    filter.push(line, &mut out);
    out
}

/// [`plain_text`] over a stream that arrives in pieces: a sequence cut in
/// two is still removed whole.
#[derive(Debug, Default)]
pub struct PlainText {
    state: EscapeState,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum EscapeState {
    #[default]
    Text,
    Escape,
    Sequence,
}

impl PlainText {
    pub fn push(&mut self, text: &str, out: &mut String) {
        for c in text.chars() {
            match (self.state, c) {
                (_, '\x1b') => self.state = EscapeState::Escape,
                (EscapeState::Escape, '[') => self.state = EscapeState::Sequence,
                (EscapeState::Escape, _) => self.state = EscapeState::Text,
                (EscapeState::Sequence, c) if c.is_ascii_alphabetic() || c == '~' => {
                    self.state = EscapeState::Text
                }
                (EscapeState::Sequence, _) => {}
                (EscapeState::Text, '\r') => {}
                (EscapeState::Text, c) => out.push(c),
            }
        }
    }
}

/// A running VM. Dropping it kills QEMU (by the PID this handle started).
pub struct Vm {
    child: Child,
    lines: Receiver<String>,
    /// The serial output as plain text (see [`plain_text`]).
    transcript: Arc<Mutex<String>>,
    /// How far [`Vm::expect`] has read the transcript.
    cursor: usize,
    monitor: Option<PathBuf>,
    started: Instant,
}

impl Vm {
    /// Starts QEMU with `config`.
    pub fn start(config: &VmConfig) -> Result<Vm, VmError> {
        let mut child = Command::new("qemu-system-x86_64")
            .args(config.args()?)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(VmError::Spawn)?;
        let started = Instant::now();
        let (tx, lines) = channel();
        let transcript = Arc::new(Mutex::new(String::new()));
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let log = Arc::clone(&transcript);
        std::thread::spawn(move || {
            let mut filter = PlainText::default();
            let mut line = String::new();
            let mut buf = [0u8; 4096];
            // A UTF-8 character cut by a read waits for its other bytes.
            let mut undecoded: Vec<u8> = Vec::new();
            loop {
                let n = match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                undecoded.extend_from_slice(&buf[..n]);
                let valid = match std::str::from_utf8(&undecoded) {
                    Ok(_) => undecoded.len(),
                    Err(e) if e.error_len().is_none() => e.valid_up_to(),
                    Err(_) => undecoded.len(),
                };
                let chunk = String::from_utf8_lossy(&undecoded[..valid]).into_owned();
                undecoded.drain(..valid);
                let mut text = String::new();
                filter.push(&chunk, &mut text);
                log.lock().expect("transcript lock").push_str(&text);
                for c in text.chars() {
                    if c == '\n' {
                        if tx.send(std::mem::take(&mut line)).is_err() {
                            return;
                        }
                    } else {
                        line.push(c);
                    }
                }
            }
            if !line.is_empty() {
                let _ = tx.send(line);
            }
        });
        // QEMU's own messages go to the transcript too, marked, as they come
        // (a KVM failure is reported while QEMU stays up).
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::clone(&transcript);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !line.trim().is_empty() {
                    log.lock()
                        .expect("transcript lock")
                        .push_str(&format!("[qemu] {}\n", line.trim()));
                }
            }
        });
        Ok(Vm {
            child,
            lines,
            transcript,
            cursor: 0,
            monitor: config.monitor.clone(),
            started,
        })
    }

    /// Everything the serial console printed so far.
    pub fn transcript(&self) -> String {
        self.transcript.lock().expect("transcript lock").clone()
    }

    /// Time since QEMU was started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Waits for a serial line containing `needle`; returns it and the time
    /// since QEMU started.
    pub fn wait_for(
        &mut self,
        needle: &str,
        timeout: Duration,
    ) -> Result<(String, Duration), VmError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Ok((line, self.started.elapsed())),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    return Err(VmError::Timeout {
                        what: format!("'{needle}'"),
                        seconds: timeout.as_secs_f64(),
                        transcript: self.transcript(),
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self
                        .wait_exit(Duration::from_secs(5))
                        .map(|s| s.to_string());
                    return Err(VmError::Exited {
                        what: format!("'{needle}'"),
                        status: status.unwrap_or_else(|e| e.to_string()),
                        transcript: self.transcript(),
                    });
                }
            }
        }
    }

    /// Types `text` on the serial console.
    pub fn send(&mut self, text: &str) -> Result<(), VmError> {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(text.as_bytes())
            .and_then(|()| stdin.flush())
            .map_err(VmError::Input)
    }

    /// Waits until the console prints `needle` (anywhere, a prompt without
    /// its newline too) after what earlier calls consumed; returns the text
    /// before it and moves past it, as expect(1) does.
    pub fn expect(&mut self, needle: &str, timeout: Duration) -> Result<String, VmError> {
        let deadline = Instant::now() + timeout;
        loop {
            {
                let transcript = self.transcript.lock().expect("transcript lock");
                if let Some(at) = transcript[self.cursor..].find(needle) {
                    let before = transcript[self.cursor..self.cursor + at].to_string();
                    self.cursor += at + needle.len();
                    return Ok(before);
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(VmError::Exited {
                    what: format!("'{needle}'"),
                    status: status.to_string(),
                    transcript: self.transcript(),
                });
            }
            if Instant::now() >= deadline {
                return Err(VmError::Timeout {
                    what: format!("'{needle}'"),
                    seconds: timeout.as_secs_f64(),
                    transcript: self.transcript(),
                });
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Runs a command on QEMU's human monitor (the machine needs
    /// `VmConfig::monitor`); returns its output.
    pub fn monitor(&mut self, command: &str) -> Result<String, VmError> {
        use std::io::Write;
        let socket = self
            .monitor
            .as_ref()
            .ok_or_else(|| VmError::Monitor(std::io::Error::other("the machine has no monitor")))?;
        let mut stream =
            std::os::unix::net::UnixStream::connect(socket).map_err(VmError::Monitor)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(VmError::Monitor)?;
        let read_to_prompt = |stream: &mut std::os::unix::net::UnixStream| {
            let mut text = Vec::new();
            let mut buf = [0u8; 4096];
            while !text.ends_with(b"(qemu) ") {
                let n = stream.read(&mut buf).map_err(VmError::Monitor)?;
                if n == 0 {
                    break;
                }
                text.extend_from_slice(&buf[..n]);
            }
            Ok::<String, VmError>(plain_text(&String::from_utf8_lossy(&text)))
        };
        read_to_prompt(&mut stream)?;
        stream
            .write_all(format!("{command}\n").as_bytes())
            .map_err(VmError::Monitor)?;
        let output = read_to_prompt(&mut stream)?;
        // The monitor echoes the command first and ends with its prompt.
        let output = output.strip_suffix("(qemu) ").unwrap_or(&output);
        Ok(output
            .split_once('\n')
            .map_or("", |(_, rest)| rest)
            .to_string())
    }

    /// Waits for QEMU to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, VmError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(VmError::Timeout {
                    what: "QEMU to exit".into(),
                    seconds: timeout.as_secs_f64(),
                    transcript: self.transcript(),
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_carriage_returns_are_dropped() {
        assert_eq!(
            plain_text("\x1b[0m\x1b[37m\x1b[40m\x1b[2J\x1b[01;01HBooting `Basalt'\r"),
            "Booting `Basalt'"
        );
        assert_eq!(plain_text("basalt: ready"), "basalt: ready");
    }

    #[test]
    fn a_sequence_cut_between_reads_is_still_removed() {
        let mut filter = PlainText::default();
        let mut out = String::new();
        filter.push("# ls\x1b[", &mut out);
        filter.push("K\r\nbin\x1b[3~", &mut out);
        assert_eq!(out, "# ls\nbin");
    }

    #[test]
    fn command_line_for_a_direct_kernel_boot() {
        let mut cfg = VmConfig::new(Machine::Microvm);
        cfg.kernel = Some("/k".into());
        cfg.initrd = vec!["/a".into(), "/b".into()];
        cfg.append = Some("x=1".into());
        cfg.vga = true;
        let args: Vec<String> = cfg
            .args()
            .unwrap()
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let joined = args.join(" ");
        assert!(
            joined.starts_with("-M microvm -m 512 -smp 1 -nodefaults -no-reboot"),
            "{joined}"
        );
        assert!(joined.contains("-accel tcg"), "{joined}");
        assert!(
            joined.contains("-kernel /k -initrd /a,/b -append x=1"),
            "{joined}"
        );
        assert!(!joined.contains("VGA"), "microvm has no VGA: {joined}");
    }
}
