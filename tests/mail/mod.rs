//! Real mail servers for the email tests, on loopback in temporary directories: Debian's aiosmtpd
//! (SMTP, `smtp_server.py` beside this file, storing mails in a Maildir) and dovecot (IMAP, a
//! passwd-file user and a Maildir). `.ci/run` installs both (`python3-aiosmtpd dovecot-imapd`).
//! Without them a test says so and returns, except under CI (`CI` set), where it fails.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::common::TempDir;

/// Debian's aiosmtpd is installed for the system Python, not for whatever `python3` is on PATH.
const PYTHON: &str = "/usr/bin/python3";
const DOVECOT: &str = "/usr/sbin/dovecot";

/// A server that cannot start: a panic under CI, else `None` with a notice.
fn missing(what: &str) -> Option<std::convert::Infallible> {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required under CI (.ci/run installs python3-aiosmtpd and dovecot-imapd)");
    }
    eprintln!("SKIPPED: {what} is not installed (apt-get install python3-aiosmtpd dovecot-imapd); under CI this fails");
    None
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Start a server on a free port, trying up to five. A free port can be taken by another test's
/// server before ours binds it: then ours exits, and a connection to the port would reach the other
/// one (a full run once saw the first delivery refused). So only the server's own sign that it
/// listens counts (`ready`), never a connection to the port.
fn on_a_free_port(what: &str, mut spawn: impl FnMut(u16) -> Child, ready: impl Fn(&mut Child) -> bool) -> (Child, u16) {
    for _ in 0..5 {
        let port = free_port();
        let mut child = spawn(port);
        if ready(&mut child) {
            return (child, port);
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("{what} did not start on any of 5 free ports");
}

/// Whether dovecot logged that it started (its listeners bound) within 20 s, rather than exiting.
fn started_up(child: &mut Child, log: &Path) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(20) {
        if std::fs::read_to_string(log).is_ok_and(|l| l.contains("starting up")) {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("dovecot neither started nor exited within 20 s: {}", std::fs::read_to_string(log).unwrap_or_default());
}

/// Whether the child printed `ready` (within 20 s) before it exited.
fn said_ready(child: &mut Child) -> bool {
    use std::io::BufRead;
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line.trim() == "ready");
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap_or(false)
}

pub struct Smtp {
    child: Child,
    pub dir: TempDir,
    pub port: u16,
}

impl Smtp {
    pub fn start() -> Option<Smtp> {
        let ok = Command::new(PYTHON).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
        if !ok {
            missing("aiosmtpd (SMTP server)")?;
        }
        let dir = TempDir::new();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mail/smtp_server.py");
        let spawn = |port: u16| {
            Command::new(PYTHON)
                .arg(&script)
                .arg(port.to_string())
                .arg(&dir.0)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        // The script prints `ready` once aiosmtpd accepts connections (its controller checks).
        let (child, port) = on_a_free_port("aiosmtpd", spawn, said_ready);
        Some(Smtp { child, dir, port })
    }

    /// `FRONTDESK_SMTP_URL` for this server, mails from `help@acme.test`.
    pub fn url(&self) -> String {
        format!("smtp+insecure://127.0.0.1:{}?from=help%40acme.test&name=Acme%20Support", self.port)
    }

    /// Switch a behaviour of `smtp_server.py` on (with `content`) or off.
    pub fn set(&self, flag: &str, content: Option<&str>) {
        let p = self.dir.0.join(flag);
        match content {
            Some(c) => std::fs::write(p, c).unwrap(),
            None => {
                let _ = std::fs::remove_file(p);
            }
        }
    }

    /// Every mail received so far, oldest first.
    pub fn mails(&self) -> Vec<String> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(rd) = std::fs::read_dir(self.dir.0.join("mail").join(sub)) {
                for e in rd.flatten() {
                    files.push((e.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), e.path()));
                }
            }
        }
        files.sort();
        files.into_iter().map(|(_, p)| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned()).collect()
    }

    /// Wait until at least `n` mails arrived (panics after `limit`); returns them all.
    pub fn wait_for(&self, n: usize, limit: Duration) -> Vec<String> {
        let t = Instant::now();
        loop {
            let m = self.mails();
            if m.len() >= n {
                return m;
            }
            assert!(t.elapsed() < limit, "expected {n} mails within {limit:?}, got {}", m.len());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Imap {
    child: Child,
    pub dir: TempDir,
    pub port: u16,
}

pub const IMAP_USER: &str = "fdmail";
pub const IMAP_PASSWORD: &str = "secret";

impl Imap {
    pub fn start() -> Option<Imap> {
        if !Path::new(DOVECOT).exists() {
            missing("dovecot (IMAP server)")?;
        }
        let dir = TempDir::new();
        let home = dir.0.join("home");
        std::fs::create_dir_all(home.join("Maildir")).unwrap();
        for p in [&dir.0, &home, &home.join("Maildir")] {
            std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
        }
        // dovecot checks that its directories are reachable; the temp dir is created 0700 by us.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir.0, std::fs::Permissions::from_mode(0o755)).unwrap();
        let users = dir.0.join("users");
        std::fs::write(&users, format!("{IMAP_USER}:{{PLAIN}}{IMAP_PASSWORD}:65534:65534::{}::\n", home.display())).unwrap();
        let (conf_path, log) = (dir.0.join("dovecot.conf"), dir.0.join("dovecot.log"));
        let spawn = |port: u16| {
            let d = dir.0.display();
            let conf = format!(
                "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\nprotocols = imap\nlisten = 127.0.0.1\n\
                 ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\nmail_location = maildir:~/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {u}\n}}\n\
                 userdb {{\n  driver = passwd-file\n  args = username_format=%u {u}\n}}\n\
                 service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
                 service anvil {{\n  chroot =\n}}\n",
                u = users.display()
            );
            std::fs::write(&conf_path, conf).unwrap();
            let _ = std::fs::remove_file(&log);
            Command::new(DOVECOT).arg("-F").arg("-c").arg(&conf_path).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
        };
        // dovecot logs "starting up" only once its listeners are bound (on a taken port it logs the
        // failure and exits 89).
        let (child, port) = on_a_free_port("dovecot", spawn, |c: &mut Child| started_up(c, &log));
        Some(Imap { child, dir, port })
    }

    pub fn url(&self) -> String {
        format!("imap+insecure://{IMAP_USER}:{IMAP_PASSWORD}@127.0.0.1:{}", self.port)
    }

    /// Drop a mail into the INBOX (IMAP APPEND, as a mail server delivering it would leave it).
    pub fn deliver(&self, raw: &str) {
        let script = "import imaplib,sys\nm=imaplib.IMAP4('127.0.0.1',int(sys.argv[1]))\nm.login(sys.argv[2],sys.argv[3])\n\
                      r=m.append('INBOX',None,None,sys.stdin.buffer.read())\nassert r[0]=='OK',r\nm.logout()\n";
        let mut c = Command::new(PYTHON)
            .args(["-c", script, &self.port.to_string(), IMAP_USER, IMAP_PASSWORD])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(raw.replace("\r\n", "\n").replace('\n', "\r\n").as_bytes()).unwrap();
        assert!(c.wait().unwrap().success(), "IMAP APPEND failed");
    }

    /// How many messages in the INBOX are still unseen (not yet taken by Frontdesk).
    pub fn unseen(&self) -> usize {
        let script = "import imaplib,sys\nm=imaplib.IMAP4('127.0.0.1',int(sys.argv[1]))\nm.login(sys.argv[2],sys.argv[3])\n\
                      m.select('INBOX')\nt,d=m.search(None,'UNSEEN')\nprint(len(d[0].split()))\nm.logout()\n";
        let out = Command::new(PYTHON).args(["-c", script, &self.port.to_string(), IMAP_USER, IMAP_PASSWORD]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(usize::MAX)
    }
}

impl Drop for Imap {
    fn drop(&mut self) {
        // SAFETY: signalling our own child (dovecot's master), which stops its workers.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// A header's value in a raw mail (first occurrence, unfolded).
pub fn header(raw: &str, name: &str) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse(raw.as_bytes())?;
    msg.header_raw(name).map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The plain-text body of a raw mail.
pub fn text(raw: &str) -> String {
    let msg = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default()
}

/// The HTML body of a raw mail.
pub fn html(raw: &str) -> String {
    let msg = mail_parser::MessageParser::default().parse(raw.as_bytes()).unwrap();
    msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default()
}

/// The first `http…` link in `text` containing `part`.
pub fn link(text: &str, part: &str) -> Option<String> {
    text.split_whitespace().find(|w| w.starts_with("http") && w.contains(part)).map(|w| w.trim_end_matches(['.', ')', '>']).to_string())
}
