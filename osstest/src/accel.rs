//! KVM or TCG: KVM only when it opens *and* boots a probe kernel correctly.
//! On nested hosts KVM can open yet fail (emulation errors) or crawl, so a
//! device node alone proves nothing.

use crate::qemu::{Accel, Machine, Vm, VmConfig, VmError};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// The accelerator chosen, and why, for the test output.
#[derive(Debug, Clone)]
pub struct Choice {
    pub accel: Accel,
    pub reason: String,
}

/// How long the probe may take before KVM counts as unusable; a healthy KVM
/// boot of Basalt takes well under a second after the VM is created.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Chooses once per process. `BASALT_ACCEL=tcg` or `=kvm` overrides the probe.
/// `probe_kernel` is a Basalt kernel to try under KVM.
pub fn choose(probe_kernel: &Path) -> &'static Choice {
    static CHOICE: OnceLock<Choice> = OnceLock::new();
    CHOICE.get_or_init(|| decide(probe_kernel))
}

fn decide(probe_kernel: &Path) -> Choice {
    match std::env::var("BASALT_ACCEL").as_deref() {
        Ok("tcg") => {
            return Choice {
                accel: Accel::Tcg,
                reason: "BASALT_ACCEL=tcg".into(),
            };
        }
        Ok("kvm") => {
            return Choice {
                accel: Accel::Kvm,
                reason: "BASALT_ACCEL=kvm".into(),
            };
        }
        _ => {}
    }
    if let Err(e) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
    {
        return Choice {
            accel: Accel::Tcg,
            reason: format!("cannot open /dev/kvm: {e}"),
        };
    }
    let mut config = VmConfig::new(Machine::Q35);
    config.accel = Accel::Kvm;
    config.kernel = Some(probe_kernel.to_path_buf());
    config.append = Some("basalt.poweroff=1".into());
    let outcome = Vm::start(&config).and_then(|mut vm| {
        vm.wait_for("kernel ready in", PROBE_TIMEOUT)?;
        let status = vm.wait_exit(PROBE_TIMEOUT)?;
        Ok((status, vm.elapsed()))
    });
    match outcome {
        Ok((status, took)) if status.success() => Choice {
            accel: Accel::Kvm,
            reason: format!("KVM booted a probe kernel in {:.2} s", took.as_secs_f64()),
        },
        Ok((status, _)) => Choice {
            accel: Accel::Tcg,
            reason: format!("KVM probe exited with {status}"),
        },
        Err(e) => {
            let what = match &e {
                VmError::Timeout {
                    seconds,
                    transcript,
                    ..
                } => {
                    let qemu = transcript
                        .lines()
                        .find(|l| l.contains("KVM"))
                        .unwrap_or("no ready line");
                    format!("{qemu} within {seconds:.0} s")
                }
                other => other
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            };
            Choice {
                accel: Accel::Tcg,
                reason: format!("/dev/kvm opens but a probe boot failed: {what}"),
            }
        }
    }
}
