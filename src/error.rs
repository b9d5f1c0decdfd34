//! The one error type of request handling: a status, a message a person can act on, and (for 5xx)
//! a detail that goes only to the log.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    pub status: u16,
    /// Shown to the client as `{"error": message}`.
    pub message: String,
    /// Logged, never sent. Empty for plain client errors.
    pub detail: String,
    /// Extra response headers (e.g. `Retry-After`, `Allow`).
    pub headers: Vec<(&'static str, String)>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(status: u16, message: impl Into<String>) -> Error {
        Error { status, message: message.into(), detail: String::new(), headers: Vec::new() }
    }
    pub fn bad_request(m: impl Into<String>) -> Error {
        Error::new(400, m)
    }
    pub fn unauthorized() -> Error {
        Error::new(401, "Sign in first.")
    }
    pub fn forbidden(m: impl Into<String>) -> Error {
        Error::new(403, m)
    }
    pub fn not_found(m: impl Into<String>) -> Error {
        Error::new(404, m)
    }
    pub fn conflict(m: impl Into<String>) -> Error {
        Error::new(409, m)
    }
    pub fn too_many(retry_after_secs: u64, m: impl Into<String>) -> Error {
        Error::new(429, m).with_header("Retry-After", retry_after_secs.to_string())
    }
    /// A server fault: the client gets a generic message, the log gets `detail`.
    pub fn internal(detail: impl fmt::Display) -> Error {
        Error {
            status: 500,
            message: "Something went wrong on our side; it has been logged.".into(),
            detail: detail.to_string(),
            headers: Vec::new(),
        }
    }
    /// 507: nothing was saved because the server's disk is full. Said plainly, since the person
    /// can do something about it (tell whoever runs the server) and must know their text is lost.
    pub fn disk_full(detail: impl fmt::Display) -> Error {
        Error {
            status: 507,
            message: "The server's disk is full; your message was not saved. Please tell the help desk's administrator.".into(),
            detail: detail.to_string(),
            headers: Vec::new(),
        }
    }
    /// The same error with a detail for the log.
    pub fn detail(mut self, detail: impl Into<String>) -> Error {
        self.detail = detail.into();
        self
    }
    pub fn with_header(mut self, name: &'static str, value: String) -> Error {
        self.headers.push((name, value));
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.message)?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        if disk_full(&e) {
            return Error::disk_full(format!("sqlite: {e}"));
        }
        Error::internal(format!("sqlite: {e}"))
    }
}

/// SQLite could not grow the database or its WAL: the file system is full (or a quota hit).
pub fn disk_full(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull)
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::internal(format!("io: {e}"))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Error {
        Error::bad_request(format!("Invalid JSON: {e}"))
    }
}
