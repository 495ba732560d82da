//! The boot benchmark: Basalt against Debian's Linux, same QEMU, same run.
//!
//! For each configuration both kernels boot `runs` times. Two figures each:
//! the time from launching QEMU to the "ready" line on the serial console,
//! and the kernel's own figure for the same moment — Basalt's
//! `kernel ready in N ms` (TSC since kernel entry) and, for Linux, the
//! `CLOCK_BOOTTIME` its first process reads (`poweroff -u` as /init).

use crate::accel;
use crate::artifacts;
use crate::qemu::{Accel, Machine, Vm, VmConfig};
use anyhow::{Context, Result, bail};
use images::Workspace;
use std::path::{Path, PathBuf};
use std::time::Duration;

const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// One kernel's boot, measured.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub launch_to_ready_ms: f64,
    pub kernel_ms: f64,
}

/// Medians for one kernel in one configuration.
#[derive(Debug, Clone, Copy)]
pub struct Medians {
    pub launch_to_ready_ms: f64,
    pub kernel_ms: f64,
}

/// One configuration's result.
#[derive(Debug, Clone)]
pub struct Row {
    pub config: String,
    pub basalt: Medians,
    pub linux: Option<Medians>,
}

/// The whole benchmark's result.
#[derive(Debug, Clone)]
pub struct Report {
    pub runs: usize,
    pub accel_note: String,
    pub linux_kernel: Option<PathBuf>,
    pub rows: Vec<Row>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn medians(samples: &[Sample]) -> Medians {
    Medians {
        launch_to_ready_ms: median(samples.iter().map(|s| s.launch_to_ready_ms).collect()),
        kernel_ms: median(samples.iter().map(|s| s.kernel_ms).collect()),
    }
}

/// The number in "<prefix><number> ms".
fn number_after(line: &str, prefix: &str) -> Option<f64> {
    let rest = &line[line.find(prefix)? + prefix.len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn boot_once(config: &VmConfig, ready: &str) -> Result<Sample> {
    let mut vm = Vm::start(config)?;
    let (line, at) = vm.wait_for(ready, BOOT_TIMEOUT)?;
    let kernel_ms = number_after(&line, ready).with_context(|| format!("no figure in '{line}'"))?;
    let status = vm.wait_exit(BOOT_TIMEOUT)?;
    if !status.success() {
        bail!(
            "QEMU exited with {status} after the ready line:\n{}",
            vm.transcript()
        );
    }
    Ok(Sample {
        launch_to_ready_ms: at.as_secs_f64() * 1000.0,
        kernel_ms,
    })
}

fn basalt_config(machine: Machine, accel: Accel, kernel: &Path) -> VmConfig {
    let mut config = VmConfig::new(machine);
    config.accel = accel;
    config.kernel = Some(kernel.to_path_buf());
    config.append = Some("basalt.poweroff=1".into());
    config
}

fn linux_config(machine: Machine, accel: Accel, kernel: &Path, initramfs: &Path) -> VmConfig {
    let mut config = VmConfig::new(machine);
    config.accel = accel;
    config.kernel = Some(kernel.to_path_buf());
    config.initrd = vec![initramfs.to_path_buf()];
    // /poweroff is crunch, which goes by its name. Everything after "--"
    // goes to it. On microvm Linux registers no
    // ttyS0, so its early console must carry /init's output; there `quiet`
    // (or any low loglevel) kept the Debian kernel from ever reaching init
    // under TCG, so no configuration uses it.
    // Nor can Linux calibrate its TSC there (no PIT gate port, no HPET, and
    // kvmclock only under KVM): it is told the host's rate, as TCG's TSC
    // follows the host's.
    let microvm = match (machine, host_tsc_khz()) {
        (Machine::Microvm, Some(khz)) => format!(" earlyprintk=ttyS0 tsc_early_khz={khz}"),
        (Machine::Microvm, None) => " earlyprintk=ttyS0".into(),
        _ => String::new(),
    };
    config.append = Some(format!(
        "console=ttyS0{microvm} panic=-1 rdinit=/poweroff -- -u"
    ));
    config
}

/// The host CPU's clock in kHz, from /proc/cpuinfo.
fn host_tsc_khz() -> Option<u64> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let mhz: f64 = cpuinfo
        .lines()
        .find(|l| l.starts_with("cpu MHz"))?
        .split(':')
        .nth(1)?
        .trim()
        .parse()
        .ok()?;
    Some((mhz * 1000.0) as u64)
}

/// Runs the benchmark; `work` holds the Linux initramfs.
pub fn boot(ws: &Workspace, runs: usize, work: &Path) -> Result<Report> {
    let kernel = artifacts::basalt_kernel(ws)?;
    let choice = accel::choose(&kernel);
    let mut configs = vec![
        ("TCG pc", Machine::Pc, Accel::Tcg),
        ("TCG microvm", Machine::Microvm, Accel::Tcg),
    ];
    if choice.accel == Accel::Kvm {
        configs.push(("KVM q35", Machine::Q35, Accel::Kvm));
    }
    let linux = artifacts::linux_kernel();
    let initramfs = work.join("linux-initramfs.cpio");
    if linux.is_some() {
        artifacts::linux_poweroff_initramfs(ws, &initramfs)?;
    }

    let mut rows = Vec::new();
    for (label, machine, accel) in configs {
        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for _ in 0..runs {
            let sample = boot_once(&basalt_config(machine, accel, &kernel), "kernel ready in ")
                .with_context(|| format!("Basalt on {label}"))?;
            ours.push(sample);
            if let Some(linux) = &linux {
                let sample = boot_once(
                    &linux_config(machine, accel, linux, &initramfs),
                    "poweroff: up ",
                )
                .with_context(|| format!("Linux on {label}"))?;
                theirs.push(sample);
            }
        }
        rows.push(Row {
            config: label.to_string(),
            basalt: medians(&ours),
            linux: (!theirs.is_empty()).then(|| medians(&theirs)),
        });
    }
    Ok(Report {
        runs,
        accel_note: format!("{}: {}", choice.accel.name(), choice.reason),
        linux_kernel: linux,
        rows,
    })
}

impl Report {
    /// The table people read.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "boot benchmark: median of {} boots per kernel and configuration\naccelerator probe: {}\nlinux: {}\n\n",
            self.runs,
            self.accel_note,
            self.linux_kernel.as_ref().map_or(
                "not installed (apt-get install linux-image-amd64)".into(),
                |p| p.display().to_string()
            )
        );
        out.push_str(&format!(
            "{:<12} {:>16} {:>16} {:>8} {:>14} {:>14} {:>8}\n",
            "config",
            "basalt launch",
            "linux launch",
            "ratio",
            "basalt kernel",
            "linux kernel",
            "ratio"
        ));
        for row in &self.rows {
            let (l_launch, l_kernel, r_launch, r_kernel) = match row.linux {
                Some(l) => (
                    format!("{:.0} ms", l.launch_to_ready_ms),
                    format!("{:.0} ms", l.kernel_ms),
                    format!(
                        "{:.1}x",
                        l.launch_to_ready_ms / row.basalt.launch_to_ready_ms
                    ),
                    format!("{:.1}x", l.kernel_ms / row.basalt.kernel_ms.max(1.0)),
                ),
                None => ("-".into(), "-".into(), "-".into(), "-".into()),
            };
            out.push_str(&format!(
                "{:<12} {:>16} {:>16} {:>8} {:>14} {:>14} {:>8}\n",
                row.config,
                format!("{:.0} ms", row.basalt.launch_to_ready_ms),
                l_launch,
                r_launch,
                format!("{:.0} ms", row.basalt.kernel_ms),
                l_kernel,
                r_kernel
            ));
        }
        out.push_str(
            "\nlaunch: QEMU start to the ready line; kernel: the kernel's own figure for it\n",
        );
        out.push_str("ratio = Linux / Basalt (above 1: Basalt is faster)\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
    }

    #[test]
    fn figures_are_read_from_ready_lines() {
        assert_eq!(
            number_after("basalt: kernel ready in 23 ms", "kernel ready in "),
            Some(23.0)
        );
        assert_eq!(
            number_after("poweroff: up 1234 ms", "poweroff: up "),
            Some(1234.0)
        );
        assert_eq!(
            number_after("kernel ready in soon", "kernel ready in "),
            None
        );
    }
}

/// One row of the system call benchmark: the figure on each kernel.
#[derive(Debug, Clone)]
pub struct GuestRow {
    pub config: String,
    pub name: String,
    pub unit: String,
    pub basalt: f64,
    pub linux: Option<f64>,
}

/// Parses `bench <name>: <value> <unit>` lines.
fn bench_lines(transcript: &str) -> Vec<(String, f64, String)> {
    transcript
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("bench ")?;
            let (name, value) = rest.split_once(": ")?;
            let (number, unit) = value.split_once(' ')?;
            Some((name.to_string(), number.parse().ok()?, unit.to_string()))
        })
        .collect()
}

