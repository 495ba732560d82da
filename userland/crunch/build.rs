//! Finds the programs: every folder `userland/{bin,sbin}/NAME` that holds
//! `NAME.rs` is one module of the multi-call binary, and that module defines
//! `pub const PROGRAM: crate::Program`. Adding a program is adding its folder.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let userland = Path::new(&manifest)
        .parent()
        .expect("crunch lives in userland/");
    let mut programs = Vec::new();
    for dir in ["bin", "sbin"] {
        let top = userland.join(dir);
        println!("cargo:rerun-if-changed={}", top.display());
        let Ok(entries) = std::fs::read_dir(&top) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let source = entry.path().join(format!("{name}.rs"));
            if source.is_file() {
                println!("cargo:rerun-if-changed={}", entry.path().display());
                programs.push((name, source));
            }
        }
    }
    programs.sort();
    let mut code = String::new();
    for (name, source) in &programs {
        let module = module_name(name);
        writeln!(
            code,
            "#[path = {:?}]\npub mod {module};",
            source.display().to_string()
        )
        .unwrap();
    }
    code.push_str("/// Every program of the binary, by module name.\npub static PROGRAMS: &[&crate::Program] = &[\n");
    for (name, _) in &programs {
        writeln!(code, "    &{}::PROGRAM,", module_name(name)).unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("programs.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}

/// A raw identifier, so programs named like keywords (`true`) are modules too.
fn module_name(program: &str) -> String {
    format!("r#{}", program.replace('-', "_"))
}
