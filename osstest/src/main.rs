//! `osstest`: Basalt's test farm.

use anyhow::Context;
use clap::{Parser, Subcommand};
use images::Workspace;
use std::process::ExitCode;

/// Boots and tests Basalt on emulated machines.
#[derive(Parser)]
#[command(name = "osstest", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a benchmark and print the figures beside the reference's.
    Bench {
        #[command(subcommand)]
        which: Bench,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// Boot Basalt and Debian's Linux under QEMU and compare boot times.
    Boot {
        /// Boots per kernel and configuration.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
        runs: u32,
    },
    /// Run fork+exec+wait, thread create+join, pipe throughput and getppid
    /// on Basalt and on Debian's Linux in the same QEMU configuration.
    Syscalls,
    /// Sequential write and read of a 64 MiB file and create+unlink of
    /// 10,000 files on ext2 over virtio-blk, on Basalt and on Debian's Linux.
    Disk,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let Command::Bench { which } = cli.command;
    let ws = Workspace::this();
    let work = ws.root().join("target").join("bench");
    std::fs::create_dir_all(&work)
        .with_context(|| format!("failed to create {}", work.display()))?;
    let text = match which {
        Bench::Boot { runs } => osstest::bench::boot(&ws, runs as usize, &work)?.to_text(),
        Bench::Syscalls => {
            let (note, rows) = osstest::bench::syscalls(&ws, &work)?;
            osstest::bench::guest_text(
                "system call benchmark (selftest bench as init)",
                &note,
                &rows,
            )
        }
        Bench::Disk => {
            let (note, rows) = osstest::bench::disk(&ws, &work)?;
            osstest::bench::guest_text(
                "disk benchmark (selftest disk as init; ext2 made by mke2fs on a 256 MiB virtio-blk disk)",
                &note,
                &rows,
            )
        }
    };
    print!("{text}");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("osstest: {e:#}");
            ExitCode::FAILURE
        }
    }
}
