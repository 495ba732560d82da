//! Writers for the alternatives' package formats, so the same generated packages can be
//! installed by pacman (`.pkg.tar.zst` with `.PKGINFO`) and dpkg (`.deb`: an ar archive
//! of `debian-binary`, `control.tar.zst` and `data.tar.zst`).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// A generated package: name, dependencies and files (path relative to `usr/local`).
pub struct Spec {
    pub name: String,
    pub depends: Vec<String>,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Spec {
    fn size(&self) -> usize {
        self.files.iter().map(|(_, data)| data.len()).sum()
    }

    /// Directories above the files, under `usr/local`, parents first.
    fn dirs(&self) -> Vec<String> {
        let mut dirs = vec!["usr".to_string(), "usr/local".to_string()];
        for (path, _) in &self.files {
            let mut prefix = "usr/local".to_string();
            let parts: Vec<&str> = path.split('/').collect();
            for part in &parts[..parts.len() - 1] {
                prefix = format!("{prefix}/{part}");
                if !dirs.contains(&prefix) {
                    dirs.push(prefix.clone());
                }
            }
        }
        dirs
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_mtime(0);
    header
}

fn tar_zst(entries: &[(String, Option<&[u8]>)]) -> io::Result<Vec<u8>> {
    let encoder = zstd::Encoder::new(Vec::new(), 3)?;
    let mut tar = tar::Builder::new(encoder);
    for (path, data) in entries {
        match data {
            Some(data) => tar.append_data(
                &mut header(tar::EntryType::Regular, 0o644, data.len() as u64),
                path,
                *data,
            )?,
            None => tar.append_data(
                &mut header(tar::EntryType::Directory, 0o755, 0),
                path,
                io::empty(),
            )?,
        }
    }
    tar.into_inner()?.finish()
}

pub fn write_pacman(spec: &Spec, out: &Path) -> io::Result<()> {
    let mut info = format!(
        "pkgname = {0}\npkgbase = {0}\npkgver = 1-1\npkgdesc = generated\nbuilddate = 0\npackager = pkg-bench\nsize = {1}\narch = x86_64\n",
        spec.name,
        spec.size()
    );
    for dep in &spec.depends {
        info.push_str(&format!("depend = {dep}\n"));
    }
    let mut entries: Vec<(String, Option<&[u8]>)> =
        vec![(".PKGINFO".into(), Some(info.as_bytes()))];
    entries.extend(spec.dirs().into_iter().map(|d| (d, None)));
    entries.extend(
        spec.files
            .iter()
            .map(|(p, d)| (format!("usr/local/{p}"), Some(d.as_slice()))),
    );
    File::create(out)?.write_all(&tar_zst(&entries)?)
}

pub fn write_deb(spec: &Spec, out: &Path) -> io::Result<()> {
    let mut control = format!(
        "Package: {}\nVersion: 1\nArchitecture: all\nMaintainer: pkg-bench <bench@basalt.invalid>\nDescription: generated\n",
        spec.name
    );
    if !spec.depends.is_empty() {
        control.push_str(&format!("Depends: {}\n", spec.depends.join(", ")));
    }
    let control = tar_zst(&[("./control".into(), Some(control.as_bytes()))])?;
    let mut entries: Vec<(String, Option<&[u8]>)> = vec![("./".into(), None)];
    entries.extend(spec.dirs().into_iter().map(|d| (format!("./{d}/"), None)));
    entries.extend(
        spec.files
            .iter()
            .map(|(p, d)| (format!("./usr/local/{p}"), Some(d.as_slice()))),
    );
    let data = tar_zst(&entries)?;
    let mut ar = File::create(out)?;
    ar.write_all(b"!<arch>\n")?;
    for (name, body) in [
        ("debian-binary", &b"2.0\n"[..]),
        ("control.tar.zst", &control),
        ("data.tar.zst", &data),
    ] {
        writeln!(
            ar,
            "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`",
            name,
            0,
            0,
            0,
            100644,
            body.len()
        )?;
        ar.write_all(body)?;
        if body.len() % 2 == 1 {
            ar.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// A pacman sync database (`NAME.db`: a tar of `NAME-VER/desc` files).
pub fn write_pacman_sync_db(packages: &[(String, Vec<String>)], out: &Path) -> io::Result<()> {
    let mut tar = tar::Builder::new(File::create(out)?);
    for (name, depends) in packages {
        let mut desc = format!(
            "%FILENAME%\n{name}-1-1-x86_64.pkg.tar.zst\n\n%NAME%\n{name}\n\n%VERSION%\n1-1\n\n%ARCH%\nx86_64\n\n%CSIZE%\n100\n\n"
        );
        if !depends.is_empty() {
            desc.push_str(&format!(
                "%DEPENDS%\n{}\n\n",
                depends
                    .iter()
                    .map(|d| format!("{d}>=1"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
        tar.append_data(
            &mut header(tar::EntryType::Directory, 0o755, 0),
            format!("{name}-1-1/"),
            io::empty(),
        )?;
        tar.append_data(
            &mut header(tar::EntryType::Regular, 0o644, desc.len() as u64),
            format!("{name}-1-1/desc"),
            desc.as_bytes(),
        )?;
    }
    tar.into_inner()?.flush()
}
