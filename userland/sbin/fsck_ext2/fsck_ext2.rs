//! `fsck_ext2`: check an ext2 filesystem and repair what can be repaired
//! safely; exit statuses as e2fsck(8).

use std::io::Write;

use crate::common::{Getopt, Opt, warn};
use ext2::Filesystem;
use partition::open::open_named;

pub const PROGRAM: crate::Program = crate::Program {
    names: &["fsck_ext2"],
    dir: "sbin",
    main,
};

const USAGE: &str = "usage: fsck_ext2 [-fny] device";

/// e2fsck's exit statuses.
const EXIT_CLEAN: i32 = 0;
const EXIT_FIXED: i32 = 1;
const EXIT_UNCORRECTED: i32 = 4;
const EXIT_ERROR: i32 = 8;
const EXIT_USAGE: i32 = 16;

fn usage(args: &[String], error: &str) -> i32 {
    eprintln!("{}: {error}\n{USAGE}", crate::common::prog(args));
    EXIT_USAGE
}

fn main(args: &[String]) -> i32 {
    let mut g = Getopt::new(args, "fnyp");
    let (mut force, mut read_only) = (false, false);
    loop {
        match g.next_opt() {
            Ok(None) => break,
            Ok(Some(Opt::Help)) => {
                println!("{USAGE}");
                return EXIT_CLEAN;
            }
            Ok(Some(Opt::Flag('f', _))) => force = true,
            Ok(Some(Opt::Flag('n', _))) => read_only = true,
            // Every repair made is a safe one, so -y and -p ask for nothing more.
            Ok(Some(Opt::Flag(_, _))) => {}
            Err(e) => return usage(args, &e.0),
        }
    }
    let name = match g.operands() {
        [device] => device.clone(),
        [] => return usage(args, "missing device"),
        [_, extra, ..] => return usage(args, &format!("extra operand: {extra}")),
    };
    let device = match open_named(&name, !read_only).and_then(|o| o.into_device()) {
        Ok(d) => d,
        Err(e) => {
            crate::common::warn_io(args, &name, &e);
            return EXIT_ERROR;
        }
    };
    let opened = if read_only {
        Filesystem::open_read_only(device)
    } else {
        Filesystem::open(device)
    };
    let mut fs = match opened {
        Ok(fs) => fs,
        Err(e) => {
            warn(args, format!("{name}: {e}"));
            return EXIT_ERROR;
        }
    };
    let mut out = std::io::stdout().lock();
    if !force && fs.superblock().state() & 1 != 0 {
        let st = fs.statfs();
        let _ = writeln!(
            out,
            "{name}: clean, {}/{} files, {}/{} blocks",
            st.inodes - st.free_inodes,
            st.inodes,
            st.blocks - st.free_blocks,
            st.blocks
        );
        return EXIT_CLEAN;
    }
    let report = match ext2::check::check(&mut fs, !read_only) {
        Ok(r) => r,
        Err(e) => {
            warn(args, format!("{name}: {e}"));
            return EXIT_ERROR;
        }
    };
    for p in &report.problems {
        let _ = writeln!(
            out,
            "{name}: {}{}",
            p.message,
            if p.fixed { " (fixed)" } else { "" }
        );
    }
    let _ = writeln!(
        out,
        "{name}: {}/{} files ({} directories), {}/{} blocks",
        report.inodes_used, report.inodes, report.directories, report.blocks_used, report.blocks
    );
    if let Err(e) = fs.sync() {
        warn(args, format!("{name}: {e}"));
        return EXIT_ERROR;
    }
    if report.unfixed() > 0 {
        EXIT_UNCORRECTED
    } else if report.problems.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FIXED
    }
}
