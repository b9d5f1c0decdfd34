//! A full disk: the sender is told plainly (507 over HTTP, an `error` frame with status 507 over the
//! socket), the log names the file system, reads go on, nothing acknowledged is lost, and writes
//! resume once space is freed. Runs the real binary on a real, small tmpfs (needs root to mount,
//! as CI has; elsewhere it is skipped with a notice).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::*;
use serde_json::json;

/// A tmpfs of `size` mounted on a fresh directory, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("frontdesk-full-{}", rand_id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
        Some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Write zeros into `path` until the file system is full.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    let _ = f.sync_all();
}

#[test]
fn a_full_disk_gets_507_and_a_clear_message_and_loses_nothing_acknowledged() {
    let Some(fs) = Tmpfs::mount("6m") else {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root and must be able to mount a tmpfs for this test");
        eprintln!("SKIPPED: cannot mount a tmpfs here (not root?)");
        return;
    };
    let data = fs.0.join("data");
    let mut p = Proc::serve(&data, &[]);
    let s = p.server();
    let admin = s.admin();
    let visitor = s.customer(Some("Sally"));
    let first = visitor.say("before the disk filled up");
    let conv = first["conversation_id"].as_i64().unwrap();
    let mut acked = vec![first["id"].as_i64().unwrap()];

    fill(&fs.0.join("filler"));

    // Keep writing until the database cannot grow (free pages and WAL space may absorb a few).
    let big = "x".repeat(8 * 1024);
    let mut refused = None;
    for i in 0..2000 {
        let r = visitor.request(
            "POST",
            "/api/widget/messages",
            Some(&json!({"body": format!("{i} {big}"), "client_msg_id": format!("f-{i}")})),
        );
        match r.status {
            201 => acked.push(r.json()["message"]["id"].as_i64().unwrap()),
            507 => {
                refused = Some(r);
                break;
            }
            other => panic!("unexpected {other}: {}", r.text()),
        }
    }
    let r = refused.expect("a write was refused with 507 once the disk was full");
    let msg = r.json()["error"].as_str().unwrap().to_string();
    assert!(msg.contains("disk is full") && msg.contains("not saved"), "{msg}");

    // The socket path says the same in an error frame.
    let mut ws = visitor.ws();
    ws.resume(None);
    ws.send(&json!({"type": "send", "body": big, "client_msg_id": "ws-full"}));
    let reply = ws.recv_until(|v| v["type"] == "error" || v["type"] == "ack").pop().unwrap();
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["status"], 507);
    assert!(reply["error"].as_str().unwrap().contains("disk is full"));

    // Reads still work, and the server goes on serving.
    assert_eq!(raw_request(s.addr, "GET", "/healthz", &[], b"").status, 200);
    assert_eq!(visitor.request("GET", "/api/widget/session", None).status, 200);

    // The log says which file system.
    std::thread::sleep(Duration::from_millis(200));
    let log = p.stderr();
    let mount = fs.0.display().to_string();
    assert!(log.contains("disk full") && log.contains(&mount), "the log names the file system {mount}:\n{log}");

    // Space freed: writes go on, and every acknowledged message is there exactly once.
    std::fs::remove_file(fs.0.join("filler")).unwrap();
    let after = visitor.say("after space was freed");
    acked.push(after["id"].as_i64().unwrap());
    let mut stored: Vec<i64> = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let path = match before {
            Some(b) => format!("/api/conversations/{conv}/messages?before={b}"),
            None => format!("/api/conversations/{conv}/messages"),
        };
        let page = admin.get(&path).json()["messages"].as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        before = page.first().and_then(|m| m["seq"].as_i64());
        stored.extend(page.iter().filter(|m| m["author"]["kind"] == "customer").map(|m| m["id"].as_i64().unwrap()));
        if page.len() < 50 {
            break;
        }
    }
    stored.sort_unstable();
    acked.sort_unstable();
    assert_eq!(stored, acked, "every acknowledged message is stored, once, and nothing refused was");
    p.signal(libc::SIGTERM);
    p.wait_for(Duration::from_secs(5));
}
