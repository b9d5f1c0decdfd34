//! Test harness: a real server on 127.0.0.1:0 with a fresh data directory, a raw HTTP/1.1 client
//! over TCP, and a real WebSocket client. Nothing of ours is mocked.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

pub use frontdesk::config::Config;

pub mod desk;

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let mut b = [0u8; 8];
        rand::fill(&mut b);
        let p = std::env::temp_dir().join(format!("frontdesk-test-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub struct Server {
    pub running: Option<frontdesk::Running>,
    pub addr: SocketAddr,
    pub dir: TempDir,
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(|_| {})
    }

    pub fn start_with(f: impl FnOnce(&mut Config)) -> Server {
        let dir = TempDir::new();
        let mut c = Config::for_test(dir.0.clone());
        f(&mut c);
        let running = frontdesk::start(c).expect("server starts");
        Server { addr: running.addr, running: Some(running), dir }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn client(&self) -> Client {
        Client { addr: self.addr, origin: self.origin(), cookie: None, csrf: None }
    }

    /// Run setup and return a signed-in admin client.
    pub fn admin(&self) -> Client {
        let mut c = self.client();
        let r = c.post_json(
            "/api/setup",
            &json!({"helpdesk_name": "Acme", "name": "Ada Admin", "email": "ada@example.com", "password": "correct horse battery"}),
        );
        assert_eq!(r.status, 201, "setup: {}", r.text());
        c.take_cookie(&r);
        c.load_csrf();
        c
    }

    /// Create an agent through the admin API and sign them in.
    pub fn agent(&self, admin: &Client, email: &str, name: &str, support: bool) -> Client {
        let r = admin
            .post_json("/api/users", &json!({"email": email, "name": name, "password": "agent password 1", "customer_support": support}));
        assert_eq!(r.status, 201, "create agent: {}", r.text());
        self.login(email, "agent password 1")
    }

    pub fn login(&self, email: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.post_json("/api/login", &json!({"email": email, "password": password}));
        assert_eq!(r.status, 200, "login: {}", r.text());
        c.take_cookie(&r);
        c.load_csrf();
        c
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub origin: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Client {
    pub fn take_cookie(&mut self, r: &Resp) {
        let sc = r.header("set-cookie").expect("a Set-Cookie header");
        self.cookie = Some(sc.split(';').next().unwrap().to_string());
    }

    pub fn load_csrf(&mut self) {
        let me = self.get("/api/me");
        assert_eq!(me.status, 200, "{}", me.text());
        self.csrf = me.json()["csrf_token"].as_str().map(str::to_string);
    }

    /// A request with our Origin, cookie and CSRF header, as the Messenger sends it.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let mut headers = vec![("Origin".to_string(), self.origin.clone())];
        if let Some(c) = &self.cookie {
            headers.push(("Cookie".into(), c.clone()));
        }
        match &self.csrf {
            Some(t) => headers.push(("X-CSRF-Token".into(), t.clone())),
            None => headers.push(("X-Frontdesk-Request".into(), "1".into())),
        }
        let body = body.map(|b| b.to_string());
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        raw_request(self.addr, method, path, &headers, body.as_deref().unwrap_or("").as_bytes())
    }

    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None)
    }
    pub fn post_json(&self, path: &str, body: &Value) -> Resp {
        self.request("POST", path, Some(body))
    }
    pub fn patch_json(&self, path: &str, body: &Value) -> Resp {
        self.request("PATCH", path, Some(body))
    }
    pub fn delete(&self, path: &str) -> Resp {
        self.request("DELETE", path, None)
    }

    /// Open the agent WebSocket with this client's session.
    pub fn ws(&self) -> Ws {
        let mut headers = vec![("Origin".to_string(), self.origin.clone())];
        if let Some(c) = &self.cookie {
            headers.push(("Cookie".into(), c.clone()));
        }
        Ws::connect(self.addr, "/ws/agent", &headers).expect("agent socket opens")
    }
}

/// One request on a fresh connection (Connection: close), read to the end.
pub fn raw_request(addr: SocketAddr, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf).unwrap_or_else(|| panic!("no complete response: {:?}", String::from_utf8_lossy(&buf)))
}

/// Send raw bytes, read whatever comes back until the server closes (or 10 s).
pub fn raw_exchange(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn parse_response(buf: &[u8]) -> Option<Resp> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut r = httparse::Response::new(&mut headers);
    let n = match r.parse(buf).ok()? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return None,
    };
    let headers: Vec<(String, String)> =
        r.headers.iter().map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned())).collect();
    Some(Resp { status: r.code?, headers, body: buf[n..].to_vec() })
}

/// A real WebSocket client (tungstenite over a plain TcpStream).
pub struct Ws {
    pub ws: tungstenite::WebSocket<TcpStream>,
    /// The server's first frame, `hello`.
    pub hello: Value,
}

impl Ws {
    pub fn connect(addr: SocketAddr, path: &str, headers: &[(String, String)]) -> Result<Ws, tungstenite::Error> {
        Ws::open(addr, path, headers).map(|(w, _)| w)
    }

