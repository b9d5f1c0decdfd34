//! The log: one line per record on stderr (stdout's first line is the address, for scripts), as
//! text or as one JSON object (`--log-format`). Under systemd (`JOURNAL_STREAM` names our stderr)
//! each line starts with its syslog priority (`<3>` error … `<7>` debug), which journald reads as
//! the line's priority, and text lines leave the time to the journal.

use std::io::Write;
use std::os::fd::AsRawFd;

use crate::config::LogFormat;

struct Logger {
    level: log::LevelFilter,
    format: LogFormat,
    journal: bool,
}

/// Install the logger (once per process; later calls change nothing).
pub fn init(level: log::LevelFilter, format: LogFormat) {
    let journal = journal_stream(std::env::var("JOURNAL_STREAM").ok().as_deref());
    if log::set_logger(Box::leak(Box::new(Logger { level, format, journal }))).is_ok() {
        log::set_max_level(level);
    }
}

/// Whether `JOURNAL_STREAM` (`DEVICE:INODE`) is our stderr: systemd sets it for the service's own
/// stream, and a child that inherited the variable but writes elsewhere must not use the prefixes.
fn journal_stream(var: Option<&str>) -> bool {
    let Some((dev, ino)) = var.and_then(|v| v.split_once(':')) else { return false };
    let (Ok(dev), Ok(ino)) = (dev.parse::<u64>(), ino.parse::<u64>()) else { return false };
    // SAFETY: fstat on fd 2 with a zeroed, properly sized out-parameter.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(std::io::stderr().as_raw_fd(), &mut st) } != 0 {
        return false;
    }
    st.st_dev as u64 == dev && st.st_ino as u64 == ino
}

/// The sd-daemon(3) priority of a level.
fn priority(level: log::Level) -> u8 {
    match level {
        log::Level::Error => 3,
        log::Level::Warn => 4,
        log::Level::Info => 6,
        log::Level::Debug | log::Level::Trace => 7,
    }
}

impl log::Log for Logger {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.level() <= self.level
    }

    fn log(&self, r: &log::Record) {
        if !self.enabled(r.metadata()) {
            return;
        }
        let mut line = if self.journal { format!("<{}>", priority(r.level())) } else { String::new() };
        let time = || jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        match self.format {
            LogFormat::Text if self.journal => line.push_str(&format!("{} {}", r.level(), r.args())),
            LogFormat::Text => line.push_str(&format!("{} {} {}", time(), r.level(), r.args())),
            LogFormat::Json => {
                let v = serde_json::json!({
                    "time": time(),
                    "level": r.level().as_str().to_ascii_lowercase(),
                    "target": r.target(),
                    "message": r.args().to_string(),
                });
                line.push_str(&v.to_string());
            }
        }
        // A message with line breaks stays one record (journald and JSON readers take one line each).
        if matches!(self.format, LogFormat::Text) {
            line = line.replace('\n', " ");
        }
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {}
}
