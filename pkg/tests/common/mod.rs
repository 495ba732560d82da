//! Test fixtures: a scratch world (stage, repository, root, per-test development key),
//! package building through `pkg create`, and a `python3 -m http.server` guard.

#![allow(dead_code)] // each test binary uses a different part of the fixtures

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use assert_cmd::Command;

pub struct World {
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        let world = World {
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in ["repo", "root", "keys", "config", "stage"] {
            fs::create_dir_all(world.path(sub)).unwrap();
        }
        world
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn root(&self) -> PathBuf {
        self.path("root")
    }

    pub fn repo(&self) -> PathBuf {
        self.path("repo")
    }

    /// `pkg` with a private development-key directory.
    pub fn pkg(&self) -> Command {
        let mut cmd = Command::cargo_bin("pkg").unwrap();
        cmd.env("XDG_CONFIG_HOME", self.path("config"))
            .env_remove("SOURCE_DATE_EPOCH");
        cmd
    }

    /// `pkg -r ROOT -y ARGS...`
    pub fn pkg_root(&self, args: &[&str]) -> Command {
        let mut cmd = self.pkg();
        cmd.arg("-r").arg(self.root()).arg("-y").args(args);
        cmd
    }

    /// Stages `files` (path, content; a path ending in `*` is made executable) and runs
    /// `pkg create` into the repository; returns the package file.
    pub fn package(
        &self,
        name: &str,
        version: &str,
        manifest_extra: &str,
        files: &[(&str, &str)],
    ) -> PathBuf {
        let stage = self.path(&format!("stage/{name}-{version}"));
        fs::create_dir_all(&stage).unwrap();
        for (path, content) in files {
            let (path, executable) = match path.strip_suffix('*') {
                Some(p) => (p, true),
                None => (*path, false),
            };
            let file = stage.join(path);
            fs::create_dir_all(file.parent().unwrap()).unwrap();
            fs::write(&file, content).unwrap();
            let mode = if executable { 0o755 } else { 0o644 };
            fs::set_permissions(&file, fs::Permissions::from_mode(mode)).unwrap();
        }
        let manifest = self.path(&format!("stage/{name}-{version}.toml"));
        fs::write(&manifest, format!("name = \"{name}\"\nversion = \"{version}\"\ncomment = \"{name} for tests\"\n{manifest_extra}")).unwrap();
        self.pkg()
            .arg("create")
            .arg("-M")
            .arg(&manifest)
            .arg("-r")
            .arg(&stage)
            .arg("-o")
            .arg(self.repo())
            .assert()
            .success();
        self.repo().join(format!("{name}-{version}.pkg"))
    }

    /// Generates a key pair in keys/; returns (secret, public).
    pub fn key(&self, name: &str) -> (PathBuf, PathBuf) {
        let (secret, public) = (
            self.path(&format!("keys/{name}.key")),
            self.path(&format!("keys/{name}.pub")),
        );
        self.pkg()
            .args(["key", "generate", "-o"])
            .arg(&secret)
            .arg("-p")
            .arg(&public)
            .assert()
            .success();
        (secret, public)
    }

    /// Puts `public` into the root's trusted (or revoked) directory of repository `repo`.
    pub fn trust(&self, repo: &str, public: &Path, list: &str) {
        let output = self
            .pkg()
            .args(["key", "fingerprint"])
            .arg(public)
            .output()
            .unwrap();
        assert!(output.status.success());
        let dir = self
            .root()
            .join(format!("etc/pkg/fingerprints/{repo}/{list}"));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(public.file_name().unwrap()), output.stdout).unwrap();
    }

    /// Writes `ROOT/etc/pkg/repos/<name>.toml`.
    pub fn configure(&self, name: &str, url: &str, extra: &str) {
        let dir = self.root().join("etc/pkg/repos");
        fs::create_dir_all(&dir).unwrap();
        let text =
            format!("url = \"{url}\"\nfingerprints = \"/etc/pkg/fingerprints/{name}\"\n{extra}");
        fs::write(dir.join(format!("{name}.toml")), text).unwrap();
    }

    pub fn file_url(&self) -> String {
        format!("file://{}", self.repo().display())
    }

    /// `pkg repo REPO SECRET --revision N`.
    pub fn publish(&self, secret: &Path, revision: u64) {
        self.pkg()
            .arg("repo")
            .arg(self.repo())
            .arg(secret)
            .arg("--revision")
            .arg(revision.to_string())
            .assert()
            .success();
    }

    /// A trusted, signed `file://` repository named `main`; returns the secret key.
    pub fn signed_repo(&self) -> PathBuf {
        let (secret, public) = self.key("main");
        self.trust("main", &public, "trusted");
        self.configure("main", &self.file_url(), "");
        secret
    }
}

/// Every path under `dir` with its type and content, to compare states; the catalogue
/// cache and download cache are left out (they are caches, not installed state).
pub fn snapshot(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(children) = fs::read_dir(dir) else {
        return;
    };
    for child in children {
        let path = child.unwrap().path();
        let rel = path
            .strip_prefix(base)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if rel.starts_with("var/db/pkg/repos") || rel.starts_with("var/cache") {
            continue;
        }
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.file_type().is_symlink() {
            out.push((
                rel,
                format!("-> {}", fs::read_link(&path).unwrap().display()),
            ));
        } else if meta.is_dir() {
            out.push((rel.clone(), "dir".into()));
            walk(base, &path, out);
        } else {
            out.push((
                rel,
                String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned(),
            ));
        }
    }
}

/// `python3 -m http.server` on 127.0.0.1 and a free port, killed (by PID) on drop.
pub struct HttpServer {
    child: Child,
    pub url: String,
}

impl HttpServer {
    pub fn serve(dir: &Path) -> HttpServer {
        let mut child = std::process::Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed for the HTTP repository tests");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port: u16 = line
            .split(" port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected http.server banner: {line}"));
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The one line a refused command printed on stderr.
pub fn error_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected failure, got {:?}; stderr: {stderr}",
        output.status
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "expected one error line, got: {stderr}"
    );
    assert!(stderr.starts_with("pkg: "), "{stderr}");
    stderr
}
