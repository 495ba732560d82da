//! Fetching catalogues and package files from `file://` and `http(s)://` repositories:
//! parallel downloads, resumed from `.part` files, progress bars only on a terminal.

use std::fs::{self, OpenOptions};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::digest::sha256_file;
use crate::error::{Error, Result, invalid, io_at};

const PARALLEL_DOWNLOADS: usize = 4;

pub struct Fetcher {
    /// Made on first HTTP use: a `file://`-only run needs no HTTP runtime.
    client: std::sync::OnceLock<std::result::Result<reqwest::blocking::Client, String>>,
}

/// One package file to obtain: tried at each base URL in turn.
pub struct Job {
    pub bases: Vec<String>,
    pub file: String,
    pub sha256: String,
    pub size: u64,
    /// Where an HTTP download is kept (a `file://` package is used where it lies).
    pub cache: PathBuf,
}

fn join(base: &str, file: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), file)
}

impl Fetcher {
    pub fn new() -> Result<Fetcher> {
        Ok(Fetcher {
            client: std::sync::OnceLock::new(),
        })
    }

    fn client(&self) -> Result<&reqwest::blocking::Client> {
        let client = self.client.get_or_init(|| {
            reqwest::blocking::Client::builder()
                .no_proxy()
                .timeout(std::time::Duration::from_secs(600))
                .build()
                .map_err(|e| e.to_string())
        });
        client.as_ref().map_err(|e| invalid("HTTP client", e))
    }

    /// A small file (a catalogue or its signatures); `None` when it does not exist.
    pub fn get_optional(&self, base: &str, file: &str) -> Result<Option<String>> {
        let url = join(base, file);
        if let Some(path) = url.strip_prefix("file://") {
            return match fs::read_to_string(path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io_at(Path::new(path))(e)),
            };
        }
        let response = self
            .client()?
            .get(&url)
            .send()
            .map_err(|e| invalid(&url, e))?;
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let response = response.error_for_status().map_err(|e| invalid(&url, e))?;
        response.text().map(Some).map_err(|e| invalid(&url, e))
    }

    /// Obtains and verifies every job's file in parallel; returns their local paths in
    /// job order.
    pub fn fetch_all(&self, jobs: &[Job]) -> Result<Vec<PathBuf>> {
        let bars = io::stderr().is_terminal().then(MultiProgress::new);
        let next = Mutex::new(0usize);
        let results: Vec<Mutex<Option<Result<PathBuf>>>> =
            jobs.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..PARALLEL_DOWNLOADS.min(jobs.len()) {
                scope.spawn(|| {
                    loop {
                        let index = {
                            let mut next = next.lock().expect("no panics while locked");
                            let index = *next;
                            *next += 1;
                            index
                        };
                        let Some(job) = jobs.get(index) else { break };
                        let bar = bars.as_ref().map(|b| b.add(progress_bar(job)));
                        let result = self.fetch_one(job, bar.as_ref());
                        if let Some(bar) = bar {
                            bar.finish_and_clear();
                        }
                        *results[index].lock().expect("no panics while locked") = Some(result);
                    }
                });
            }
        });
        results
            .into_iter()
            .map(|r| {
                r.into_inner()
                    .expect("no panics while locked")
                    .expect("every job ran")
            })
            .collect()
    }

    fn fetch_one(&self, job: &Job, bar: Option<&ProgressBar>) -> Result<PathBuf> {
        let mut last_error = None;
        for base in &job.bases {
            let url = join(base, &job.file);
            let (attempt, downloaded) = match url.strip_prefix("file://") {
                Some(path) => (Ok(PathBuf::from(path)), false),
                None => (self.download(&url, job, bar), true),
            };
            match attempt.and_then(|path| check(&path, job).map(|()| path)) {
                Ok(path) => return Ok(path),
                Err(e) => {
                    if downloaded {
                        // A bad download must not be taken for a finished one next time.
                        let _ = fs::remove_file(&job.cache);
                    }
                    last_error = Some(e);
                }
            }
        }
        Err(last_error.unwrap_or_else(|| invalid(&job.file, "no repository URL")))
    }

    /// Downloads into `job.cache`, resuming a `.part` file with a Range request.
    fn download(&self, url: &str, job: &Job, bar: Option<&ProgressBar>) -> Result<PathBuf> {
        if job.cache.exists() && sha256_file(&job.cache)? == job.sha256 {
            return Ok(job.cache.clone());
        }
        if let Some(dir) = job.cache.parent() {
            fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        let part = job.cache.with_extension("pkg.part");
        let have = fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
        let mut request = self.client()?.get(url);
        if have > 0 && have < job.size {
            request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
        }
        let mut response = request
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(|e| invalid(url, e))?;
        let resumed = response.status() == reqwest::StatusCode::PARTIAL_CONTENT;
        let mut out = OpenOptions::new()
            .create(true)
            .write(true)
            .append(resumed)
            .truncate(!resumed)
            .open(&part)
            .map_err(io_at(&part))?;
        let mut written = if resumed { have } else { 0 };
        if let Some(bar) = bar {
            bar.set_position(written);
        }
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = response.read(&mut buf).map_err(|e| invalid(url, e))?;
            if n == 0 {
                break;
            }
            written += n as u64;
            if written > job.size {
                return Err(invalid(url, "larger than the catalogue says"));
            }
            out.write_all(&buf[..n]).map_err(io_at(&part))?;
            if let Some(bar) = bar {
                bar.set_position(written);
            }
        }
        out.sync_all().map_err(io_at(&part))?;
        fs::rename(&part, &job.cache).map_err(io_at(&job.cache))?;
        Ok(job.cache.clone())
    }
}

fn check(path: &Path, job: &Job) -> Result<()> {
    let actual = sha256_file(path)?;
    if actual != job.sha256 {
        return Err(Error::Invalid {
            subject: path.display().to_string(),
            problem: format!(
                "hash mismatch: catalogue says {}, file has {actual}",
                job.sha256
            ),
        });
    }
    Ok(())
}

fn progress_bar(job: &Job) -> ProgressBar {
    let bar = ProgressBar::new(job.size);
    bar.set_style(
        ProgressStyle::with_template("{msg:30} {bar:30} {bytes}/{total_bytes}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(job.file.clone());
    bar
}
