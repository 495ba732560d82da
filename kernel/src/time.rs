//! Time: the TSC as the clock, calibrated once at boot, and a periodic tick.
//!
//! Calibration prefers what needs no waiting (CPUID leaf 0x15, the
//! hypervisor's TSC leaf, KVM's pvclock) and falls back to timing the TSC
//! against the HPET or the PIT.

use crate::arch::cpu;
use crate::mm::{KernelLayout, phys};
use core::sync::atomic::{AtomicU64, Ordering};

/// Ticks per second of the periodic timer.
pub const TICK_HZ: u32 = 100;

static TSC_HZ: AtomicU64 = AtomicU64::new(0);
static ENTRY_TSC: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);

/// Records the TSC value the entry code read first thing.
pub fn set_entry_tsc(tsc: u64) {
    ENTRY_TSC.store(tsc, Ordering::Relaxed);
}

/// The TSC frequency in Hz, once calibrated.
pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Microseconds since kernel entry.
pub fn micros_since_entry() -> u64 {
    let hz = tsc_hz().max(1);
    let elapsed = cpu::rdtsc().saturating_sub(ENTRY_TSC.load(Ordering::Relaxed));
    (u128::from(elapsed) * 1_000_000 / u128::from(hz)) as u64
}

/// Busy-waits `micros` microseconds on the TSC.
pub fn delay_micros(micros: u64) {
    let end = cpu::rdtsc() + micros * tsc_hz() / 1_000_000;
    while cpu::rdtsc() < end {
        core::hint::spin_loop();
    }
}

/// Timer ticks seen so far.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The periodic timer's interrupt handler.
pub fn on_tick(_frame: &mut crate::arch::trap::TrapFrame) {
    TICKS.fetch_add(1, Ordering::Relaxed);
    crate::task::account_tick();
    TIMED.wake_all();
}

/// Finds the TSC frequency; returns it and the name of the source used.
pub fn calibrate(hpet: Option<u64>) -> (u64, &'static str) {
    let found = cpuid_crystal()
        .map(|hz| (hz, "cpuid"))
        .or_else(|| hypervisor_leaf().map(|hz| (hz, "hypervisor cpuid")))
        .or_else(|| kvmclock().map(|hz| (hz, "kvmclock")))
        .or_else(|| hpet.and_then(hpet_measure).map(|hz| (hz, "hpet")))
        .or_else(|| crate::arch::pit::tsc_frequency(2_000).map(|hz| (hz, "pit")))
        // A plausible guess keeps the kernel running; the log says so.
        .unwrap_or((2_000_000_000, "guess"));
    TSC_HZ.store(found.0, Ordering::Relaxed);
    found
}

/// CPUID leaf 0x15: TSC/crystal ratio and the crystal frequency.
fn cpuid_crystal() -> Option<u64> {
    let (max, _) = cpu::max_leaves();
    if max < 0x15 {
        return None;
    }
    let r = cpu::cpuid(0x15);
    (r.eax != 0 && r.ebx != 0 && r.ecx != 0)
        .then(|| u64::from(r.ecx) * u64::from(r.ebx) / u64::from(r.eax))
}

/// Leaf 0x40000010 (VMware's convention, also QEMU's and others'): TSC in kHz.
fn hypervisor_leaf() -> Option<u64> {
    let (_, hv) = cpu::max_leaves();
    if hv < 0x4000_0010 {
        return None;
    }
    let khz = cpu::cpuid(0x4000_0010).eax;
    (khz != 0).then(|| u64::from(khz) * 1000)
}

/// KVM's pvclock structure (Documentation/virt/kvm/x86/msr.rst).
#[repr(C, align(64))]
struct PvclockTimeInfo {
    version: u32,
    pad0: u32,
    tsc_timestamp: u64,
    system_time: u64,
    tsc_to_system_mul: u32,
    tsc_shift: i8,
    flags: u8,
    pad: [u8; 2],
}

/// KVM's paravirtual clock states the TSC rate exactly, without waiting.
fn kvmclock() -> Option<u64> {
    const MSR_KVM_SYSTEM_TIME_NEW: u32 = 0x4b56_4d01;
    const KVM_FEATURE_CLOCKSOURCE2: u32 = 1 << 3;
    if cpu::hypervisor_signature()? != *b"KVMKVMKVM\0\0\0" {
        return None;
    }
    if cpu::cpuid(0x4000_0001).eax & KVM_FEATURE_CLOCKSOURCE2 == 0 {
        return None;
    }
    static INFO: spin::Mutex<PvclockTimeInfo> = spin::Mutex::new(PvclockTimeInfo {
        version: 0,
        pad0: 0,
        tsc_timestamp: 0,
        system_time: 0,
        tsc_to_system_mul: 0,
        tsc_shift: 0,
        flags: 0,
        pad: [0; 2],
    });
    let info = INFO.lock();
    let ptr = &*info as *const PvclockTimeInfo;
    let addr = KernelLayout::image_phys(ptr as u64);
    let mut msr = x86_64::registers::model_specific::Msr::new(MSR_KVM_SYSTEM_TIME_NEW);
    // SAFETY: the MSR takes the physical address of a 64-byte aligned
    // structure the hypervisor then fills; `INFO` is such a structure in the
    // kernel image, and it is turned off again before the lock is dropped.
    unsafe { msr.write(addr | 1) };
    // SAFETY: the hypervisor wrote the structure; read it as volatile.
    let (mul, shift) = unsafe {
        (
            (&raw const (*ptr).tsc_to_system_mul).read_volatile(),
            (&raw const (*ptr).tsc_shift).read_volatile(),
        )
    };
    // SAFETY: writing 0 disables the clock updates.
    unsafe { msr.write(0) };
    if mul == 0 {
        return None;
    }
    // nanoseconds = ((tsc << shift) * mul) >> 32, with a negative shift to the right.
    let hz = (1_000_000_000u128 << 32) / u128::from(mul);
    let hz = if shift >= 0 {
        hz >> shift
    } else {
        hz << -shift
    };
    Some(hz as u64)
}

