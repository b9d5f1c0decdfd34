//! The first hour: started as the README says (no `--public-url`), Frontdesk accepts the browser at
//! the address it actually used for this server (`localhost` for a loopback bind), and nothing
//! else; with a public URL set, another origin is refused with a message that says how to fix it.

mod common;

use common::*;
use serde_json::json;

/// A setup request with our custom header, as the setup page sends it, under `host` and `origin`.
fn setup_as(s: &Server, host: &str, origin: &str) -> (u16, String) {
    let body = json!({"helpdesk_name": "Acme", "name": "Ada", "email": "ada@example.com", "password": "correct horse battery"}).to_string();
    let req = format!(
        "POST /api/setup HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\nX-Frontdesk-Request: 1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let raw = raw_exchange(s.addr, req.as_bytes());
    let r = parse_response(raw.as_bytes()).expect("a response");
    (r.status, r.text())
}

#[test]
fn without_a_public_url_the_browsers_own_loopback_address_is_accepted() {
    let s = Server::start();
    let port = s.addr.port();
    // Another site, even pointing at this host name, is refused.
    let (status, text) = setup_as(&s, &format!("localhost:{port}"), "http://evil.example");
    assert_eq!(status, 403, "{text}");
    // A name that is not this loopback server's (DNS rebinding to 127.0.0.1) is refused.
    let (status, _) = setup_as(&s, &format!("evil.example:{port}"), &format!("http://evil.example:{port}"));
    assert_eq!(status, 403);
    // Another port on localhost is another site.
    let (status, _) = setup_as(&s, &format!("localhost:{}", port + 1), &format!("http://localhost:{}", port + 1));
    assert_eq!(status, 403);
    // The browser opened http://localhost:PORT: it works.
    let (status, text) = setup_as(&s, &format!("localhost:{port}"), &format!("http://localhost:{port}"));
    assert_eq!(status, 201, "{text}");
}

#[test]
fn with_a_public_url_another_origin_is_told_how_to_fix_it() {
    let s = Server::start_with(|c| c.public_url = "https://chat.example.com".into());
    let port = s.addr.port();
    let (status, text) = setup_as(&s, &format!("localhost:{port}"), &format!("http://localhost:{port}"));
    assert_eq!(status, 403);
    assert!(text.contains("--public-url") && text.contains("FRONTDESK_PUBLIC_URL"), "{text}");
}
