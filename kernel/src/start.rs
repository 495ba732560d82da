//! The boot sequence, from the entry code's call to the idle loop.

use crate::bootinfo::{self, BootInfo, Protocol};
use crate::cmdline::Cmdline;
use crate::mm::{self, KernelLayout};
use crate::{arch, console, interrupts, klog, kprintln, platform, time};
use log::LevelFilter;
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();

/// Usable RAM in bytes, for sysinfo and /proc/meminfo.
pub fn total_memory() -> u64 {
    BOOT_INFO.get().map_or(0, |info| info.usable_bytes())
}

/// Brings the kernel up; never returns.
pub fn start(protocol: u32, info_phys: u32, entry_tsc: u64, layout: KernelLayout) -> ! {
    time::set_entry_tsc(entry_tsc);
    let parsed = bootinfo::parse(protocol, u64::from(info_phys), &mm::phys::PhysMemory);
    console::init(!parsed.as_ref().is_ok_and(|info| info.uefi));
    kprintln!("Basalt {} ({})", crate::VERSION, crate::GIT_REVISION);
    let info = match parsed {
        Ok(info) => BOOT_INFO.call_once(|| info),
        Err(e) => panic!("cannot read the boot information: {e}"),
    };
    let cmdline = Cmdline::new(&info.cmdline, info.protocol == Protocol::Multiboot2);
    let level = cmdline
        .get("basalt.loglevel")
        .and_then(klog::parse_level)
        .unwrap_or(LevelFilter::Info);
    klog::init(level);
    if let Some(seconds) = cmdline.get("panic").and_then(|v| v.parse().ok()) {
        crate::panic::set_reboot_after(seconds);
    }
    log::info!("booted via {}", info.protocol.name());
    log::info!("command line: {}", cmdline.kernel_part());
    for (i, module) in info.modules.iter().enumerate() {
        log::info!(
            "module {i}: {} bytes at {:#x} ({})",
            module.len,
            module.start,
            module.cmdline
        );
    }

    let memory = mm::init(info, &layout);
    log::info!(
        "memory: {} MiB usable in {} regions, {} MiB free, {} MiB heap",
        memory.usable_bytes >> 20,
        info.memory.len(),
        (memory.free_frames as u64 * mm::PAGE_SIZE) >> 20,
        memory.heap_bytes >> 20
    );
    arch::gdt::init();
    arch::trap::init();
    arch::syscall::init();

    let platform = platform::discover(info.rsdp);
    let (hz, source) = time::calibrate(platform.hpet);
    log::info!(
        "tsc: {}.{:03} MHz ({source})",
        hz / 1_000_000,
        (hz / 1000) % 1000
    );
    match time::init_wall_clock() {
        Some(secs) => log::info!("clock: {secs} seconds since the epoch (RTC)"),
        None => log::warn!("no real-time clock; the date starts at the epoch"),
    }
    let timer = interrupts::init(platform);
    log::info!(
        "interrupts: {}, {} I/O APIC(s); timer: {timer} at {} Hz",
        if platform.local_apic.is_some() {
            "local APIC"
        } else {
            "8259 PIC"
        },
        platform.io_apics.len(),
        time::TICK_HZ
    );
    log::info!("power: {}", platform.power.describe());
    let (serial, vga) = console::describe();
    log::info!(
        "console: {}{}",
        if serial { "COM1" } else { "none" },
        if vga { " + VGA text" } else { "" }
    );
    let (serial_input, keyboard) = crate::tty::start_input(platform);
    log::info!(
        "terminals: console{}{}",
        if serial_input {
            ", ttyu0 (COM1, IRQ 4)"
        } else {
            ""
        },
        if keyboard {
            ", ttyv0 (VGA, keyboard IRQ 1)"
        } else {
            ""
        }
    );
    crate::block::init(platform, &cmdline);
    log::info!("kernel ready in {} ms", time::micros_since_entry() / 1000);
    crate::init::mount_root(info, &cmdline);

    // Exercising the crash paths on purpose, like Linux's sysrq-c.
    match cmdline.get("basalt.crash") {
        Some("panic") => panic!("crash requested on the command line"),
        Some("pagefault") => arch::cpu::read_unmapped(0),
        _ => {}
    }

    if crate::init::start_init(&cmdline) {
        crate::task::sched::idle_loop();
    }
    if cmdline.flag("basalt.poweroff") {
        // Prove the timer ticks before leaving.
        let first = time::ticks();
        while time::ticks() < first + 2 {
            arch::cpu::wait_for_interrupt();
        }
        log::info!("timer: {} ticks", time::ticks());
        platform::power::power_off();
    }
    loop {
        arch::cpu::wait_for_interrupt();
    }
}
