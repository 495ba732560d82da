//! The package file: a zstd-compressed tar archive whose first entry is `+MANIFEST` (the
//! manifest with every entry's type, mode, size and SHA-256), followed by the entries in
//! manifest order. Tar keeps the file readable by standard tools (`zstd -dc | tar -t`);
//! everything that matters is checked against the manifest on extraction.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use sha2::{Digest, Sha256};
use tar::EntryType;

use crate::error::{Result, invalid, io_at};
use crate::manifest::{Kind, Manifest};

pub const MANIFEST_ENTRY: &str = "+MANIFEST";
const MAX_MANIFEST: u64 = 64 << 20;

/// Writes a package archive from `manifest` (with its entries) and the staged tree.
pub fn write(manifest: &Manifest, stage: &Path, out: &Path) -> Result<()> {
    let dir = out.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(io_at(dir))?;
    let write_all = || -> io::Result<()> {
        let mut encoder = zstd::Encoder::new(BufWriter::new(tmp.as_file()), 3)?;
        // A frame checksum makes corruption of the compressed bytes an error.
        encoder.include_checksum(true)?;
        let mut tar = tar::Builder::new(encoder);
        let text = manifest.to_toml();
        let mut header = tar_header(EntryType::Regular, 0o644, text.len() as u64);
        tar.append_data(&mut header, MANIFEST_ENTRY, text.as_bytes())?;
        for entry in &manifest.entries {
            let source = stage.join(&entry.path);
            match entry.kind {
                Kind::Dir => {
                    let mut header = tar_header(EntryType::Directory, entry.mode, 0);
                    tar.append_data(&mut header, &entry.path, io::empty())?;
                }
                Kind::File => {
                    let mut header = tar_header(EntryType::Regular, entry.mode, entry.size);
                    let file = File::open(&source)?;
                    tar.append_data(&mut header, &entry.path, file.take(entry.size))?;
                }
                Kind::Symlink => {
                    let mut header = tar_header(EntryType::Symlink, entry.mode, 0);
                    let target = entry.target.as_deref().unwrap_or_default();
                    tar.append_link(&mut header, &entry.path, target)?;
                }
            }
        }
        tar.into_inner()?.finish()?.flush()
    };
    write_all().map_err(io_at(out))?;
    tmp.persist(out).map_err(|e| e.error).map_err(io_at(out))?;
    Ok(())
}

/// Headers carry no owner and no time, so the same tree always gives the same bytes.
fn tar_header(kind: EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    header
}

fn open(path: &Path) -> Result<tar::Archive<zstd::Decoder<'static, BufReader<File>>>> {
    let file = File::open(path).map_err(io_at(path))?;
    let decoder = zstd::Decoder::new(file).map_err(io_at(path))?;
    Ok(tar::Archive::new(decoder))
}

fn corrupt(path: &Path, e: impl std::fmt::Display) -> crate::Error {
    invalid(path.display(), format!("corrupt or truncated package: {e}"))
}

/// Reads only the manifest of a package file.
pub fn read_manifest(path: &Path) -> Result<Manifest> {
    let mut archive = open(path)?;
    let mut entries = archive.entries().map_err(|e| corrupt(path, e))?;
    first_manifest(path, &mut entries)
}

fn first_manifest<R: Read>(path: &Path, entries: &mut tar::Entries<'_, R>) -> Result<Manifest> {
    let mut entry = match entries.next() {
        Some(entry) => entry.map_err(|e| corrupt(path, e))?,
        None => return Err(corrupt(path, "empty archive")),
    };
    let name = entry.path_bytes().into_owned();
    if name != MANIFEST_ENTRY.as_bytes() || entry.size() > MAX_MANIFEST {
        return Err(invalid(path.display(), "first entry is not a +MANIFEST"));
    }
    let mut text = String::new();
    entry
        .read_to_string(&mut text)
        .map_err(|e| corrupt(path, e))?;
    Manifest::parse(&text, &format!("{}: +MANIFEST", path.display()))
}

