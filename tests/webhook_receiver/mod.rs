//! A real HTTP receiver for webhook tests: a std `TcpListener` on 127.0.0.1 that records every
//! request (headers and body) and answers as told: 200, another status, a redirect, or not at all
//! (holding the connection). `stop` closes the listener, so connections are refused until
//! `restart` binds the same port again.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;

#[derive(Clone, Debug)]
pub enum Answer {
    Status(u16),
    Redirect(String),
    /// Read the request, answer nothing (until the process at the other end dies).
    Hold,
}

#[derive(Clone, Debug)]
pub struct Got {
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Got {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(&name.to_ascii_lowercase()).map_or("", String::as_str)
    }
    pub fn event(&self) -> String {
        self.json()["event"].as_str().unwrap().to_string()
    }
    /// Whether `Frontdesk-Signature` is `t=…,v1=HMAC-SHA256(secret, "t.body")`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let sig = self.header("frontdesk-signature");
        let Some((t, v1)) = sig.split_once(',') else { return false };
        let (Some(t), Some(v1)) = (t.strip_prefix("t="), v1.strip_prefix("v1=")) else { return false };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{t}.{}", self.body).as_bytes());
        let want: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        want == v1
    }
}

pub struct Receiver {
    pub port: u16,
    pub got: Arc<Mutex<Vec<Got>>>,
    pub answer: Arc<Mutex<Answer>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let mut r = Receiver {
            port: 0,
            got: Arc::default(),
            answer: Arc::new(Mutex::new(Answer::Status(200))),
            stop: Arc::default(),
            handle: None,
        };
        r.restart();
        r
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hooks", self.port)
    }

    pub fn set(&self, a: Answer) {
        *self.answer.lock().unwrap() = a;
    }

    /// Close the listener: connections are refused from now on.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            h.join().unwrap();
        }
    }

    /// Listen again (on the same port once it had one).
    pub fn restart(&mut self) {
        self.stop();
        self.stop = Arc::default();
        let l = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        self.port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        let (got, answer, stop) = (self.got.clone(), self.answer.clone(), self.stop.clone());
        self.handle = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((s, _)) => {
                        let (got, answer) = (got.clone(), answer.clone());
                        std::thread::spawn(move || serve(s, &got, &answer));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }));
    }

    pub fn all(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Wait until at least `n` requests arrived; all of them.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<Got> {
        let t = Instant::now();
        loop {
            let all = self.all();
            if all.len() >= n {
                return all;
            }
            assert!(t.elapsed() < limit, "{} of {n} deliveries arrived: {:?}", all.len(), all.iter().map(Got::event).collect::<Vec<_>>());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(mut s: TcpStream, got: &Mutex<Vec<Got>>, answer: &Mutex<Answer>) {
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("").to_string();
    let headers: BTreeMap<String, String> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + len]).to_string();
    got.lock().unwrap().push(Got { path, headers, body });
    let a = answer.lock().unwrap().clone();
    let reply = match a {
        Answer::Status(code) => format!("HTTP/1.1 {code} X\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived"),
        Answer::Redirect(to) => format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
        Answer::Hold => {
            std::thread::sleep(Duration::from_secs(20));
            return;
        }
    };
    let _ = s.write_all(reply.as_bytes());
}