/// Times the TSC against the HPET main counter for 1 ms.
fn hpet_measure(base: u64) -> Option<u64> {
    let reg = |offset: u64| (phys::to_virt(base) + offset) as *mut u64;
    // SAFETY: `base` is the HPET's MMIO block from the ACPI HPET table, reached
    // through the direct map; capabilities (0x0), configuration (0x10) and the
    // main counter (0xf0) are 64-bit registers.
    let period_fs = unsafe { reg(0).read_volatile() } >> 32;
    if period_fs == 0 || period_fs > 100_000_000 {
        return None;
    }
    // SAFETY: as above; bit 0 of the configuration register starts the counter.
    unsafe { reg(0x10).write_volatile(reg(0x10).read_volatile() | 1) };
    // SAFETY: as above.
    let counter = || unsafe { reg(0xf0).read_volatile() };
    let window = 1_000_000_000_000 / period_fs; // counts in 1 ms
    let (c0, t0) = (counter(), cpu::rdtsc());
    let mut c1 = c0;
    while c1.wrapping_sub(c0) < window {
        c1 = counter();
    }
    let t1 = cpu::rdtsc();
    let femtos = u128::from(c1.wrapping_sub(c0)) * u128::from(period_fs);
    Some((u128::from(t1 - t0) * 1_000_000_000_000_000 / femtos) as u64)
}

/// Threads waiting for a time to pass; woken on every tick to check.
pub static TIMED: crate::task::wait::WaitQueue = crate::task::wait::WaitQueue::new();

/// The wall clock at boot (seconds since the epoch, from the RTC) and the
/// TSC when it was read.
static BOOT_EPOCH: AtomicU64 = AtomicU64::new(0);
static BOOT_EPOCH_TSC: AtomicU64 = AtomicU64::new(0);

/// Reads the CMOS real-time clock once.
pub fn init_wall_clock() -> Option<u64> {
    let secs = crate::arch::rtc::read_epoch_seconds();
    BOOT_EPOCH.store(secs.unwrap_or(0), Ordering::Relaxed);
    BOOT_EPOCH_TSC.store(cpu::rdtsc(), Ordering::Relaxed);
    secs
}

/// Nanoseconds since kernel entry (CLOCK_MONOTONIC, CLOCK_BOOTTIME).
pub fn monotonic_nanos() -> u64 {
    let hz = tsc_hz().max(1);
    let elapsed = cpu::rdtsc().saturating_sub(ENTRY_TSC.load(Ordering::Relaxed));
    (u128::from(elapsed) * 1_000_000_000 / u128::from(hz)) as u64
}

/// Sets the wall clock (clock_settime, settimeofday): the epoch time
/// `secs.nanos` is now. The CMOS clock is left alone.
pub fn set_realtime(secs: u64, nanos: u32) {
    let hz = tsc_hz().max(1);
    let now = cpu::rdtsc();
    // The stored pair is (whole seconds, the TSC when they began).
    let back = u64::from(nanos) * hz / 1_000_000_000;
    BOOT_EPOCH.store(secs, Ordering::Relaxed);
    BOOT_EPOCH_TSC.store(now.saturating_sub(back), Ordering::Relaxed);
}

/// The wall clock: seconds and nanoseconds since the epoch.
pub fn realtime() -> (i64, u32) {
    let hz = tsc_hz().max(1);
    let elapsed = cpu::rdtsc().saturating_sub(BOOT_EPOCH_TSC.load(Ordering::Relaxed));
    let nanos = (u128::from(elapsed) * 1_000_000_000 / u128::from(hz)) as u64;
    (
        (BOOT_EPOCH.load(Ordering::Relaxed) + nanos / 1_000_000_000) as i64,
        (nanos % 1_000_000_000) as u32,
    )
}

/// Sleeps for `n` timer ticks; EINTR if a signal arrives first.
pub fn sleep_ticks(n: u64) -> Result<(), abi::errno::Errno> {
    let until = ticks() + n;
    TIMED.wait_while(|| ticks() < until)
}
