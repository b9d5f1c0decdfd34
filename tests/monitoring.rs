//! Running it for real (issue 18), monitoring and logs: the metrics token and the series a
//! Prometheus needs (checked by the real `promtool`, scraped by the real `prometheus`), request
//! times that leave out the keep-alive wait, `/readyz` and `frontdesk health`, the log formats,
//! journald priorities, the access log, and SIGHUP.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const TOKEN: &str = "prometheus-scrapes-0123456789";

/// A tool the test needs: its path, or `None` (skipped with a notice) outside CI; CI must have it.
fn tool(name: &str) -> Option<String> {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string());
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have {name} (.ci/run installs it)");
        eprintln!("SKIPPED: {name} is not installed (apt-get install -y --no-install-recommends prometheus)");
    }
    found
}

fn get(addr: std::net::SocketAddr, path: &str, headers: &[(&str, &str)]) -> Resp {
    let h: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    raw_request(addr, "GET", path, &h, b"")
}

fn scrape(addr: std::net::SocketAddr) -> String {
    let r = get(addr, "/metrics", &[("Authorization", &format!("Bearer {TOKEN}"))]);
    assert_eq!(r.status, 200, "{}", r.text());
    r.text()
}

/// The value of the sample whose line starts with `series` (name and labels, as written).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')).and_then(|v| v.parse().ok()))
}

#[test]
fn the_metrics_token_reads_metrics_and_admins_still_can() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--metrics-token", TOKEN]);
    let s = p.server();
    let admin = s.admin();
    assert_eq!(get(p.addr, "/metrics", &[]).status, 401, "no token, no session");
    assert_eq!(get(p.addr, "/metrics", &[("Authorization", "Bearer prometheus-scrapes-0123456780")]).status, 401, "a wrong token");
    assert_eq!(get(p.addr, "/metrics", &[("Authorization", "Bearer ")]).status, 401, "an empty token");
    assert_eq!(admin.get("/metrics").status, 200, "an admin's session still reads it");
    let bob = s.agent(&admin, "bob@example.com", "Bob", true);
    assert_eq!(bob.get("/metrics").status, 403);
    let text = scrape(p.addr);
    assert!(text.contains("frontdesk_build_info{version=\""), "{text}");
    // A token that is too short is refused at start, in one line.
    let out = Command::new(bin()).args(["--metrics-token", "short", "--data"]).arg(&dir.0).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--metrics-token"));
}

#[test]
fn the_series_are_there_by_route_pattern_status_and_close_code_and_promtool_accepts_them() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--metrics-token", TOKEN]);
    let s = p.server();
    let admin = s.admin();
    for id in [1, 2, 3] {
        assert_eq!(admin.get(&format!("/api/conversations/{id}")).status, 404);
    }
    assert_eq!(get(p.addr, "/no/such/page", &[]).status, 404);
    let c = s.customer(Some("Metered"));
    c.say("count me");
    let mut w = c.ws();
    w.ws.close(Some(tungstenite::protocol::CloseFrame { code: 1000u16.into(), reason: "bye".into() })).unwrap();
    while w.ws.read().is_ok() {}
    let mut agent_ws = admin.ws();
    drop(agent_ws.ws.get_mut().shutdown(std::net::Shutdown::Both));
    std::thread::sleep(Duration::from_millis(300));
    let text = scrape(p.addr);
    let route = "frontdesk_http_requests_total{method=\"GET\",route=\"/api/conversations/:id\",status=\"404\"}";
    assert_eq!(sample(&text, route), Some(3.0), "one series per route pattern, not per path:\n{text}");
    assert!(!text.contains("route=\"/api/conversations/1\""), "never the raw path");
    assert_eq!(sample(&text, "frontdesk_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}"), Some(1.0));
    assert!(
        sample(&text, "frontdesk_http_request_duration_seconds_count{method=\"POST\",route=\"/api/widget/messages\",status=\"201\"}")
            == Some(1.0)
    );
    assert_eq!(sample(&text, "frontdesk_websocket_connects_total{kind=\"widget\"}"), Some(1.0), "{text}");
    assert_eq!(sample(&text, "frontdesk_websocket_connects_total{kind=\"agent\"}"), Some(1.0));
    assert_eq!(sample(&text, "frontdesk_websocket_disconnects_total{kind=\"widget\",code=\"1000\"}"), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, "frontdesk_websocket_disconnects_total{kind=\"agent\",code=\"1006\"}"),
        Some(1.0),
        "a dropped socket:\n{}",
        text.lines().filter(|l| l.contains("websocket")).collect::<Vec<_>>().join("\n")
    );
    let commit = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok();
    if let Some(c) = commit.filter(|o| o.status.success()) {
        let commit = String::from_utf8_lossy(&c.stdout).trim().to_string();
        assert!(text.contains(&format!("commit=\"{commit}\"")), "build info names the commit {commit}");
    }
    // process_* from /proc/self: plausible values.
    let rss = sample(&text, "process_resident_memory_bytes").unwrap();
    assert!(rss > 1e6 && rss < 1e9, "{rss}");
    let fds = sample(&text, "process_open_fds").unwrap();
    assert!((3.0..1000.0).contains(&fds), "{fds}");
    let start = sample(&text, "process_start_time_seconds").unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!((now - start).abs() < 120.0, "started {start}, now {now}");
    assert!(sample(&text, "process_cpu_seconds_total").unwrap() > 0.0);
    assert!(sample(&text, "process_max_fds").unwrap() > fds);
    let Some(promtool) = tool("promtool") else { return };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_request_is_timed_from_its_first_byte_not_from_the_keep_alive_wait() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--metrics-token", TOKEN]);
    let mut s = std::net::TcpStream::connect(p.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let read_one = |s: &mut std::net::TcpStream| {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while parse_response(&buf).is_none_or(|r| r.body.len() < 2) {
            let n = s.read(&mut chunk).unwrap();
            assert!(n > 0);
            buf.extend_from_slice(&chunk[..n]);
        }
    };
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    read_one(&mut s);
    // The connection waits 1.5 s for its next request: none of that is the next request's time.
    std::thread::sleep(Duration::from_millis(1500));
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    read_one(&mut s);
    let text = scrape(p.addr);
    let labels = "{method=\"GET\",route=\"/healthz\",status=\"200\"}";
    assert_eq!(sample(&text, &format!("frontdesk_http_request_duration_seconds_count{labels}")), Some(2.0));
    let sum = sample(&text, &format!("frontdesk_http_request_duration_seconds_sum{labels}")).unwrap();
    assert!(sum < 0.5, "two /healthz took {sum} s in all: the keep-alive wait was counted");
}