/// Extracts the package at `path` into the empty directory `dest`, checking every entry
/// against the manifest: type, mode, size and hash; refuses anything undeclared.
pub fn extract(path: &Path, dest: &Path) -> Result<Manifest> {
    let mut archive = open(path)?;
    let mut entries = archive.entries().map_err(|e| corrupt(path, e))?;
    let manifest = first_manifest(path, &mut entries)?;
    let mut seen = BTreeSet::new();
    let mut made_dirs = std::collections::HashSet::new();
    let mut buf = vec![0u8; 64 * 1024];
    for entry in entries {
        let mut entry = entry.map_err(|e| corrupt(path, e))?;
        let name = String::from_utf8(entry.path_bytes().into_owned())
            .map_err(|_| invalid(path.display(), "entry name is not UTF-8"))?;
        let refuse = |problem: &str| invalid(format!("{}: {name}", path.display()), problem);
        let declared = manifest
            .entry(&name)
            .ok_or_else(|| refuse("not in the manifest"))?;
        if !seen.insert(name.clone()) {
            return Err(refuse("appears twice"));
        }
        let header = entry.header();
        let kind = match header.entry_type() {
            EntryType::Regular => Kind::File,
            EntryType::Directory => Kind::Dir,
            EntryType::Symlink => Kind::Symlink,
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                return Err(refuse("device nodes and fifos are not allowed"));
            }
            _ => return Err(refuse("unsupported entry type (hard link or special)")),
        };
        let mode = header.mode().map_err(|e| corrupt(path, e))? & 0o7777;
        if kind != declared.kind || mode != declared.mode {
            return Err(refuse("type or mode differs from the manifest"));
        }
        let target = dest.join(&name);
        if let Some(parent) = target.parent()
            && made_dirs.insert(parent.to_path_buf())
        {
            fs::create_dir_all(parent).map_err(io_at(parent))?;
        }
        match kind {
            Kind::Dir => {
                if made_dirs.insert(target.clone()) {
                    fs::create_dir_all(&target).map_err(io_at(&target))?;
                }
            }
            Kind::Symlink => {
                let link = entry.link_name_bytes().unwrap_or_default().into_owned();
                if Some(link.as_slice()) != declared.target.as_deref().map(str::as_bytes) {
                    return Err(refuse("symlink target differs from the manifest"));
                }
                std::os::unix::fs::symlink(String::from_utf8_lossy(&link).as_ref(), &target)
                    .map_err(io_at(&target))?;
            }
            Kind::File => {
                if entry.size() > declared.size {
                    return Err(refuse("file is larger than declared"));
                }
                let mut out = BufWriter::new(File::create(&target).map_err(io_at(&target))?);
                let mut hasher = Sha256::new();
                let mut total = 0u64;
                loop {
                    let n = entry.read(&mut buf).map_err(|e| corrupt(path, e))?;
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    hasher.update(&buf[..n]);
                    out.write_all(&buf[..n]).map_err(io_at(&target))?;
                }
                out.flush().map_err(io_at(&target))?;
                if total != declared.size {
                    return Err(refuse("file is shorter than declared (truncated)"));
                }
                if hex::encode(hasher.finalize()) != declared.sha256 {
                    return Err(refuse("hash mismatch"));
                }
                let perms = fs::Permissions::from_mode(mode);
                out.get_ref()
                    .set_permissions(perms)
                    .map_err(io_at(&target))?;
            }
        }
    }
    if let Some(missing) = manifest.entries.iter().find(|e| !seen.contains(&e.path)) {
        return Err(corrupt(path, format!("{} is missing", missing.path)));
    }
    // Directory modes last: a read-only directory must be filled first.
    for entry in manifest.entries.iter().filter(|e| e.kind == Kind::Dir) {
        let target = dest.join(&entry.path);
        fs::set_permissions(&target, fs::Permissions::from_mode(entry.mode))
            .map_err(io_at(&target))?;
    }
    Ok(manifest)
}
