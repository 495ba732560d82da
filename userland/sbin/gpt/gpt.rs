//! `gpt`: create and edit GUID partition tables, in the way of FreeBSD's
//! and DragonFly's gpt(8): one verb per change, the device last.

use std::io::Write;

use crate::common::{Disk, Getopt, Opt, usage_error, with_disk};
use blockdev::BlockDevice;
use partition::gpt::{Entry, Found, Gpt};
use partition::mbr::Mbr;
use partition::open::{parse_size, random_guid};
use partition::{SECTOR, format_guid, types};

pub const PROGRAM: crate::Program = crate::Program {
    names: &["gpt"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: gpt create [-f] device
       gpt add [-b start] [-i index] [-l label] [-s size] [-t type] device
       gpt remove -i index device
       gpt show [-lu] device
       gpt label -i index -l label device
       gpt type -i index -t type device
       gpt resize -i index [-s size] device
       gpt recover device";


/// Options of every verb; each verb checks it got only its own.
#[derive(Default)]
struct Options {
    force: bool,
    start: Option<u64>,
    index: Option<usize>,
    label: Option<String>,
    size: Option<u64>,
    kind: Option<[u8; 16]>,
    names: bool,
    uuids: bool,
}

/// A sector count: plain sectors, or bytes with a K, M or G suffix.
fn sectors(text: &str) -> Option<u64> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    parse_size(text)
        .filter(|b| b % SECTOR == 0)
        .map(|b| b / SECTOR)
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
            'l' if spec.contains("l:") => o.label = Some(value),
            'l' => o.names = true,
            'u' => o.uuids = true,
            'b' => o.start = Some(sectors(&value).ok_or(format!("bad start: {value}"))?),
            's' => o.size = Some(sectors(&value).ok_or(format!("bad size: {value}"))?),
            'i' => {
                let i: usize = value.parse().map_err(|_| format!("bad index: {value}"))?;
                o.index = Some(i.checked_sub(1).ok_or("indexes start at 1")?);
            }
            't' => {
                o.kind = Some(
                    types::parse_gpt_type(&value)
                        .ok_or(format!("unknown partition type: {value}"))?,
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
    let Some(verb) = args.get(1) else {
        return usage_error(args, "missing command", USAGE);
    };
    if verb == "--help" {
        println!("{USAGE}");
        return 0;
    }
    let spec = match verb.as_str() {
        "create" => "f",
        "add" => "b:i:l:s:t:",
        "remove" | "recover" => "i:",
        "show" => "lu",
        "label" => "i:l:",
        "type" => "i:t:",
        "resize" => "i:s:",
        _ => return usage_error(args, &format!("unknown command: {verb}"), USAGE),
    };
    let mut sub = vec![args[0].clone()];
    sub.extend_from_slice(&args[2..]);
    let (o, name) = match parse(&sub, spec) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return 0;
        }
        Err(e) => return usage_error(args, &e, USAGE),
    };
    let needs_index = matches!(verb.as_str(), "remove" | "label" | "type" | "resize");
    if needs_index && o.index.is_none() {
        return usage_error(args, &format!("{verb} needs -i index"), USAGE);
    }
    if verb == "label" && o.label.is_none() || verb == "type" && o.kind.is_none() {
        return usage_error(args, &format!("{verb} needs its new value"), USAGE);
    }
    with_disk(args, &name, verb != "show", |dev| run(verb, &o, &name, dev))
}

fn run(verb: &str, o: &Options, name: &str, mut dev: Disk) -> Result<(), String> {
    let sectors = dev.size() / SECTOR;
    if verb == "create" {
        return create(o, &mut dev, sectors);
    }
    let found = Gpt::read(&dev).map_err(|e| e.to_string())?;
    if verb == "show" {
        return show(&found, o, sectors).map_err(|e| e.to_string());
    }
    if verb == "recover" {
        return recover(found, &mut dev);
    }
    if let Some(e) = &found.primary_error {
        return Err(format!("primary GPT damaged ({e}); run gpt recover first"));
    }
    let mut gpt = found.gpt;
    let index = o.index.unwrap_or(0);
    let mut out = std::io::stdout().lock();
    match verb {
        "add" => {
            let entry = Entry {
                type_guid: o
                    .kind
                    .unwrap_or_else(|| types::parse_gpt_type("linux").unwrap_or_default()),
                unique_guid: random_guid().map_err(|e| format!("/dev/urandom: {e}"))?,
                name: o.label.clone().unwrap_or_default(),
                ..Entry::default()
            };
            let i = gpt
                .add(o.index, o.start, o.size, entry)
                .map_err(|e| e.to_string())?;
            let _ = writeln!(out, "{name}p{} added", i + 1);
        }
        "remove" => {
            gpt.entry_mut(index).map_err(|e| e.to_string())?;
            gpt.entries[index] = Entry::default();
            let _ = writeln!(out, "{name}p{} removed", index + 1);
        }
        "label" => {
            gpt.entry_mut(index).map_err(|e| e.to_string())?.name =
                o.label.clone().unwrap_or_default()
        }
        "type" => {
            gpt.entry_mut(index).map_err(|e| e.to_string())?.type_guid = o.kind.unwrap_or_default()
        }
        "resize" => {
            gpt.resize(index, o.size).map_err(|e| e.to_string())?;
            let e = &gpt.entries[index];
            let _ = writeln!(
                out,
                "{name}p{} resized: {} sectors from {}",
                index + 1,
                e.sectors(),
                e.first_lba
            );
        }
        _ => unreachable!("verbs are checked in main"),
    }
    gpt.write(&mut dev).map_err(|e| e.to_string())
}

fn create(o: &Options, dev: &mut Disk, sectors: u64) -> Result<(), String> {
    if !o.force {
        if Gpt::read(dev).is_ok() {
            return Err("already has a GPT (use -f to replace it)".into());
        }
        if Mbr::read(dev).is_ok_and(|m| m.slices.iter().any(|s| s.is_used())) {
            return Err("already has an MBR (use -f to replace it)".into());
        }
    }
    let guid = random_guid().map_err(|e| format!("/dev/urandom: {e}"))?;
    let gpt = Gpt::new(sectors, guid).map_err(|e| e.to_string())?;
    gpt.write(dev).map_err(|e| e.to_string())
}

fn recover(found: Found, dev: &mut Disk) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match (&found.primary_error, &found.backup_error) {
        (None, None) => {
            let _ = writeln!(out, "both GPT copies are sound");
            return Ok(());
        }
        (Some(e), _) => {
            let _ = writeln!(out, "primary GPT restored from the backup (it was: {e})");
        }
        (None, Some(e)) => {
            let _ = writeln!(out, "backup GPT restored from the primary (it was: {e})");
        }
    }
    found.gpt.write(dev).map_err(|e| e.to_string())
}

