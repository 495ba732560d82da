//! The kernel command line: `key=value` words, bare flags, and after `--` the
//! arguments for init, as on Linux.

/// A parsed view of the command line; it borrows the boot loader's string.
#[derive(Debug, Clone, Copy)]
pub struct Cmdline<'a> {
    kernel: &'a str,
    init_args: Option<&'a str>,
}

impl<'a> Cmdline<'a> {
    /// Splits `raw` into the kernel's words and init's arguments. Under
    /// Multiboot the loader may put the kernel's own path first (GRUB does):
    /// pass `skip_image_path` to drop a first word that looks like a path.
    pub fn new(raw: &'a str, skip_image_path: bool) -> Cmdline<'a> {
        let mut raw = raw.trim();
        if skip_image_path {
            let first = raw.split_ascii_whitespace().next().unwrap_or("");
            if (first.starts_with('/') || first.starts_with('(')) && !first.contains('=') {
                raw = raw[first.len()..].trim_start();
            }
        }
        let (kernel, init_args) = match find_separator(raw) {
            Some(at) => (raw[..at].trim_end(), Some(raw[at + 2..].trim())),
            None => (raw, None),
        };
        Cmdline { kernel, init_args }
    }

    /// The kernel's part of the command line.
    pub fn kernel_part(&self) -> &'a str {
        self.kernel
    }

    /// The words after `--`, for init.
    pub fn init_args(&self) -> Option<&'a str> {
        self.init_args
    }

    /// init's arguments as words; double quotes group words, as on Linux.
    pub fn init_words(&self) -> alloc::vec::Vec<alloc::string::String> {
        let mut words = alloc::vec::Vec::new();
        let mut word = alloc::string::String::new();
        let mut quoted = false;
        let mut started = false;
        for c in self.init_args.unwrap_or("").chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    started = true;
                }
                c if c.is_ascii_whitespace() && !quoted => {
                    if started {
                        words.push(core::mem::take(&mut word));
                        started = false;
                    }
                }
                c => {
                    word.push(c);
                    started = true;
                }
            }
        }
        if started {
            words.push(word);
        }
        words
    }

    /// The value of the last `key=value` word (later words override earlier ones).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.kernel
            .split_ascii_whitespace()
            .rev()
            .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
    }

    /// A boolean option: `key`, `key=1`, `key=on`, `key=yes`, `key=true` are on.
    pub fn flag(&self, key: &str) -> bool {
        if self.kernel.split_ascii_whitespace().any(|w| w == key) {
            return true;
        }
        matches!(self.get(key), Some("1" | "on" | "yes" | "true"))
    }
}

/// Finds a `--` standing alone as a word.
fn find_separator(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut at = 0;
    while let Some(pos) = s[at..].find("--") {
        let start = at + pos;
        let end = start + 2;
        let before_ok = start == 0 || bytes[start - 1].is_ascii_whitespace();
        let after_ok = end == bytes.len() || bytes[end].is_ascii_whitespace();
        if before_ok && after_ok {
            return Some(start);
        }
        at = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiboot_path_is_skipped_only_when_asked() {
        let c = Cmdline::new("/boot/kernel basalt.poweroff=1", true);
        assert_eq!(c.kernel_part(), "basalt.poweroff=1");
        let c = Cmdline::new("(hd0,gpt2)/boot/kernel quiet", true);
        assert_eq!(c.kernel_part(), "quiet");
        let c = Cmdline::new("root=/dev/vda1 quiet", true);
        assert_eq!(c.kernel_part(), "root=/dev/vda1 quiet");
        let c = Cmdline::new("/boot/kernel x=1", false);
        assert_eq!(c.kernel_part(), "/boot/kernel x=1");
    }

    #[test]
    fn values_flags_and_overrides() {
        let c = Cmdline::new("a=1 flag b=two a=3 c=off", false);
        assert_eq!(c.get("a"), Some("3"));
        assert_eq!(c.get("b"), Some("two"));
        assert_eq!(c.get("ab"), None);
        assert!(c.flag("flag"));
        assert!(!c.flag("a"));
        assert!(!c.flag("c"));
        assert!(!c.flag("missing"));
        assert!(Cmdline::new("basalt.poweroff=1", false).flag("basalt.poweroff"));
    }

    #[test]
    fn init_words_group_double_quotes() {
        let c = Cmdline::new(
            r#"rdinit=/bin/busybox -- sh -c "echo a  b; exit" "" x"#,
            false,
        );
        assert_eq!(c.init_words(), ["sh", "-c", "echo a  b; exit", "", "x"]);
        assert!(Cmdline::new("quiet", false).init_words().is_empty());
    }

    #[test]
    fn init_arguments_follow_a_lone_double_dash() {
        let c = Cmdline::new("init=/bin/sh --x=1 -- -c 'echo hi'", false);
        assert_eq!(c.kernel_part(), "init=/bin/sh --x=1");
        assert_eq!(c.init_args(), Some("-c 'echo hi'"));
        assert_eq!(c.get("--x"), Some("1"));
        assert_eq!(Cmdline::new("a --", false).init_args(), Some(""));
        assert_eq!(Cmdline::new("a--b", false).init_args(), None);
    }
}
