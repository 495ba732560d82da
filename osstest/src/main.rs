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
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench {
            which: Bench::Boot { runs },
        } => {
            let ws = Workspace::this();
            let work = ws.root().join("target").join("bench");
            std::fs::create_dir_all(&work)
                .with_context(|| format!("failed to create {}", work.display()))?;
            let report = osstest::bench::boot(&ws, runs as usize, &work)?;
            print!("{}", report.to_text());
        }
        Command::Bench {
            which: Bench::Syscalls,
        } => {
            let ws = Workspace::this();
            let work = ws.root().join("target").join("bench");
            std::fs::create_dir_all(&work)
                .with_context(|| format!("failed to create {}", work.display()))?;
            let (note, rows) = osstest::bench::syscalls(&ws, &work)?;
            print!("{}", osstest::bench::syscalls_text(&note, &rows));
        }
    }
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
