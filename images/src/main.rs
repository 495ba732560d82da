//! `images`: Basalt's release builder.

use anyhow::Context;
use clap::{Parser, Subcommand};
use images::{Workspace, progress::Steps};
use std::path::PathBuf;
use std::process::ExitCode;

/// Builds Basalt: the kernel, the userland, packages and images.
#[derive(Parser)]
#[command(name = "images", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build everything into DIR: DIR/kernel (the bootable kernel ELF),
    /// DIR/packages (signed base packages), DIR/root (the image root).
    Build {
        /// Output directory; created when missing.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Also write DIR/basalt.img, a GPT disk that boots on BIOS through
        /// GRUB (Debian's, or the one under $BASALT_GRUB_DIR).
        #[arg(long)]
        disk: bool,
    },
    /// Run clippy on the kernel image with the kernel's own flags.
    Clippy,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Build { out, disk } => {
            let ws = Workspace::this();
            let artifacts = images::build(&ws, &out, &Steps::for_stderr())
                .with_context(|| format!("failed to build into {}", out.display()))?;
            println!("{}", artifacts.kernel.display());
            println!("{}", artifacts.packages.display());
            println!("{}", artifacts.root.display());
            if disk {
                let image = out.join("basalt.img");
                let grub = images::disk::GrubDir::from_env();
                let report = Steps::for_stderr()
                    .step("disk image", || {
                        images::build_disk(&artifacts, &image, &grub)
                    })
                    .with_context(|| format!("failed to write {}", image.display()))?;
                println!("{}", image.display());
                eprintln!(
                    "basalt.img: GRUB prefix {}, core.img {} sectors",
                    report.prefix, report.core_img_sectors
                );
            }
        }
        Command::Clippy => {
            images::clippy_kernel(&Workspace::this()).context("the kernel image has lint errors")?
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors and 0 for --help.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("images: {e:#}");
            ExitCode::FAILURE
        }
    }
}
