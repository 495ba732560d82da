//! A download interrupted earlier resumes from its `.part` file with an HTTP Range
//! request (python's http.server ignores Range, so this test serves files itself).

mod common;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use common::World;

/// Serves a directory on 127.0.0.1 honouring `Range: bytes=N-`; records each request.
struct RangeServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RangeServer {
    fn serve(dir: PathBuf) -> RangeServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, stopped) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream, &dir, &log);
                }
            }
        });
        RangeServer {
            url: format!("http://{address}"),
            requests,
            stop,
            thread: Some(thread),
        }
    }
}

fn answer(mut stream: TcpStream, dir: &std::path::Path, log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    reader.read_line(&mut request).unwrap();
    let path = request
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_string();
    let mut from = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap() == 0 || header.trim().is_empty() {
            break;
        }
        if let Some(range) = header.to_ascii_lowercase().strip_prefix("range: bytes=") {
            from = range.trim().trim_end_matches('-').parse().unwrap();
        }
    }
    log.lock().unwrap().push(format!("{path} from {from}"));
    let response = match fs::read(dir.join(&path)) {
        Ok(body) if from > 0 => {
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                body.len() - from,
                body.len() - 1,
                body.len()
            );
            [head.into_bytes(), body[from..].to_vec()].concat()
        }
        Ok(body) => [
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes(),
            body,
        ]
        .concat(),
        Err(_) => {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
        }
    };
    let _ = stream.write_all(&response);
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn interrupted_download_resumes_with_range_request() {
    let world = World::new();
    let (secret, public) = world.key("main");
    // Incompressible content, so the package file is large enough to split.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: String = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect();
    let package = world.package("big", "1", "", &[("share/big", &noise)]);
    world.publish(&secret, 1);
    let server = RangeServer::serve(world.repo());
    world.trust("main", &public, "trusted");
    world.configure("main", &server.url, "");

    let bytes = fs::read(&package).unwrap();
    let sha = pkg::digest::sha256_hex(&bytes);
    let half = bytes.len() / 2;
    let cache = world.root().join("var/cache/pkg");
    fs::create_dir_all(&cache).unwrap();
    fs::write(cache.join(format!("big-{sha}.pkg.part")), &bytes[..half]).unwrap();

    world.pkg_root(&["install", "big"]).assert().success();
    let installed = fs::read_to_string(world.root().join("usr/local/share/big")).unwrap();
    assert_eq!(installed, noise);
    let requests = server.requests.lock().unwrap().clone();
    assert!(
        requests.contains(&format!("big-1.pkg from {half}")),
        "{requests:?}"
    );
    assert!(
        !requests.contains(&"big-1.pkg from 0".to_string()),
        "{requests:?}"
    );
}
