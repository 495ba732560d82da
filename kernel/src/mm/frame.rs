//! The physical frame allocator: one bit per 4 KiB frame, next-fit search.
//!
//! A bitmap is simple, needs no allocation of its own, and can hand out
//! physically contiguous runs (for the heap and for DMA buffers).

use super::PAGE_SIZE;

/// A bitmap over the frames below `frames * PAGE_SIZE`; a set bit is in use.
pub struct FrameAllocator<'a> {
    bitmap: &'a mut [u64],
    frames: usize,
    free: usize,
    next: usize,
}

/// The bitmap words needed to track memory up to `max_addr`.
pub fn bitmap_words(max_addr: u64) -> usize {
    (max_addr.div_ceil(PAGE_SIZE) as usize).div_ceil(64)
}

/// The lowest page-aligned address in `[low, high)` where `bytes` fit inside
/// one usable range without touching a reserved one: a home for the bitmap
/// before any allocator exists.
pub fn find_free_range(
    usable: impl Iterator<Item = (u64, u64)>,
    reserved: impl Iterator<Item = (u64, u64)> + Clone,
    bytes: u64,
    low: u64,
    high: u64,
) -> Option<u64> {
    let mut best: Option<u64> = None;
    for (start, end) in usable {
        let end = end.min(high);
        let mut at = start.max(low).next_multiple_of(PAGE_SIZE);
        while at + bytes <= end {
            match reserved
                .clone()
                .filter(|&(s, e)| at < e && s < at + bytes)
                .map(|(_, e)| e)
                .max()
            {
                None => {
                    best = Some(best.map_or(at, |b| b.min(at)));
                    break;
                }
                Some(blocker_end) => at = blocker_end.next_multiple_of(PAGE_SIZE),
            }
        }
    }
    best
}

