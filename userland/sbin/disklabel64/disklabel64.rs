//! `disklabel64`: read, write and edit DragonFly's 64-bit disk label of a
//! slice, with DragonFly's options: print, `-w ... auto`, `-R` from a
//! prototype file, `-e` with `$EDITOR`, `-B` boot area. disklabel32(8) is
//! this program on the classic label ([`Format::Label32`]).

use std::io::{BufRead, Write};
use std::os::unix::fs::OpenOptionsExt;

use crate::common::{Disk, Getopt, Opt, usage_error, with_disk};
use blockdev::BlockDevice;
use disklabel::label32::Label32;
use disklabel::label64::{self, Label64};
use disklabel::text;
use partition::open::random_guid;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["disklabel64"],
    dir: "sbin",
    main,
};

/// Which label the program works on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Label64,
    Label32,
}

fn usage(format: Format) -> String {
    let p = match format {
        Format::Label64 => "disklabel64",
        Format::Label32 => "disklabel32",
    };
    format!(
        "usage: {p} [-r] disk
       {p} -w [-nr] [-B] [-b boot1] [-s boot2] disk [auto]
       {p} -R [-nr] [-B] [-b boot1] [-s boot2] disk protofile
       {p} -e [-nr] disk
       {p} -B [-b boot1] [-s boot2] disk"
    )
}


/// A label of either format, with what the slice it sits in needs.
#[derive(Clone)]
enum Label {
    L64(Label64),
    L32(Label32),
}

impl Label {
    /// The label on the slice; `start` is the slice's first disk sector.
    fn read(format: Format, dev: &Disk, start: u64) -> Result<Label, disklabel::Error> {
        match format {
            Format::Label64 => Label64::read(dev).map(Label::L64),
            Format::Label32 => Label32::read(dev, start).map(Label::L32),
        }
    }

    /// The default label: DragonFly's layout rules for disklabel64; the
    /// raw `c` partition over the slice for disklabel32.
    fn auto(format: Format, dev: &Disk) -> Result<Label, String> {
        let start = dev.base() / 512;
        match format {
            Format::Label64 => {
                let uuid = random_guid().map_err(|e| format!("/dev/urandom: {e}"))?;
                Label64::auto(dev.size(), dev.base(), uuid)
                    .map(Label::L64)
                    .map_err(|e| e.to_string())
            }
            Format::Label32 => {
                let sectors = u32::try_from(dev.size() / 512)
                    .map_err(|_| "slice too large for disklabel32")?;
                let start = u32::try_from(start).map_err(|_| "slice beyond disklabel32's reach")?;
                Label32::auto(start, sectors)
                    .map(Label::L32)
                    .map_err(|e| e.to_string())
            }
        }
    }

    fn print(&self, name: &str) -> String {
        match self {
            Label::L64(l) => text::print64(l, name),
            Label::L32(l) => text::print32(l, name),
        }
    }

    fn parse(&self, proto: &str) -> Result<Label, text::TextError> {
        match self {
            Label::L64(l) => text::parse64(proto, l).map(Label::L64),
            Label::L32(l) => text::parse32(proto, l).map(Label::L32),
        }
    }

    fn validate(&self, dev: &Disk) -> Result<(), disklabel::Error> {
        match self {
            Label::L64(l) => l.validate(dev.size()),
            Label::L32(l) => l.validate(dev.base() / 512, dev.size() / 512),
        }
    }

    fn write(&self, dev: &mut Disk) -> Result<(), disklabel::Error> {
        match self {
            Label::L64(l) => l.write(dev),
            Label::L32(l) => l.write(dev, dev.base() / 512),
        }
    }

    /// Gives each used disklabel64 partition without a storage UUID a new
    /// one, as DragonFly's disklabel64 does for a new partition.
    fn give_storage_uuids(&mut self) -> Result<(), String> {
        if let Label::L64(l) = self {
            for p in l
                .partitions
                .iter_mut()
                .filter(|p| p.is_used() && p.storage_uuid == [0; 16])
            {
                p.storage_uuid = random_guid().map_err(|e| format!("/dev/urandom: {e}"))?;
            }
        }
        Ok(())
    }

    /// Where boot2 goes: DragonFly's 32 KiB at `bbase` (within
    /// `[bbase, pbase)`); the classic label's sectors 2 to 15 of the 8 KiB
    /// boot area.
    fn boot2_area(&self) -> (u64, u64) {
        match self {
            Label::L64(l) => (l.bbase, l.pbase.min(l.bbase + label64::BOOT2_SIZE)),
            Label::L32(l) => (1024, u64::from(l.bbsize)),
        }
    }
}

#[derive(Default)]
struct Options {
    write: bool,
    restore: bool,
    edit: bool,
    boot: bool,
    dry_run: bool,
    boot1: Option<String>,
    boot2: Option<String>,
}

