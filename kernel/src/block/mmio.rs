//! Finding virtio-mmio devices (microvm): in the ACPI DSDT, where QEMU
//! describes each as a `LNRO0005` device with a `_CRS` holding a
//! Memory32Fixed window and an Extended Interrupt; and on the command line
//! as `virtio_mmio.device=<size>@<base>:<irq>`, Linux's syntax (what QEMU
//! appends when microvm runs without ACPI). Both are read; a window named
//! twice is probed once.
//!
//! Only as much AML is decoded as that takes: no interpreter, so the
//! objects must be plain `Name`s, as QEMU writes them.

use super::virtio::MmioDevice;
use alloc::vec::Vec;

/// Every device named by `virtio_mmio.device=` words.
pub fn from_cmdline(kernel_words: &str) -> Vec<MmioDevice> {
    kernel_words
        .split_ascii_whitespace()
        .filter_map(|w| w.strip_prefix("virtio_mmio.device="))
        .filter_map(|spec| {
            let parsed = parse_spec(spec);
            if parsed.is_none() {
                log::warn!("virtio_mmio.device={spec}: not <size>@<base>:<irq>");
            }
            parsed
        })
        .collect()
}

/// `<size>@<base>:<irq>[:<id>]`; size and base in C notation (0x hex, 0
/// octal, decimal), size with an optional K, M or G suffix.
fn parse_spec(spec: &str) -> Option<MmioDevice> {
    let (size, rest) = spec.split_once('@')?;
    let mut fields = rest.split(':');
    let base = parse_number(fields.next()?)?;
    let irq = u32::try_from(parse_number(fields.next()?)?).ok()?;
    let (digits, shift) = match size.as_bytes().last()? {
        b'K' | b'k' => (&size[..size.len() - 1], 10),
        b'M' | b'm' => (&size[..size.len() - 1], 20),
        b'G' | b'g' => (&size[..size.len() - 1], 30),
        _ => (size, 0),
    };
    let size = parse_number(digits)?.checked_mul(1 << shift)?;
    (size > 0).then_some(MmioDevice { base, size, irq })
}

fn parse_number(s: &str) -> Option<u64> {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u64::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// Every `LNRO0005` device of a DSDT (or SSDT) body.
pub fn from_aml(aml: &[u8]) -> Vec<MmioDevice> {
    const HID: &[u8] = b"LNRO0005\0";
    let mut found = Vec::new();
    let starts: Vec<usize> = aml
        .windows(HID.len())
        .enumerate()
        .filter(|(_, w)| *w == HID)
        .map(|(i, _)| i)
        .collect();
    for (n, &at) in starts.iter().enumerate() {
        // The device's other objects lie between its _HID and the next
        // device's; QEMU puts _CRS a few dozen bytes on.
        let end = starts
            .get(n + 1)
            .copied()
            .unwrap_or(aml.len())
            .min(at + 512);
        let scope = &aml[at..end];
        let Some(crs) = scope.windows(5).position(|w| w == b"_CRS\x11") else {
            continue;
        };
        if let Some(device) = resource_template(&scope[crs + 5..]) {
            found.push(device);
        }
    }
    found
}

/// Reads a PkgLength; returns (length, bytes it took).
fn pkg_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let lead = *bytes.first()?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Some((usize::from(lead & 0x3f), 1));
    }
    let mut length = usize::from(lead & 0x0f);
    for i in 0..follow {
        length |= usize::from(*bytes.get(1 + i)?) << (4 + 8 * i);
    }
    Some((length, 1 + follow))
}

/// The window and interrupt of a `Buffer` holding a resource template:
/// PkgLength, the buffer size (an integer constant), then descriptors.
fn resource_template(bytes: &[u8]) -> Option<MmioDevice> {
    let (package, used) = pkg_length(bytes)?;
    let body = bytes.get(used..package.min(bytes.len()))?;
    let (size_len, data) = match *body.first()? {
        0x0a => (usize::from(*body.get(1)?), body.get(2..)?),
        0x0b => (
            usize::from(u16::from_le_bytes([*body.get(1)?, *body.get(2)?])),
            body.get(3..)?,
        ),
        _ => return None,
    };
    let mut resources = &data[..size_len.min(data.len())];
    let (mut window, mut irq) = (None, None);
    while let Some(&tag) = resources.first() {
        let (kind, header, len) = if tag & 0x80 != 0 {
            let len = u16::from_le_bytes([*resources.get(1)?, *resources.get(2)?]);
            (tag, 3, usize::from(len))
        } else {
            ((tag >> 3) & 0x0f, 1, usize::from(tag & 7))
        };
        let item = resources.get(header..header + len)?;
        let word = |at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(item.get(at..at + 4)?.try_into().ok()?))
        };
        match kind {
            // Memory32Fixed: info, base, length.
            0x86 => window = Some((u64::from(word(1)?), u64::from(word(5)?))),
            // Extended Interrupt: flags, count, then the interrupts.
            0x89 if *item.get(1)? > 0 => irq = Some(word(2)?),
            // End tag.
            0x0f => break,
            _ => {}
        }
        resources = &resources[header + len..];
    }
    let (base, size) = window?;
    Some(MmioDevice {
        base,
        size,
        irq: irq?,
    })
}