    /// Open a socket and keep the server's handshake answer (the `101` and its headers). Like a
    /// browser, the client fails the handshake if the server selects a subprotocol it did not offer,
    /// or none of those it offered.
    pub fn open(
        addr: SocketAddr,
        path: &str,
        headers: &[(String, String)],
    ) -> Result<(Ws, tungstenite::handshake::client::Response), tungstenite::Error> {
        use tungstenite::client::IntoClientRequest;
        let mut req = format!("ws://{addr}{path}").into_client_request()?;
        for (k, v) in headers {
            req.headers_mut().insert(tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let (ws, response) = tungstenite::client(req, stream).map_err(|e| match e {
            tungstenite::HandshakeError::Failure(e) => e,
            tungstenite::HandshakeError::Interrupted(_) => tungstenite::Error::ConnectionClosed,
        })?;
        let mut w = Ws { ws, hello: Value::Null };
        w.hello = w.recv();
        assert_eq!(w.hello["type"], "hello");
        Ok((w, response))
    }

    pub fn send(&mut self, v: &Value) {
        self.ws.send(tungstenite::Message::text(v.to_string())).unwrap();
    }

    /// The next text frame as JSON (panics after the read timeout).
    pub fn recv(&mut self) -> Value {
        loop {
            match self.ws.read().expect("a frame") {
                tungstenite::Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
                tungstenite::Message::Close(c) => panic!("socket closed: {c:?}"),
                _ => {}
            }
        }
    }

    /// The next frame of `kind`, skipping others.
    pub fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let v = self.recv();
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Frames until `pred` matches; returns all seen (including the match).
    pub fn recv_until(&mut self, pred: impl Fn(&Value) -> bool) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let v = self.recv();
            let done = pred(&v);
            seen.push(v);
            if done {
                return seen;
            }
        }
    }

    /// Start live delivery from now (or replay from `pos`).
    pub fn resume(&mut self, pos: Option<i64>) -> Value {
        self.send(&json!({"type": "resume", "pos": pos}));
        self.recv_type("resumed")
    }

    pub fn set_timeout(&mut self, d: Duration) {
        self.ws.get_mut().set_read_timeout(Some(d)).unwrap();
    }

