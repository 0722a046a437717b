//! A tiny HTTP/1.1 server on 127.0.0.1 for the download tests.
//!
//! It answers one connection at a time with `Connection: close`, so every request is one
//! accept and can be counted. Its loop stops by itself after `max_requests` connections or
//! 20 seconds, whichever comes first, and when the server is dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a test server lives.
const LIFETIME: Duration = Duration::from_secs(20);

/// What the server sends back for one request.
pub(crate) enum Reply {
    /// A status line, extra headers and a body with a correct Content-Length.
    Status(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// 200 declaring `declared` bytes, then sending `body` (shorter) and closing.
    Truncated { declared: usize, body: Vec<u8> },
    /// Like `Truncated`, but holds the connection open for `pause` (at most 2 s) before
    /// closing: a server that stalls mid-body.
    Stall {
        declared: usize,
        body: Vec<u8>,
        pause: Duration,
    },
}

impl Reply {
    /// 200 with `body`.
    pub(crate) fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Status(200, Vec::new(), body.into())
    }

    /// `code` with a short text body.
    pub(crate) fn code(code: u16) -> Reply {
        Reply::Status(code, Vec::new(), format!("status {code}\n").into_bytes())
    }
}

type Handler = Box<dyn FnMut(&str, usize) -> Reply + Send>;

pub(crate) struct TestServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    targets: Arc<Mutex<Vec<String>>>,
    handle: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Serves at most `max_requests` requests; `handler(target, n)` gets the request target
    /// (a path, or a full URL when used as a proxy) and the 0-based request number.
    pub(crate) fn start(
        max_requests: usize,
        handler: impl FnMut(&str, usize) -> Reply + Send + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let handle = {
            let stop = Arc::clone(&stop);
            let targets = Arc::clone(&targets);
            let mut handler: Handler = Box::new(handler);
            std::thread::spawn(move || {
                let deadline = Instant::now() + LIFETIME;
                let mut served = 0;
                while served < max_requests
                    && !stop.load(Ordering::SeqCst)
                    && Instant::now() < deadline
                {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            if let Some(target) = serve(stream, served, &mut handler) {
                                targets.lock().expect("lock").push(target);
                            }
                            served += 1;
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        TestServer {
            addr,
            stop,
            targets,
            handle: Some(handle),
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Request targets seen so far, in order.
    pub(crate) fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("lock").clone()
    }

    /// Stops accepting and waits for the loop to end; the port then refuses connections.
    pub(crate) fn stop(mut self) -> Vec<String> {
        self.shutdown();
        self.targets()
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Reads one request head and writes the reply. `None` when no request line arrived.
fn serve(mut stream: TcpStream, n: usize, handler: &mut Handler) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 << 10 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => head.extend_from_slice(&buf[..k]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let target = text.lines().next()?.split(' ').nth(1)?.to_string();
    let mut pause = Duration::ZERO;
    let (status, headers, body, declared) = match handler(&target, n) {
        Reply::Status(code, headers, body) => {
            let len = body.len();
            (code, headers, body, len)
        }
        Reply::Truncated { declared, body } => (200, Vec::new(), body, declared),
        Reply::Stall {
            declared,
            body,
            pause: p,
        } => {
            pause = p.min(Duration::from_secs(2));
            (200, Vec::new(), body, declared)
        }
    };
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Length: {declared}\r\nConnection: close\r\n",
        reason(status)
    );
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    let _ = stream.write_all(&body);
    let _ = stream.flush();
    std::thread::sleep(pause);
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Some(target)
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        302 => "Found",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Other",
    }
}