/// Boots `config` until selftest prints `last`, its final figure.
fn run_selftest_bench(config: &VmConfig, last: &str) -> Result<Vec<(String, f64, String)>> {
    let mut vm = Vm::start(config)?;
    vm.wait_for(last, Duration::from_secs(600))
        .with_context(|| format!("no '{last}' line:\n{}", vm.transcript()))?;
    let status = vm.wait_exit(BOOT_TIMEOUT)?;
    if !status.success() {
        bail!("QEMU exited with {status}:\n{}", vm.transcript());
    }
    Ok(bench_lines(&vm.transcript()))
}

/// TCG q35, and KVM q35 when the probe chose KVM.
fn q35_configs(probed: Accel) -> Vec<(&'static str, Machine, Accel)> {
    let mut configs = vec![("TCG q35", Machine::Q35, Accel::Tcg)];
    if probed == Accel::Kvm {
        configs.push(("KVM q35", Machine::Q35, Accel::Kvm));
    }
    configs
}

/// Runs `selftest bench` as init on Basalt and on Linux in each configuration.
pub fn syscalls(ws: &Workspace, work: &Path) -> Result<(String, Vec<GuestRow>)> {
    let kernel = artifacts::basalt_kernel(ws)?;
    let choice = accel::choose(&kernel);
    let initramfs = work.join("selftest.cpio");
    artifacts::selftest_initramfs(ws, &initramfs)?;
    let linux = artifacts::linux_kernel();
    let mut rows = Vec::new();
    for (label, machine, accel) in q35_configs(choice.accel) {
        let mut ours = basalt_config(machine, accel, &kernel);
        ours.initrd = vec![initramfs.clone()];
        ours.append = Some("-- bench".into());
        let basalt = run_selftest_bench(&ours, "bench getppid: ")
            .with_context(|| format!("Basalt on {label}"))?;
        let reference = match &linux {
            Some(linux) => {
                let mut theirs = linux_config(machine, accel, linux, &initramfs);
                theirs.append = Some("console=ttyS0 quiet panic=-1 -- bench".into());
                run_selftest_bench(&theirs, "bench getppid: ")
                    .with_context(|| format!("Linux on {label}"))?
            }
            None => Vec::new(),
        };
        rows.extend(pair_rows(label, basalt, &reference));
    }
    Ok((format!("{}: {}", choice.accel.name(), choice.reason), rows))
}