    /// Wait up to 5 s for the server to close this socket (a close frame or EOF); false if it
    /// is still open then.
    pub fn closed_by_server(&mut self) -> bool {
        self.set_timeout(Duration::from_secs(5));
        loop {
            match self.ws.read() {
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return false;
                }
                Ok(tungstenite::Message::Close(_)) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
    }

    /// The close code the server sends within `d` (text frames before it are skipped), or `None`
    /// if the socket stays open or ends without a close frame.
    pub fn close_code_within(&mut self, d: Duration) -> Option<u16> {
        self.set_timeout(d);
        loop {
            match self.ws.read() {
                Ok(tungstenite::Message::Close(c)) => return c.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }

    /// True if no text frame arrives within `d`.
    pub fn silent_for(&mut self, d: Duration) -> bool {
        self.set_timeout(d);

        loop {
            match self.ws.read() {
                Ok(tungstenite::Message::Text(_)) => break false,
                Ok(_) => continue,
                Err(_) => break true,
            }
        }
    }
}

/// A website visitor acting through the widget API, as the widget does.
#[derive(Clone)]
pub struct Customer {
    pub addr: SocketAddr,
    pub origin: String,
    pub token: String,
    pub id: i64,
}

impl Server {
    pub fn customer(&self, name: Option<&str>) -> Customer {
        let body = match name {
            Some(n) => json!({"name": n, "page_url": "https://shop.example/cart", "language": "pt-BR"}),
            None => json!({"page_url": "https://shop.example/"}),
        };
        let r = raw_request(
            self.addr,
            "POST",
            "/api/widget/visitors",
            &[("Origin".into(), self.origin()), ("Content-Type".into(), "application/json".into())],
            body.to_string().as_bytes(),
        );
        assert_eq!(r.status, 201, "visitor: {}", r.text());
        let v = r.json();
        Customer {
            addr: self.addr,
            origin: self.origin(),
            token: v["token"].as_str().unwrap().to_string(),
            id: v["customer"]["id"].as_i64().unwrap(),
        }
    }
}

impl Customer {
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        let headers = vec![("Origin".to_string(), self.origin.clone()), ("Authorization".to_string(), format!("Bearer {}", self.token))];
        raw_request(self.addr, method, path, &headers, body.map(|b| b.to_string()).unwrap_or_default().as_bytes())
    }

    /// Post a message; returns the stored message.
    pub fn say(&self, body: &str) -> Value {
        let r = self.request("POST", "/api/widget/messages", Some(&json!({"body": body, "client_msg_id": format!("c-{}", rand_id())})));
        assert_eq!(r.status, 201, "customer send: {}", r.text());
        r.json()["message"].clone()
    }

    /// Upload a file as the widget does; the attachment.
    pub fn upload(&self, name: &str, bytes: &[u8]) -> Value {
        let h = vec![
            ("Origin".to_string(), self.origin.clone()),
            ("Authorization".to_string(), format!("Bearer {}", self.token)),
            ("Content-Type".to_string(), "application/octet-stream".to_string()),
        ];
        let r = raw_request(self.addr, "POST", &format!("/api/widget/files?upload_id=u-{}&name={name}", rand_id()), &h, bytes);
        assert_eq!(r.status, 201, "upload: {}", r.text());
        r.json()["attachment"].clone()
    }

    pub fn history(&self) -> Vec<Value> {
        self.request("GET", "/api/widget/messages", None).json()["messages"].as_array().unwrap().clone()
    }

    pub fn ws(&self) -> Ws {
        widget_socket(self.addr, &self.origin, &self.token).expect("widget socket opens")
    }
}

/// The subprotocols the widget offers: `frontdesk`, and its visitor token as `frontdesk.token.<token>`
/// (kept out of the URL, so out of proxies' access logs).
pub fn widget_protocols(token: &str) -> (String, String) {
    ("Sec-WebSocket-Protocol".to_string(), format!("frontdesk, frontdesk.token.{token}"))
}

/// Open `/ws/widget` as the widget does, from `origin` with the visitor `token`.
pub fn widget_socket(addr: SocketAddr, origin: &str, token: &str) -> Result<Ws, tungstenite::Error> {
    Ws::connect(addr, "/ws/widget", &[("Origin".to_string(), origin.to_string()), widget_protocols(token)])
}

pub fn rand_id() -> String {
    let mut b = [0u8; 8];
    rand::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Client {
    pub fn id(&self) -> i64 {
        self.get("/api/me").json()["user"]["id"].as_i64().unwrap()
    }

    pub fn list(&self, section: &str, status: &str) -> Value {
        let r = self.get(&format!("/api/conversations?section={section}&status={status}"));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    /// Upload a file as the Messenger does (its raw bytes, `?upload_id=&name=`); the attachment.
    pub fn upload(&self, name: &str, bytes: &[u8]) -> Value {
        let mut h = vec![("Origin".to_string(), self.origin.clone()), ("Content-Type".to_string(), "application/octet-stream".to_string())];
        if let Some(c) = &self.cookie {
            h.push(("Cookie".into(), c.clone()));
        }
        if let Some(t) = &self.csrf {
            h.push(("X-CSRF-Token".into(), t.clone()));
        }
        let r = raw_request(self.addr, "POST", &format!("/api/files?upload_id=u-{}&name={name}", rand_id()), &h, bytes);
        assert_eq!(r.status, 201, "upload: {}", r.text());
        r.json()["attachment"].clone()
    }

    pub fn reply(&self, conv: i64, body: &str) -> Value {
        let r = self
            .post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": body, "client_msg_id": format!("a-{}", rand_id())}));
        assert_eq!(r.status, 201, "reply: {}", r.text());
        r.json()["message"].clone()
    }
}

/// The real binary as a child process (for signals, SIGKILL, the CLI).
pub struct Proc {
    pub child: std::process::Child,
    pub addr: SocketAddr,
    pub stderr_path: PathBuf,
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_frontdesk")
}

impl Proc {
    /// `frontdesk serve` on a free port with `data`; waits for the `listening on` line.
    pub fn serve(data: &std::path::Path, extra: &[&str]) -> Proc {
        Proc::serve_env(data, extra, &[])
    }

    /// `serve` with more environment variables.
    pub fn serve_env(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Proc {
        use std::io::BufRead;
        // Not beside the data: a test may put the data on a file system it then fills.
        let stderr_path = std::env::temp_dir().join(format!("frontdesk-stderr-{}", rand_id()));
        let mut child = std::process::Command::new(bin())
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env("FRONTDESK_ARGON2_M_KIB", "256")
            .env("FRONTDESK_ARGON2_T", "1")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("first line: {line:?}")).parse().unwrap();
        Proc { child, addr, stderr_path }
    }

    pub fn server(&self) -> Server {
        Server { addr: self.addr, running: None, dir: TempDir::new() }
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Wait up to `limit` for exit; returns the exit status if it exited.
    pub fn wait_for(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let t = std::time::Instant::now();
        while t.elapsed() < limit {
            if let Some(s) = self.child.try_wait().unwrap() {
                return Some(s);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.stderr_path);
    }
}

/// Every `.rs` file below `dir`, sorted (for tests that read the sources).
pub fn rust_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// Read an agent's socket on a thread of its own, live from now (`resume` without a position):
/// `pick` gives the numbers a frame carries, and the thread ends once `until` have come. Returns
/// them as they come, and the thread.
pub fn reader_thread(
    mut reader: Ws,
    until: usize,
    pick: fn(&Value) -> Vec<usize>,
) -> (std::sync::Arc<std::sync::Mutex<Vec<usize>>>, std::thread::JoinHandle<()>) {
    reader.resume(None);
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let thread = {
        let got = got.clone();
        std::thread::spawn(move || {
            reader.set_timeout(Duration::from_secs(20));
            while got.lock().unwrap().len() < until {
                let v = reader.recv();
                got.lock().unwrap().extend(pick(&v));
            }
        })
    };
    (got, thread)
}
