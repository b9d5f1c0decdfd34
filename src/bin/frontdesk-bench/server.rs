//! The server under test: the real release binary in its own process with a fresh data directory,
//! driven only through HTTP and WebSocket. Also reads its RSS, threads and CPU from /proc.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub origin: String,
    pub started_in: Duration,
}

pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.with_file_name("frontdesk")
}

pub fn temp_data() -> PathBuf {
    let mut b = [0u8; 6];
    rand::fill(&mut b);
    let p = std::env::temp_dir().join(format!("frontdesk-bench-{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()));
    std::fs::create_dir_all(&p).expect("temp dir");
    p
}

impl Server {
    /// Start `frontdesk serve` on a free port. `extra` adds flags (e.g. `--synchronous normal`).
    pub fn start(data: &PathBuf, extra: &[&str]) -> Server {
        let t = Instant::now();
        let log_level = std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into());
        let mut child = Command::new(binary())
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--max-connections",
                "30000",
                "--log-level",
                // BENCH_LOG=info: the server's own account (e.g. which sockets were cut, and why).
                &log_level,
                "--trusted-proxies",
                "127.0.0.1",
                "--rate-limits",
                "off",
                "--data",
            ])
            .arg(data)
            .args(extra)
            // Cheap hashing: the bench signs in agents, it does not measure argon2.
            .env("FRONTDESK_ARGON2_M_KIB", "256")
            .env("FRONTDESK_ARGON2_T", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the frontdesk binary (build it with cargo build --release)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_string();
        let addr: SocketAddr = url.trim_start_matches("http://").parse().expect("address");
        // Healthy = answers /healthz.
        while http(addr, "GET", "/healthz", &[], "").0 != 200 {
            std::thread::sleep(Duration::from_millis(1));
        }
        Server { child, addr, origin: url, started_in: t.elapsed() }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }

    pub fn rss_kib(&self) -> u64 {
        proc_status(self.pid(), "VmRSS:")
    }

    pub fn threads(&self) -> u64 {
        proc_status(self.pid(), "Threads:")
    }

    /// User + system CPU time in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        process_cpu_ticks(self.pid())
    }

    /// CPU ticks per thread name (connection threads are unnamed and show as the process name), and the
    /// system time of each under "NAME, in the kernel".
    pub fn cpu_by_thread(&self) -> std::collections::BTreeMap<String, u64> {
        let mut out = std::collections::BTreeMap::new();
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) else { return out };
        for t in dir.flatten() {
            let comm = std::fs::read_to_string(t.path().join("comm")).unwrap_or_default().trim().to_string();
            let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
            let after = stat.rsplit_once(')').map(|x| x.1).unwrap_or("");
            let f: Vec<&str> = after.split_whitespace().collect();
            let ticks =
                f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            let name = if comm == "frontdesk" { "connections".to_string() } else { comm };
            // The kernel's part (system time) separately too: "NAME, in the kernel".
            let system = f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            *out.entry(format!("{name}, in the kernel")).or_default() += system;
            *out.entry(name).or_default() += ticks;
        }
        out
    }

    /// The `/proc` directories of the server's threads named `name`.
    fn threads_named(&self, name: &str) -> Vec<std::path::PathBuf> {
        let Ok(dir) = std::fs::read_dir(format!("/proc/{}/task", self.pid())) else { return Vec::new() };
        dir.flatten().map(|t| t.path()).filter(|p| std::fs::read_to_string(p.join("comm")).unwrap_or_default().trim() == name).collect()
    }

    /// Numbers `keys` of the `file` (`status`, `io`) of each thread named `name`, summed.
    fn thread_fields<const N: usize>(&self, name: &str, file: &str, keys: [&str; N]) -> [u64; N] {
        let mut out = [0; N];
        for t in self.threads_named(name) {
            let text = std::fs::read_to_string(t.join(file)).unwrap_or_default();
            for (sum, k) in out.iter_mut().zip(keys) {
                *sum += text.lines().find_map(|l| l.strip_prefix(k)?.trim().parse::<u64>().ok()).unwrap_or(0);
            }
        }
        out
    }

    /// Context switches of the threads named `name` so far: (voluntary, involuntary).
    pub fn switches(&self, name: &str) -> (u64, u64) {
        let [v, n] = self.thread_fields(name, "status", ["voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"]);
        (v, n)
    }

    /// File I/O of the threads named `name` so far (`/proc/.../io`): (write syscalls, bytes written,
    /// read syscalls). Socket sends do not count (they are `send`, not `write`).
    pub fn io(&self, name: &str) -> (u64, u64, u64) {
        let [w, b, r] = self.thread_fields(name, "io", ["syscw:", "wchar:", "syscr:"]);
        (w, b, r)
    }

    /// Run setup; returns the admin's cookie and CSRF token.
    pub fn setup(&self) -> (String, String) {
        let body =
            json!({"helpdesk_name": "Bench", "name": "Admin", "email": "admin@bench.test", "password": "bench password 1"}).to_string();
        let (st, h, _) = http(self.addr, "POST", "/api/setup", &[("Origin", &self.origin), ("X-Frontdesk-Request", "1")], &body);
        assert_eq!(st, 201, "setup failed");
        let cookie = cookie_of(&h);
        let csrf = self.csrf(&cookie);
        (cookie, csrf)
    }

    /// Sign in as the admin `setup` made (a copied data directory).
    pub fn login_admin(&self) -> (String, String) {
        let body = json!({"email": "admin@bench.test", "password": "bench password 1"}).to_string();
        let (st, h, _) = http(self.addr, "POST", "/api/login", &[("Origin", &self.origin), ("X-Frontdesk-Request", "1")], &body);
        assert_eq!(st, 200, "admin login");
        let cookie = cookie_of(&h);
        let csrf = self.csrf(&cookie);
        (cookie, csrf)
    }

    fn csrf(&self, cookie: &str) -> String {
        let (_, _, b) = http(self.addr, "GET", "/api/me", &[("Cookie", cookie)], "");
        serde_json::from_slice::<Value>(&b).ok().and_then(|v| v["csrf_token"].as_str().map(str::to_string)).unwrap_or_default()
    }

    /// Create `n` customer-support agents and sign each in; returns their cookies.
    pub fn agents(&self, admin: &(String, String), n: usize) -> Vec<String> {
        self.make_agents(admin, n, true)
    }

    /// Create `n` agents who do not see live chats (team chats only) and sign each in.
    pub fn agents_without_support(&self, admin: &(String, String), n: usize) -> Vec<String> {
        self.make_agents(admin, n, false)
    }

    fn make_agents(&self, admin: &(String, String), n: usize, support: bool) -> Vec<String> {
        (0..n)
            .map(|i| {
                let email = if support { format!("agent{i}@bench.test") } else { format!("team{i}@bench.test") };
                let body =
                    json!({"email": email, "name": format!("Agent {i}"), "password": "bench password 1", "customer_support": support})
                        .to_string();
                let (st, _, b) = http(
                    self.addr,
                    "POST",
                    "/api/users",
                    &[("Origin", &self.origin), ("Cookie", &admin.0), ("X-CSRF-Token", &admin.1)],
                    &body,
                );
                assert_eq!(st, 201, "create agent: {}", String::from_utf8_lossy(&b));
                let body = json!({"email": email, "password": "bench password 1"}).to_string();
                let (st, h, _) = http(self.addr, "POST", "/api/login", &[("Origin", &self.origin), ("X-Frontdesk-Request", "1")], &body);
                assert_eq!(st, 200, "agent login");
                cookie_of(&h)
            })
            .collect()
    }

    /// Create `n` visitors with `threads` parallel clients; returns their tokens. Each presents a
    /// distinct X-Forwarded-For, as visitors behind a proxy would (the server trusts the bench as its proxy).
    pub fn visitors(&self, n: usize, threads: usize) -> Vec<String> {
        let per = n.div_ceil(threads);
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (addr, origin) = (self.addr, self.origin.clone());
                std::thread::spawn(move || {
                    let mut out = Vec::new();
                    for i in t * per..((t + 1) * per).min(n) {
                        let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                        let (st, _, b) = http(addr, "POST", "/api/widget/visitors", &[("Origin", &origin), ("X-Forwarded-For", &ip)], "{}");
                        assert_eq!(st, 201, "visitor: {}", String::from_utf8_lossy(&b));
                        let v: Value = serde_json::from_slice(&b).expect("json");
                        out.push(v["token"].as_str().expect("token").to_string());
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("visitor thread")).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User + system CPU time of process `pid` in clock ticks.
pub fn process_cpu_ticks(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 (utime, stime) are at 11 and 12 after the ") ".
    f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0) + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
}

pub fn proc_status(pid: u32, field: &str) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn cookie_of(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.split(';').next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// One blocking HTTP/1.1 request on its own connection.
pub fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let Ok(mut s) = TcpStream::connect(addr) else { return (0, vec![], vec![]) };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if !body.is_empty() {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    if s.write_all(req.as_bytes()).is_err() {
        return (0, vec![], vec![]);
    }
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let mut hs = [httparse::EMPTY_HEADER; 32];
    let mut r = httparse::Response::new(&mut hs);
    match r.parse(&buf) {
        Ok(httparse::Status::Complete(n)) => {
            let headers = r.headers.iter().map(|h| (h.name.to_string(), String::from_utf8_lossy(h.value).into_owned())).collect();
            (r.code.unwrap_or(0), headers, buf[n..].to_vec())
        }
        _ => (0, vec![], vec![]),
    }
}

/// A field of /proc/meminfo in KiB (e.g. "MemTotal:").
pub fn proc_status_self(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}