/// Basalt's figures beside the reference's of the same name.
fn pair_rows(
    label: &str,
    basalt: Vec<(String, f64, String)>,
    reference: &[(String, f64, String)],
) -> Vec<GuestRow> {
    basalt
        .into_iter()
        .map(|(name, value, unit)| GuestRow {
            config: label.into(),
            linux: reference
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, v, _)| *v),
            name,
            unit,
            basalt: value,
        })
        .collect()
}

/// Size of the scratch disk of the disk benchmark.
const BENCH_DISK_BYTES: u64 = 256 << 20;

/// A fresh disk image holding an empty ext2 filesystem as Debian's
/// `mke2fs -t ext2` makes it by default.
fn bench_disk(path: &Path) -> Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("failed to create {}", path.display()))?;
    file.set_len(BENCH_DISK_BYTES)
        .with_context(|| format!("failed to size {}", path.display()))?;
    let status = std::process::Command::new("mke2fs")
        .args(["-q", "-F", "-t", "ext2"])
        .arg(path)
        .status()
        .context("failed to run mke2fs (apt-get install e2fsprogs)")?;
    if !status.success() {
        bail!("mke2fs {} failed: {status}", path.display());
    }
    Ok(())
}

/// Runs `selftest disk` as init on Basalt and on Linux, each on a fresh
/// ext2 disk behind virtio-blk on TCG q35 (and KVM q35 where it works).
pub fn disk(ws: &Workspace, work: &Path) -> Result<(String, Vec<GuestRow>)> {
    let kernel = artifacts::basalt_kernel(ws)?;
    let choice = accel::choose(&kernel);
    let initramfs = work.join("selftest.cpio");
    artifacts::selftest_initramfs(ws, &initramfs)?;
    let linux = artifacts::linux_kernel();
    let linux_initramfs = work.join("selftest-modules.cpio");
    if let Some(linux) = &linux {
        let modules = artifacts::linux_modules(
            linux,
            &["crc32c_generic", "ext4", "virtio_pci", "virtio_blk"],
        )?;
        artifacts::selftest_initramfs_with_modules(ws, &modules, &linux_initramfs)?;
    }
    let image = work.join("disk-bench.img");
    let disk_args = |config: &mut VmConfig| {
        config.extra_args = vec![
            "-drive".into(),
            format!("file={},format=raw,if=none,id=bench", image.display()).into(),
            "-device".into(),
            "virtio-blk-pci,drive=bench".into(),
        ];
    };
    let last = "bench create-unlink-10000: ";
    let mut rows = Vec::new();
    for (label, machine, accel) in q35_configs(choice.accel) {
        bench_disk(&image)?;
        let mut ours = basalt_config(machine, accel, &kernel);
        ours.initrd = vec![initramfs.clone()];
        ours.append = Some("-- disk /dev/vbd0".into());
        disk_args(&mut ours);
        let basalt =
            run_selftest_bench(&ours, last).with_context(|| format!("Basalt on {label}"))?;
        let reference = match &linux {
            Some(linux) => {
                bench_disk(&image)?;
                let mut theirs = linux_config(machine, accel, linux, &linux_initramfs);
                theirs.append = Some("console=ttyS0 quiet panic=-1 -- disk /dev/vda".into());
                disk_args(&mut theirs);
                run_selftest_bench(&theirs, last).with_context(|| format!("Linux on {label}"))?
            }
            None => Vec::new(),
        };
        rows.extend(pair_rows(label, basalt, &reference));
    }
    std::fs::remove_file(&image)
        .with_context(|| format!("failed to remove {}", image.display()))?;
    Ok((format!("{}: {}", choice.accel.name(), choice.reason), rows))
}

/// The table of a benchmark run by selftest in both kernels.
pub fn guest_text(title: &str, note: &str, rows: &[GuestRow]) -> String {
    let mut out = format!("{title}\naccelerator probe: {note}\n\n");
    out.push_str(&format!(
        "{:<10} {:<18} {:>14} {:>14} {:>8}\n",
        "config", "measure", "basalt", "linux", "ratio"
    ));
    for row in rows {
        // For throughput more is better; for latency less is.
        let ratio = row.linux.map(|l| {
            if row.unit.ends_with("/s") {
                row.basalt / l
            } else {
                l / row.basalt
            }
        });
        out.push_str(&format!(
            "{:<10} {:<18} {:>14} {:>14} {:>8}\n",
            row.config,
            row.name,
            format!("{:.1} {}", row.basalt, row.unit),
            row.linux
                .map_or("-".into(), |l| format!("{l:.1} {}", row.unit)),
            ratio.map_or("-".into(), |r| format!("{r:.2}x")),
        ));
    }
    out.push_str("\nratio above 1: Basalt is faster\n");
    out
}