#[test]
fn readyz_checks_that_writes_commit_and_the_disk_has_room_and_health_asks_it() {
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &[]);
    let r = get(p.addr, "/readyz", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "ready"));
    let health = |addr: &str| Command::new(bin()).args(["health", "--addr", addr]).output().unwrap();
    let out = health(&p.addr.to_string());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Through FRONTDESK_ADDR too, as the container runs it (0.0.0.0 is asked over loopback).
    let port = p.addr.port();
    let out = Command::new(bin()).arg("health").env("FRONTDESK_ADDR", format!("0.0.0.0:{port}")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    drop(p);
    let out = health(&format!("127.0.0.1:{port}"));
    assert_eq!(out.status.code(), Some(1), "nothing listens");
    assert!(String::from_utf8_lossy(&out.stderr).contains("not healthy"));

    // More free space asked for than the disk has: 503 naming the disk; /healthz stays 200.
    let p = Proc::serve(&dir.0, &["--min-free-disk", "999999999"]);
    let r = get(p.addr, "/readyz", &[]);
    assert_eq!(r.status, 503);
    assert!(r.text().contains("disk:") && r.text().contains("need 999999999 MiB"), "{}", r.text());
    assert_eq!(get(p.addr, "/healthz", &[]).status, 200);
    let out = health(&p.addr.to_string());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("disk:"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A database whose writes fail while the process lives (the issue: `/healthz` said 200 while
/// every write failed): a full file system. Needs root to mount a tmpfs (CI runs as root).
#[test]
fn readyz_is_503_when_writes_fail() {
    let mnt = std::env::temp_dir().join(format!("frontdesk-ro-{}", rand_id()));
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", "size=6m", "tmpfs"]).arg(&mnt).status().is_ok_and(|s| s.success());
    if !mounted {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root and must be able to mount a tmpfs");
        eprintln!("SKIPPED: cannot mount a tmpfs here");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _m = Unmount(mnt.clone());
    let data = mnt.join("data");
    let p = Proc::serve(&data, &["--min-free-disk", "0", "--rate-limits", "off"]);
    assert_eq!(get(p.addr, "/readyz", &[]).status, 200);
    let s = p.server();
    s.admin();
    let c = s.customer(Some("Filler"));
    // Fill the file system, then make the WAL grow: writes now fail.
    let filler = mnt.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let small = [0u8; 512];
        while f.write_all(&small).is_ok() {}
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last;
    loop {
        // Keep writing until the disk refuses (the WAL may have room left at first).
        let body = serde_json::json!({"body": "x".repeat(3000), "client_msg_id": rand_id()});
        let _ = c.request("POST", "/api/widget/messages", Some(&body));
        last = get(p.addr, "/readyz", &[]);
        if last.status == 503 || Instant::now() > deadline {
            break;
        }
    }
    assert_eq!(last.status, 503, "{}", last.text());
    assert!(last.text().contains("database: a write fails"), "{}", last.text());
    assert_eq!(get(p.addr, "/healthz", &[]).status, 200, "liveness is not readiness");
    std::fs::remove_file(&filler).unwrap();
    let r = get(p.addr, "/readyz", &[]);
    assert_eq!(r.status, 200, "ready again once there is room: {}", r.text());
}

#[test]
fn a_real_prometheus_scrapes_with_the_token_until_the_target_is_up() {
    let Some(prometheus) = tool("prometheus") else { return };
    let dir = TempDir::new();
    let p = Proc::serve(&dir.0, &["--metrics-token", TOKEN]);
    let prom_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = dir.0.join("prometheus.yml");
    // The scrape configuration README.md shows, with this server's address.
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: frontdesk\n    authorization:\n      credentials: {TOKEN}\n    static_configs:\n      - targets: ['{}']\n",
            p.addr
        ),
    )
    .unwrap();
    let tsdb = dir.0.join("tsdb");
    let mut prom = Command::new(prometheus)
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", tsdb.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let err = prom.stderr.take().unwrap();
    let _prom = Kill(prom);
    let prom_addr: std::net::SocketAddr = format!("127.0.0.1:{prom_port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    loop {
        if std::net::TcpStream::connect(prom_addr).is_ok() {
            let r = get(prom_addr, "/api/v1/targets", &[]);
            last = r.text();
            let v: serde_json::Value = serde_json::from_str(&last).unwrap_or_default();
            let up = v["data"]["activeTargets"]
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t["health"] == "up" && t["labels"]["job"] == "frontdesk"));
            if up {
                break;
            }
        }
        if Instant::now() > deadline {
            let mut log = String::new();
            let _ = std::io::BufReader::new(err).read_to_string(&mut log);
            panic!("the target never came up: {last}\n{log}");
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    // And the server saw Prometheus's scrapes as requests to /metrics.
    let text = scrape(p.addr);
    assert!(sample(&text, "frontdesk_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}").unwrap() >= 1.0);
}

/// Spawn the server with `extra` options and `env`, stderr to a file; returns (child, address, stderr path).
fn spawn(
    dir: &std::path::Path,
    extra: &[&str],
    env: &[(&str, String)],
    stderr: &std::path::Path,
) -> (std::process::Child, std::net::SocketAddr) {
    use std::io::BufRead;
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--data"]).arg(dir).args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(std::fs::File::create(stderr).unwrap()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("listening on http://").unwrap().parse().unwrap();
    (child, addr)
}

fn stop(mut child: std::process::Child) -> std::process::ExitStatus {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    child.wait().unwrap()
}

#[test]
fn json_logs_journald_priorities_and_the_access_log() {
    let dir = TempDir::new();
    let err = dir.0.join("stderr");
    // JSON: every line one object with time, level and message; no request lines at info.
    let (child, addr) = spawn(&dir.0.join("a"), &["--log-format", "json"], &[], &err);
    for _ in 0..5 {
        assert_eq!(get(addr, "/healthz", &[]).status, 200);
    }
    assert!(stop(child).success());
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(log.lines().count() >= 3, "{log}");
    for line in log.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["time"].is_string() && v["message"].is_string() && v["level"].is_string(), "{line}");
    }
    assert!(!log.contains("/healthz"), "no line per request at info: {log}");

    // --access-log: one line per request at info.
    let (child, addr) = spawn(&dir.0.join("b"), &["--access-log"], &[], &err);
    for _ in 0..5 {
        assert_eq!(get(addr, "/healthz", &[]).status, 200);
    }
    assert!(stop(child).success());
    let log = std::fs::read_to_string(&err).unwrap();
    assert_eq!(log.lines().filter(|l| l.contains("GET /healthz 200")).count(), 5, "{log}");
    assert!(log.lines().next().unwrap().starts_with("20"), "text lines start with the time: {log}");

    // Under systemd: JOURNAL_STREAM names our stderr, so each line starts with its priority.
    use std::os::unix::fs::MetadataExt;
    std::fs::write(&err, "").unwrap();
    let meta = std::fs::metadata(&err).unwrap();
    // spawn() re-creates (truncates) the same file: same device and inode.
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    let (child, addr) = spawn(&dir.0.join("c"), &[], &[("JOURNAL_STREAM", stream)], &err);
    assert_eq!(get(addr, "/healthz", &[]).status, 200);
    assert!(stop(child).success());
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(log.lines().all(|l| l.starts_with('<') && l.as_bytes()[2] == b'>'), "{log}");
    assert!(log.lines().any(|l| l.starts_with("<6>INFO ")), "info is priority 6, no time (the journal has it): {log}");
    // A JOURNAL_STREAM naming another stream (inherited by a child that writes elsewhere) is ignored.
    let (child, _) = spawn(&dir.0.join("d"), &[], &[("JOURNAL_STREAM", "1:2".into())], &err);
    assert!(stop(child).success());
    let log = std::fs::read_to_string(&err).unwrap();
    assert!(!log.starts_with('<'), "{log}");
}

#[test]
fn sighup_is_logged_and_ignored() {
    let dir = TempDir::new();
    let mut p = Proc::serve(&dir.0, &[]);
    p.signal(libc::SIGHUP);
    std::thread::sleep(Duration::from_millis(300));
    assert!(p.child.try_wait().unwrap().is_none(), "SIGHUP killed the server: {}", p.stderr());
    assert_eq!(get(p.addr, "/healthz", &[]).status, 200);
    assert!(p.stderr().contains("SIGHUP received and ignored"), "{}", p.stderr());
    p.signal(libc::SIGTERM);
    assert!(p.wait_for(Duration::from_secs(5)).expect("stops on SIGTERM").success());
}