/// The devices of both sources, each window once.
pub fn find(
    platform: &crate::platform::Platform,
    cmdline: &crate::cmdline::Cmdline<'_>,
) -> Vec<MmioDevice> {
    let _ = platform;
    let mut devices: Vec<MmioDevice> = crate::platform::aml_tables()
        .into_iter()
        .flat_map(from_aml)
        .collect();
    for device in from_cmdline(cmdline.kernel_part()) {
        if !devices.iter().any(|d| d.base == device.base) {
            devices.push(device);
        }
    }
    devices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_devices_in_linux_syntax() {
        let found = from_cmdline(
            "console=ttyS0 virtio_mmio.device=512@0xfeb00e00:12 \
             virtio_mmio.device=4K@0xfeb00c00:11:3 virtio_mmio.device=1M@4096:40 \
             virtio_mmio.device=bad virtio_mmio.device=0@0x1000:5",
        );
        assert_eq!(
            found,
            [
                MmioDevice {
                    base: 0xfeb0_0e00,
                    size: 512,
                    irq: 12
                },
                MmioDevice {
                    base: 0xfeb0_0c00,
                    size: 4096,
                    irq: 11
                },
                MmioDevice {
                    base: 4096,
                    size: 1 << 20,
                    irq: 40
                },
            ]
        );
    }

    /// A device as QEMU's microvm DSDT encodes it.
    fn qemu_device(name: &[u8; 4], base: u32, irq: u32) -> Vec<u8> {
        let mut resources = vec![0x86, 0x09, 0x00, 0x01];
        resources.extend(base.to_le_bytes());
        resources.extend(0x200u32.to_le_bytes());
        resources.extend([0x89, 0x06, 0x00, 0x0b, 0x01]);
        resources.extend(irq.to_le_bytes());
        resources.extend([0x79, 0x00]);
        let mut buffer = vec![0x0a, resources.len() as u8];
        buffer.extend(&resources);
        let mut body = b"\x08_HID\x0dLNRO0005\0\x08_UID\x0a\x01\x08_CRS\x11".to_vec();
        body.push((buffer.len() + 1) as u8);
        body.extend(buffer);
        let mut device = vec![0x5b, 0x82, (body.len() + 5) as u8];
        device.extend(name);
        device.extend(body);
        device
    }

    #[test]
    fn dsdt_devices_with_their_window_and_interrupt() {
        let mut aml = b"DSDT-header-bytes".to_vec();
        aml.extend(qemu_device(b"VR00", 0xfeb0_0000, 16));
        aml.extend(qemu_device(b"VR01", 0xfeb0_0200, 17));
        assert_eq!(
            from_aml(&aml),
            [
                MmioDevice {
                    base: 0xfeb0_0000,
                    size: 0x200,
                    irq: 16
                },
                MmioDevice {
                    base: 0xfeb0_0200,
                    size: 0x200,
                    irq: 17
                },
            ]
        );
    }

    #[test]
    fn truncated_or_garbled_aml_finds_nothing_and_never_panics() {
        let device = qemu_device(b"VR00", 0xfeb0_0000, 16);
        for cut in 0..device.len() {
            let _ = from_aml(&device[..cut]);
        }
        let mut garbled = device.clone();
        for i in 20..garbled.len() {
            garbled[i] = 0xff;
            let _ = from_aml(&garbled);
        }
        assert!(from_aml(&device[..device.len() - 12]).is_empty());
    }

    #[test]
    fn package_lengths_of_one_to_four_bytes() {
        assert_eq!(pkg_length(&[0x3f]), Some((0x3f, 1)));
        assert_eq!(pkg_length(&[0x45, 0x12]), Some((0x125, 2)));
        assert_eq!(pkg_length(&[0x81, 0x23, 0x01]), Some((0x1231, 3)));
        assert_eq!(pkg_length(&[0xc0]), None);
    }
}