/// The map of the disk as FreeBSD's `gpt show` prints it.
fn show(found: &Found, o: &Options, sectors: u64) -> std::io::Result<()> {
    let gpt = &found.gpt;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let array = (gpt.entries.len() as u64 * u64::from(partition::gpt::ENTRY_SIZE)).div_ceil(SECTOR);
    let mut rows: Vec<(u64, u64, String, String)> = vec![
        (0, 1, String::new(), "PMBR".into()),
        (1, 1, String::new(), "Pri GPT header".into()),
        (2, array, String::new(), "Pri GPT table".into()),
    ];
    let mut used: Vec<(usize, &Entry)> = gpt
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_used())
        .collect();
    used.sort_by_key(|(_, e)| e.first_lba);
    for (i, e) in used {
        let what = if o.uuids {
            format_guid(&e.type_guid)
        } else if o.names && !e.name.is_empty() {
            format!("\"{}\"", e.name)
        } else {
            types::gpt_by_guid(&e.type_guid)
                .map_or_else(|| format_guid(&e.type_guid), |t| t.name.to_string())
        };
        rows.push((
            e.first_lba,
            e.sectors(),
            (i + 1).to_string(),
            format!("GPT part - {what}"),
        ));
    }
    rows.push((
        sectors - 1 - array,
        array,
        String::new(),
        "Sec GPT table".into(),
    ));
    rows.push((sectors - 1, 1, String::new(), "Sec GPT header".into()));
    rows.sort_by_key(|r| r.0);
    writeln!(
        out,
        "{:>12}  {:>10}  {:>5}  contents",
        "start", "size", "index"
    )?;
    let mut next = 0;
    for (start, size, index, what) in rows {
        if start > next {
            writeln!(out, "{next:>12}  {:>10}", start - next)?;
        }
        writeln!(out, "{start:>12}  {size:>10}  {index:>5}  {what}")?;
        next = start + size;
    }
    if let Some(e) = &found.primary_error {
        writeln!(
            out,
            "warning: primary GPT damaged ({e}); showing the backup"
        )?;
    }
    if let Some(e) = &found.backup_error {
        writeln!(out, "warning: backup GPT damaged ({e})")?;
    }
    out.flush()
}
