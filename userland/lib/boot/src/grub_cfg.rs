//! `grub.cfg` for Basalt: serial and screen consoles, a timeout, and one
//! menu entry per way to start the system.

use std::fmt::Write;

/// One `menuentry`: a kernel, its command line and its boot modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    pub title: String,
    /// Path of the kernel as GRUB sees it, e.g. `/boot/kernel`.
    pub kernel: String,
    pub cmdline: String,
    /// Paths of `module2` files with their command lines.
    pub modules: Vec<(String, String)>,
}

/// A whole configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrubConfig {
    /// Seconds the menu waits; 0 boots the default at once.
    pub timeout: u32,
    /// Mirror the menu on COM1 (115200 8N1) as well as the screen.
    pub serial: bool,
    pub entries: Vec<MenuEntry>,
}

/// GRUB's words are separated by spaces; quote anything else.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=,:()+".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

impl GrubConfig {
    /// Renders the file.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "set timeout={}", self.timeout);
        out.push_str("set default=0\n");
        if self.serial {
            out.push_str("serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1\n");
            out.push_str("terminal_input serial console\n");
            out.push_str("terminal_output serial console\n");
        }
        for entry in &self.entries {
            let _ = writeln!(out, "menuentry {} {{", quote(&entry.title));
            let _ = write!(out, "    multiboot2 {}", quote(&entry.kernel));
            for word in entry.cmdline.split_whitespace() {
                let _ = write!(out, " {}", quote(word));
            }
            out.push('\n');
            for (path, cmdline) in &entry.modules {
                let _ = write!(out, "    module2 {}", quote(path));
                for word in cmdline.split_whitespace() {
                    let _ = write!(out, " {}", quote(word));
                }
                out.push('\n');
            }
            out.push_str("    boot\n}\n");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_serial_menu_with_modules_and_quoting() {
        let cfg = GrubConfig {
            timeout: 0,
            serial: true,
            entries: vec![MenuEntry {
                title: "Basalt (test)".into(),
                kernel: "/boot/kernel".into(),
                cmdline: "basalt.poweroff=1 msg=it's".into(),
                modules: vec![("/boot/initrd".into(), "initrd".into())],
            }],
        };
        let text = cfg.render();
        assert!(text.starts_with("set timeout=0\n"));
        assert!(text.contains("terminal_output serial console\n"));
        assert!(text.contains("menuentry 'Basalt (test)' {\n"));
        assert!(text.contains("    multiboot2 /boot/kernel basalt.poweroff=1 'msg=it'\\''s'\n"));
        assert!(text.contains("    module2 /boot/initrd initrd\n"));
    }

    #[test]
    fn grub_script_check_accepts_it() {
        let cfg = GrubConfig {
            timeout: 3,
            serial: true,
            entries: vec![MenuEntry {
                title: "Basalt".into(),
                kernel: "/boot/kernel".into(),
                cmdline: "a=1 b".into(),
                modules: vec![],
            }],
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grub.cfg");
        std::fs::write(&path, cfg.render()).unwrap();
        let status = std::process::Command::new("grub-script-check")
            .arg(&path)
            .status()
            .expect("grub-script-check (grub-common) is the judge; ci/setup installs it");
        assert!(status.success());
    }
}
