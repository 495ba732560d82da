//! Kernel randomness: a ChaCha20 generator seeded at boot from the TSC
//! jitter and, when the CPU has it, RDRAND. It feeds getrandom(2),
//! /dev/urandom and AT_RANDOM.

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use spin::Mutex;

static RNG: Mutex<Option<ChaCha20Rng>> = Mutex::new(None);

fn rdrand() -> Option<u64> {
    if crate::arch::cpu::cpuid(1).ecx & (1 << 30) == 0 {
        return None;
    }
    let mut value = 0u64;
    // SAFETY: RDRAND exists (CPUID.1:ECX.30); it writes one register.
    let ok = unsafe { core::arch::x86_64::_rdrand64_step(&mut value) };
    (ok == 1).then_some(value)
}

fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    for chunk in seed.chunks_mut(8) {
        // TSC readings separated by a CPUID (serialising, slow in VMs) carry jitter.
        let mut mix = crate::arch::cpu::rdtsc();
        for _ in 0..8 {
            let _ = crate::arch::cpu::cpuid(0);
            mix = mix.rotate_left(7) ^ crate::arch::cpu::rdtsc();
        }
        mix ^= rdrand().unwrap_or(0);
        chunk.copy_from_slice(&mix.to_le_bytes());
    }
    seed
}

/// Fills `buf` with random bytes.
pub fn fill(buf: &mut [u8]) {
    let mut rng = RNG.lock();
    rng.get_or_insert_with(|| ChaCha20Rng::from_seed(seed()))
        .fill_bytes(buf);
}
