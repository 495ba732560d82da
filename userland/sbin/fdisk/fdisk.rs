//! `fdisk`: the MBR's four slices — show, init, add, delete, active flag.
//! Verbs as in gpt(8) rather than FreeBSD fdisk's interactive dialogue, so
//! scripts and people type the same thing.

use std::io::Write;

use crate::common::{Disk, Getopt, Opt, usage_error, with_disk};
use blockdev::BlockDevice;
use partition::SECTOR;
use partition::mbr::{Mbr, Slice};
use partition::open::{parse_size, random_guid};
use partition::types;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["fdisk"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: fdisk [show] device
       fdisk init [-f] device
       fdisk add [-a] [-b start] [-i slice] [-s size] [-t type] device
       fdisk delete -i slice device
       fdisk active -i slice device";

#[derive(Default)]
struct Options {
    force: bool,
    active: bool,
    start: Option<u32>,
    slot: Option<usize>,
    size: Option<u32>,
    kind: Option<u8>,
}

/// A sector count (plain, or bytes with K/M/G) that fits an MBR's 32 bits.
fn sectors(text: &str) -> Option<u32> {
    let n = if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()?
    } else {
        parse_size(text).filter(|b| b % SECTOR == 0)? / SECTOR
    };
    u32::try_from(n).ok()
}

fn parse(args: &[String], spec: &'static str) -> Result<Option<(Options, String)>, String> {
    let mut g = Getopt::new(args, spec);
    let mut o = Options::default();
    while let Some(opt) = g.next_opt().map_err(|e| e.0)? {
        let Opt::Flag(flag, value) = opt else {
            return Ok(None);
        };
        let value = value.unwrap_or_default();
        match flag {
            'f' => o.force = true,
            'a' => o.active = true,
            'b' => o.start = Some(sectors(&value).ok_or(format!("bad start: {value}"))?),
            's' => o.size = Some(sectors(&value).ok_or(format!("bad size: {value}"))?),
            'i' => match value.parse::<usize>() {
                Ok(n @ 1..=4) => o.slot = Some(n - 1),
                _ => return Err(format!("bad slice: {value} (1 to 4)")),
            },
            't' => {
                o.kind = Some(
                    types::parse_mbr_type(&value).ok_or(format!("unknown slice type: {value}"))?,
                )
            }
            _ => return Err(format!("unknown option -- {flag}")),
        }
    }
    match g.operands() {
        [device] => Ok(Some((o, device.clone()))),
        [] => Err("missing device".into()),
        [_, extra, ..] => Err(format!("extra operand: {extra}")),
    }
}

fn main(args: &[String]) -> i32 {
    let (verb, rest) = match args.get(1).map(String::as_str) {
        Some("--help") => {
            println!("{USAGE}");
            return 0;
        }
        Some(v @ ("show" | "init" | "add" | "delete" | "active")) => (v, &args[2..]),
        _ => ("show", &args[1..]),
    };
    let spec = match verb {
        "init" => "f",
        "add" => "ab:i:s:t:",
        "delete" | "active" => "i:",
        _ => "",
    };
    let mut sub = vec![args[0].clone()];
    sub.extend_from_slice(rest);
    let (o, name) = match parse(&sub, spec) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => return usage_error(args, &e, USAGE),
    };
    if matches!(verb, "delete" | "active") && o.slot.is_none() {
        return usage_error(args, &format!("{verb} needs -i slice"), USAGE);
    }
    with_disk(args, &name, verb != "show", |dev| run(verb, &o, &name, dev))
}

fn run(verb: &str, o: &Options, name: &str, mut dev: Disk) -> Result<(), String> {
    let sectors = dev.size() / SECTOR;
    let mut out = std::io::stdout().lock();
    if verb == "init" {
        if !o.force && Mbr::read(&dev).is_ok_and(|m| m.slices.iter().any(Slice::is_used)) {
            return Err("already has slices (use -f to replace them)".into());
        }
        let random = random_guid().map_err(|e| format!("/dev/urandom: {e}"))?;
        let mut mbr = Mbr::new(u32::from_le_bytes([
            random[0], random[1], random[2], random[3],
        ]));
        // Keep boot code a boot loader installer may have put there.
        if let Ok(old) = Mbr::read(&dev) {
            mbr.boot[..440].copy_from_slice(&old.boot[..440]);
        }
        return mbr.write(&mut dev).map_err(|e| e.to_string());
    }
    let mut mbr = Mbr::read(&dev).map_err(|e| e.to_string())?;
    let slot = o.slot.unwrap_or(0);
    match verb {
        "show" => return show(&mbr, &dev, name).map_err(|e| e.to_string()),
        _ if mbr.is_protective() => return Err("the disk has a GPT: use gpt(8)".into()),
        "add" => {
            let kind = o.kind.unwrap_or(0x83);
            let i = mbr
                .add(o.slot, o.start, o.size, kind, sectors)
                .map_err(|e| e.to_string())?;
            if o.active {
                set_active(&mut mbr, i);
            }
            let _ = writeln!(out, "{name}s{} added", i + 1);
        }
        "delete" => {
            if !mbr.slices[slot].is_used() {
                return Err(format!("slice {} is not in use", slot + 1));
            }
            mbr.slices[slot] = Slice::default();
            let _ = writeln!(out, "{name}s{} deleted", slot + 1);
        }
        "active" => {
            if !mbr.slices[slot].is_used() {
                return Err(format!("slice {} is not in use", slot + 1));
            }
            set_active(&mut mbr, slot);
        }
        _ => unreachable!("verbs are checked in main"),
    }
    mbr.write(&mut dev).map_err(|e| e.to_string())
}

/// One active slice at most: BIOSes boot the first they find.
fn set_active(mbr: &mut Mbr, slot: usize) {
    for (i, s) in mbr.slices.iter_mut().enumerate() {
        s.active = i == slot;
    }
}

fn show(mbr: &Mbr, dev: &Disk, name: &str) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let sectors = dev.size() / SECTOR;
    writeln!(
        out,
        "{name}: {sectors} sectors of {SECTOR} bytes, disk signature 0x{:08x}",
        mbr.disk_signature()
    )?;
    writeln!(
        out,
        "{:<7} {:>6} {:>12} {:>12}  type",
        "slice", "active", "start", "size"
    )?;
    let logical = mbr.logical(dev);
    let rows = mbr
        .slices
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, s)| s.is_used())
        .chain(
            logical
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .copied()
                .enumerate()
                .map(|(i, s)| (i + 4, s)),
        );
    for (i, s) in rows {
        let what = types::mbr_by_id(s.kind).map_or("unknown", |t| t.name);
        writeln!(
            out,
            "{:<7} {:>6} {:>12} {:>12}  0x{:02x} {what}",
            format!("s{}", i + 1),
            if s.active { "*" } else { "" },
            s.start,
            s.sectors,
            s.kind
        )?;
    }
    if let Err(e) = logical {
        writeln!(out, "warning: logical slices unreadable: {e}")?;
    }
    out.flush()
}