impl<'a> FrameAllocator<'a> {
    /// Builds the allocator: `usable` ranges become free, then `reserved`
    /// ranges (partial frames included) are taken out again.
    pub fn new(
        bitmap: &'a mut [u64],
        usable: impl Iterator<Item = (u64, u64)>,
        reserved: impl Iterator<Item = (u64, u64)>,
    ) -> FrameAllocator<'a> {
        bitmap.fill(u64::MAX);
        let frames = bitmap.len() * 64;
        let mut allocator = FrameAllocator {
            bitmap,
            frames,
            free: 0,
            next: 0,
        };
        for (start, end) in usable {
            let first = start.div_ceil(PAGE_SIZE) as usize;
            let last = ((end / PAGE_SIZE) as usize).min(frames);
            for frame in first..last {
                allocator.set_free(frame);
            }
        }
        for (start, end) in reserved {
            let first = (start / PAGE_SIZE) as usize;
            let last = (end.div_ceil(PAGE_SIZE) as usize).min(frames);
            for frame in first..last {
                allocator.set_used(frame);
            }
        }
        allocator
    }

    fn is_used(&self, frame: usize) -> bool {
        self.bitmap[frame / 64] & (1 << (frame % 64)) != 0
    }

    fn set_free(&mut self, frame: usize) {
        if self.is_used(frame) {
            self.bitmap[frame / 64] &= !(1 << (frame % 64));
            self.free += 1;
        }
    }

    fn set_used(&mut self, frame: usize) {
        if !self.is_used(frame) {
            self.bitmap[frame / 64] |= 1 << (frame % 64);
            self.free -= 1;
        }
    }

    /// Free frames left.
    pub fn free_frames(&self) -> usize {
        self.free
    }

    /// Takes one frame; returns its physical address.
    pub fn allocate(&mut self) -> Option<u64> {
        self.allocate_contiguous(1, 1)
    }

    /// Takes `count` consecutive frames starting on a multiple of `align`
    /// frames; returns the physical address of the first.
    pub fn allocate_contiguous(&mut self, count: usize, align: usize) -> Option<u64> {
        if count == 0 || count > self.free {
            return None;
        }
        let align = align.max(1);
        for pass_start in [self.next, 0] {
            let mut frame = pass_start.next_multiple_of(align);
            while frame + count <= self.frames {
                // Skip whole words that are full.
                if frame % 64 == 0 && self.bitmap[frame / 64] == u64::MAX {
                    frame = (frame + 64).next_multiple_of(align);
                    continue;
                }
                match (frame..frame + count).find(|&f| self.is_used(f)) {
                    None => {
                        for f in frame..frame + count {
                            self.set_used(f);
                        }
                        self.next = frame + count;
                        return Some(frame as u64 * PAGE_SIZE);
                    }
                    Some(used) => frame = (used + 1).next_multiple_of(align),
                }
            }
        }
        None
    }

    /// Returns a frame. Freeing a frame that is free, or outside the
    /// bitmap, is a kernel bug.
    pub fn free(&mut self, addr: u64) {
        let frame = (addr / PAGE_SIZE) as usize;
        assert!(
            frame < self.frames && self.is_used(frame),
            "freeing frame {addr:#x} that is not allocated"
        );
        self.set_free(frame);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    const MIB: u64 = 1 << 20;

    #[test]
    fn only_usable_and_unreserved_frames_are_handed_out() {
        let mut bitmap = vec![0; bitmap_words(16 * MIB)];
        let usable = [(0, 640 * 1024), (MIB, 16 * MIB)];
        let reserved = [(0, MIB), (MIB, 2 * MIB + 1)];
        let mut a = FrameAllocator::new(&mut bitmap, usable.into_iter(), reserved.into_iter());
        // 1..16 MiB usable, minus 1 MiB..2 MiB+1 byte (rounded out to 2 MiB + 4 KiB).
        assert_eq!(a.free_frames(), (14 * MIB / PAGE_SIZE) as usize - 1);
        let first = a.allocate().unwrap();
        assert_eq!(first, 2 * MIB + PAGE_SIZE);
        let mut seen = std::collections::BTreeSet::new();
        seen.insert(first);
        while let Some(f) = a.allocate() {
            assert!(
                (2 * MIB + PAGE_SIZE..16 * MIB).contains(&f),
                "frame {f:#x} outside usable memory"
            );
            assert!(seen.insert(f), "frame {f:#x} handed out twice");
        }
        assert_eq!(a.free_frames(), 0);
    }

    #[test]
    fn partial_frames_at_region_edges_are_not_usable() {
        let mut bitmap = vec![0; bitmap_words(MIB)];
        let a = FrameAllocator::new(
            &mut bitmap,
            [(100, 3 * PAGE_SIZE + 5)].into_iter(),
            [].into_iter(),
        );
        assert_eq!(a.free_frames(), 2);
    }

    #[test]
    fn contiguous_runs_respect_alignment_and_holes() {
        let mut bitmap = vec![0; bitmap_words(8 * MIB)];
        let reserved = [(3 * MIB, 3 * MIB + PAGE_SIZE)];
        let mut a = FrameAllocator::new(
            &mut bitmap,
            [(MIB, 8 * MIB)].into_iter(),
            reserved.into_iter(),
        );
        let two_mib = (2 * MIB / PAGE_SIZE) as usize;
        let run = a.allocate_contiguous(two_mib, two_mib).unwrap();
        // 2..4 MiB has a hole at 3 MiB: the first aligned run is at 4 MiB.
        assert_eq!(run, 4 * MIB);
        assert_eq!(a.allocate_contiguous(two_mib, two_mib), Some(6 * MIB));
        assert_eq!(a.allocate_contiguous(two_mib, two_mib), None);
        // Unaligned single frames still fit around the hole.
        assert_eq!(a.allocate_contiguous(2, 1), Some(MIB));
    }

    #[test]
    fn the_bitmap_finds_a_home_around_reserved_ranges() {
        let usable = [(0, 640 * 1024), (MIB, 64 * MIB)];
        let reserved = [(0, MIB), (MIB, 3 * MIB + 10), (3 * MIB + 8192, 4 * MIB)];
        let at = find_free_range(usable.into_iter(), reserved.into_iter(), 8192, MIB, 1 << 32);
        assert_eq!(at, Some(4 * MIB));
        let at = find_free_range(usable.into_iter(), reserved.into_iter(), 4096, MIB, 1 << 32);
        assert_eq!(at, Some(3 * MIB + 4096));
        let none = find_free_range(
            usable.into_iter(),
            reserved.into_iter(),
            128 * MIB,
            MIB,
            1 << 32,
        );
        assert_eq!(none, None);
    }

    #[test]
    fn freed_frames_come_back() {
        let mut bitmap = vec![0; bitmap_words(MIB)];
        let mut a = FrameAllocator::new(
            &mut bitmap,
            [(0, 4 * PAGE_SIZE)].into_iter(),
            [].into_iter(),
        );
        let frames: std::vec::Vec<u64> = std::iter::from_fn(|| a.allocate()).collect();
        assert_eq!(frames.len(), 4);
        a.free(frames[2]);
        assert_eq!(a.allocate(), Some(frames[2]));
    }

    #[test]
    #[should_panic(expected = "not allocated")]
    fn double_free_is_caught() {
        let mut bitmap = vec![0; bitmap_words(MIB)];
        let mut a = FrameAllocator::new(
            &mut bitmap,
            [(0, 4 * PAGE_SIZE)].into_iter(),
            [].into_iter(),
        );
        let f = a.allocate().unwrap();
        a.free(f);
        a.free(f);
    }
}