pub fn run(args: &[String], format: Format) -> i32 {
    let usage_text = usage(format);
    let mut g = Getopt::new(args, "BRb:enrs:w");
    let mut o = Options::default();
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!("{usage_text}");
                return 0;
            }
            Ok(Some(Opt::Flag(flag, value))) => match flag {
                'B' => o.boot = true,
                'R' => o.restore = true,
                'e' => o.edit = true,
                'n' => o.dry_run = true,
                'w' => o.write = true,
                'b' => o.boot1 = value,
                's' => o.boot2 = value,
                // There is no in-kernel label to bypass: always on disk.
                'r' => {}
                _ => return usage_error(args, &format!("unknown option -- {flag}"), &usage_text),
            },
            Err(e) => return usage_error(args, &e.0, &usage_text),
        }
    }
    if usize::from(o.write) + usize::from(o.restore) + usize::from(o.edit) > 1 {
        return usage_error(args, "-w, -R and -e exclude each other", &usage_text);
    }
    let (name, extra) = match (g.operands(), o.restore, o.write) {
        ([disk, proto], true, _) => (disk, Some(proto)),
        ([disk, kind], false, true) if kind == "auto" => (disk, None),
        ([_, kind], false, true) => {
            return usage_error(
                args,
                &format!("unknown disk type: {kind} (only auto)"),
                &usage_text,
            );
        }
        ([disk], false, _) => (disk, None),
        ([_], true, _) => return usage_error(args, "missing prototype file", &usage_text),
        ([], ..) => return usage_error(args, "missing disk", &usage_text),
        ([_, .., extra], ..) => {
            return usage_error(args, &format!("extra operand: {extra}"), &usage_text);
        }
    };
    let writing = (o.write || o.restore || o.edit || o.boot) && !o.dry_run;
    with_disk(args, name, writing, |mut dev| {
        act(&o, format, name, extra.map(String::as_str), &mut dev)
    })
}

fn main(args: &[String]) -> i32 {
    run(args, Format::Label64)
}

fn act(
    o: &Options,
    format: Format,
    name: &str,
    proto: Option<&str>,
    dev: &mut Disk,
) -> Result<(), String> {
    let start = dev.base() / 512;
    let on_disk = Label::read(format, dev, start);
    let label = if o.write {
        Label::auto(format, dev)?
    } else if o.restore || o.edit {
        let base = match on_disk {
            Ok(label) => label,
            Err(disklabel::Error::NoLabel) => Label::auto(format, dev)?,
            Err(e) => return Err(e.to_string()),
        };
        if o.restore {
            let path = proto.unwrap_or_default();
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{path}: {}", crate::common::strerror(&e)))?;
            base.parse(&text).map_err(|e| format!("{path}: {e}"))?
        } else {
            edit(&base, name, dev)?
        }
    } else if o.boot {
        on_disk.map_err(|e| e.to_string())?
    } else {
        let label = on_disk.map_err(|e| e.to_string())?;
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(label.print(name).as_bytes());
        return Ok(());
    };
    let mut label = label;
    label.give_storage_uuids()?;
    label.validate(dev).map_err(|e| e.to_string())?;
    if o.dry_run {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(label.print(name).as_bytes());
        return Ok(());
    }
    if o.boot {
        install_boot(o, &label, dev)?;
    }
    if o.write || o.restore || o.edit {
        label.write(dev).map_err(|e| e.to_string())?;
    }
    dev.flush().map_err(|e| e.to_string())
}

/// Prints the label to a file, lets `$EDITOR` change it, and reads it back;
/// on a mistake, offers to edit again.
fn edit(base: &Label, name: &str, dev: &Disk) -> Result<Label, String> {
    let dir = std::env::temp_dir().join(format!("disklabel.{}", std::process::id()));
    // A new file only, readable by us alone: /tmp is shared.
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&dir)
        .and_then(|mut f| f.write_all(base.print(name).as_bytes()));
    created.map_err(|e| format!("{}: {}", dir.display(), crate::common::strerror(&e)))?;
    let editor = std::env::var("EDITOR").unwrap_or_else(|_| "vi".into());
    let result = loop {
        let status = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(&dir)
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => break Err(format!("{editor} exited with {s}")),
            Err(e) => break Err(format!("{editor}: {e}")),
        }
        let text = std::fs::read_to_string(&dir).map_err(|e| e.to_string())?;
        let error = match base.parse(&text) {
            Ok(label) => match label.validate(dev) {
                Ok(()) => break Ok(label),
                Err(e) => e.to_string(),
            },
            Err(e) => e.to_string(),
        };
        eprint!("{error}\nre-edit the label? [y]: ");
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).is_err()
            || answer.is_empty()
            || answer.trim().starts_with(['n', 'N'])
        {
            break Err(format!("label not changed: {error}"));
        }
    };
    let _ = std::fs::remove_file(&dir);
    result
}

/// Writes boot1 at byte 0 and boot2 in its area, each from its file or as
/// zeroes (Basalt boots through GRUB and has no BSD boot blocks).
fn install_boot(o: &Options, label: &Label, dev: &mut Disk) -> Result<(), String> {
    let load = |path: &Option<String>, room: u64| -> Result<Vec<u8>, String> {
        let mut bytes = match path {
            Some(p) => {
                std::fs::read(p).map_err(|e| format!("{p}: {}", crate::common::strerror(&e)))?
            }
            None => Vec::new(),
        };
        if bytes.len() as u64 > room {
            return Err(format!(
                "{}: larger than its {room}-byte area",
                path.as_deref().unwrap_or("")
            ));
        }
        bytes.resize(room as usize, 0);
        Ok(bytes)
    };
    let boot1 = load(&o.boot1, 512)?;
    let (b2_start, b2_end) = label.boot2_area();
    let boot2 = load(&o.boot2, b2_end.saturating_sub(b2_start))?;
    dev.write_at(0, &boot1).map_err(|e| e.to_string())?;
    dev.write_at(b2_start, &boot2).map_err(|e| e.to_string())?;
    Ok(())
}
