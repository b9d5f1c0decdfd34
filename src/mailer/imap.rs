//! Fetching new mail over IMAP (the `imap` crate, synchronous): sign in, select the folder, take
//! the unseen messages (their size first, so a huge one is never downloaded), hand each to the
//! caller, and flag it `\Seen` only once the caller says it is recorded. A mail the caller could not
//! record stays unseen and comes again next time; a mail recorded twice is one (by Message-ID).

use std::net::{TcpStream, ToSocketAddrs};

use imap::{ClientBuilder, Connection, ConnectionMode, TlsKind};

use super::{Security, Server, TIMEOUT};

/// One unseen message: its UID and size, and its bytes unless it is over the size limit.
pub struct Fetched {
    pub uid: u32,
    pub size: u32,
    pub raw: Option<Vec<u8>>,
}

/// At most this many messages per poll (the rest wait for the next one).
const PER_POLL: usize = 50;

fn connect(s: &Server) -> Result<imap::Client<Connection>, String> {
    if s.security == Security::None {
        let addr = (s.host.as_str(), s.port)
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", s.host))?
            .next()
            .ok_or(format!("{} has no address", s.host))?;
        let tcp = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect to {}:{}: {e}", s.host, s.port))?;
        tcp.set_read_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
        tcp.set_write_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
        let mut c = imap::Client::new(Box::new(tcp) as Connection);
        c.read_greeting().map_err(|e| format!("greeting: {e}"))?;
        return Ok(c);
    }
    let mode = if s.security == Security::Tls { ConnectionMode::Tls } else { ConnectionMode::StartTls };
    ClientBuilder::new(s.host.as_str(), s.port)
        .mode(mode)
        .tls_kind(TlsKind::Rust)
        .connect()
        .map_err(|e| format!("connect to {}:{}: {e}", s.host, s.port))
}

/// Fetch the unseen messages of `s.folder`; `record` returns whether the message was dealt with
/// (then it is flagged seen). Returns how many were dealt with.
pub fn fetch_unseen(s: &Server, max_size: u32, record: &mut dyn FnMut(Fetched) -> bool) -> Result<usize, String> {
    let client = connect(s)?;
    let mut session = client.login(&s.user, &s.password).map_err(|(e, _)| format!("sign-in refused: {e}"))?;
    session.select(&s.folder).map_err(|e| format!("select {}: {e}", s.folder))?;
    let mut uids: Vec<u32> = session.uid_search("UNSEEN").map_err(|e| format!("search: {e}"))?.into_iter().collect();
    uids.sort_unstable();
    let mut done = 0;
    for uid in uids.into_iter().take(PER_POLL) {
        let sizes = session.uid_fetch(uid.to_string(), "(UID RFC822.SIZE)").map_err(|e| format!("fetch size: {e}"))?;
        let size = sizes.iter().find_map(|f| f.size).unwrap_or(0);
        let raw = if size > max_size {
            None
        } else {
            let f = session.uid_fetch(uid.to_string(), "(UID BODY.PEEK[])").map_err(|e| format!("fetch: {e}"))?;
            Some(f.iter().find_map(|m| m.body().map(<[u8]>::to_vec)).unwrap_or_default())
        };
        if record(Fetched { uid, size, raw }) {
            session.uid_store(uid.to_string(), "+FLAGS (\\Seen)").map_err(|e| format!("flag seen: {e}"))?;
            done += 1;
        }
    }
    let _ = session.logout();
    Ok(done)
}
