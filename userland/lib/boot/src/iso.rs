//! A bootable CD image (BIOS and UEFI) made with `grub-mkrescue`.

use crate::GrubConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the ISO could not be made.
#[derive(Debug, thiserror::Error)]
pub enum IsoError {
    #[error("failed to {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to run grub-mkrescue (install grub-common, xorriso, mtools): {0}")]
    Spawn(std::io::Error),
    #[error("grub-mkrescue failed: {0}")]
    Failed(String),
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> IsoError {
    let path = path.to_path_buf();
    move |source| IsoError::Io {
        action,
        path,
        source,
    }
}

/// Writes `out`: an ISO holding `files` (pairs of a path inside the image,
/// such as `boot/kernel`, and the file to copy there) and `config` as
/// `boot/grub/grub.cfg`. It boots on BIOS and on UEFI firmware.
pub fn make_rescue_iso(
    config: &GrubConfig,
    files: &[(&str, &Path)],
    out: &Path,
) -> Result<(), IsoError> {
    let staging = out.with_extension("iso.d");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io("remove", &staging))?;
    }
    let grub_dir = staging.join("boot").join("grub");
    std::fs::create_dir_all(&grub_dir).map_err(io("create", &grub_dir))?;
    let cfg = grub_dir.join("grub.cfg");
    std::fs::write(&cfg, config.render()).map_err(io("write", &cfg))?;
    for (inside, source) in files {
        let target = staging.join(inside.trim_start_matches('/'));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        std::fs::copy(source, &target).map_err(io("copy", source))?;
    }
    let output = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(out)
        .arg(&staging)
        .output()
        .map_err(IsoError::Spawn)?;
    let _ = std::fs::remove_dir_all(&staging);
    if !output.status.success() {
        return Err(IsoError::Failed(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    Ok(())
}
