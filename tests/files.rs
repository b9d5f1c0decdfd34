//! Files and images in conversations (issue 17), over real HTTP and WebSocket: what is refused and
//! with which status (an SVG, HTML renamed .png, a file over the limit, a decompression bomb, a
//! name that disagrees with the bytes), that a retried upload is one copy, who may read a file
//! (the conversation's visibility; a note's files never reach the customer), the headers every
//! file answer carries, deletion and the sweep, and `frontdesk backup`/`check` over the files.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use common::{Client, Customer, Resp, Server, desk::desk, raw_request};
use serde_json::{Value, json};

fn uid() -> String {
    let mut b = [0u8; 8];
    rand::fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn agent_headers(c: &Client) -> Vec<(String, String)> {
    let mut h = vec![("Origin".to_string(), c.origin.clone())];
    if let Some(k) = &c.cookie {
        h.push(("Cookie".into(), k.clone()));
    }
    if let Some(t) = &c.csrf {
        h.push(("X-CSRF-Token".into(), t.clone()));
    }
    h
}

fn customer_headers(c: &Customer) -> Vec<(String, String)> {
    vec![("Origin".to_string(), c.origin.clone()), ("Authorization".to_string(), format!("Bearer {}", c.token))]
}

fn upload(addr: std::net::SocketAddr, mut h: Vec<(String, String)>, path: &str, id: &str, name: &str, bytes: &[u8]) -> Resp {
    h.push(("Content-Type".into(), "application/octet-stream".into()));
    raw_request(addr, "POST", &format!("{path}?upload_id={id}&name={name}"), &h, bytes)
}

fn agent_upload(c: &Client, id: &str, name: &str, bytes: &[u8]) -> Resp {
    upload(c.addr, agent_headers(c), "/api/files", id, name, bytes)
}

fn customer_upload(c: &Customer, id: &str, name: &str, bytes: &[u8]) -> Resp {
    upload(c.addr, customer_headers(c), "/api/widget/files", id, name, bytes)
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut c = kind.to_vec();
    c.extend_from_slice(data);
    out.extend_from_slice(&c);
    out.extend_from_slice(&crc32(&c).to_be_bytes());
}

/// A PNG of a few hundred bytes whose header says 60,000 × 60,000 pixels: decoded, 3.6 gigapixels
/// (a decompression bomb; its data is a short run of zlib-compressed zeros).
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&60_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib: a stored-nothing header plus a fixed-Huffman block of zeros is enough for the header check.
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00]);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn stored_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for d in std::fs::read_dir(dir.join("files")).into_iter().flatten().flatten() {
        let name = d.file_name().to_string_lossy().to_string();
        if name.len() != 2 {
            continue;
        }
        for f in std::fs::read_dir(d.path()).unwrap().flatten() {
            out.push(format!("{name}{}", f.file_name().to_string_lossy()));
        }
    }
    out
}

fn error_of(r: &Resp) -> String {
    r.json()["error"].as_str().unwrap_or_default().to_string()
}

#[test]
fn svg_html_renamed_png_and_disagreeing_names_are_refused_as_unsupported_types() {
    let (s, admin, _sam, sally, _conv) = desk();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(document.cookie)\"><circle r=\"4\"/></svg>";
    let r = customer_upload(&sally, &uid(), "logo.svg", svg);
    assert_eq!(r.status, 415, "{}", r.text());
    assert!(error_of(&r).contains("image/svg+xml"), "{}", r.text());
    // The same SVG named .png: the bytes decide.
    let r = agent_upload(&admin, &uid(), "logo.png", svg);
    assert_eq!(r.status, 415, "{}", r.text());
    let html = b"<!DOCTYPE html><html><script>fetch('/api/me')</script></html>";
    let r = customer_upload(&sally, &uid(), "screenshot.png", html);
    assert_eq!(r.status, 415, "{}", r.text());
    assert!(error_of(&r).contains("text/html"), "{}", r.text());
    // A real PDF called .png: the name disagrees with the bytes.
    let r = customer_upload(&sally, &uid(), "invoice.png", PDF);
    assert_eq!(r.status, 415, "{}", r.text());
    assert!(error_of(&r).contains(".png") && error_of(&r).contains("application/pdf"), "{}", r.text());
    // A type the admin took off the allow-list.
    let r = admin.patch_json("/api/settings", &json!({"file_types": ["image/png"]}));
    assert_eq!(r.status, 200, "{}", r.text());
    let r = customer_upload(&sally, &uid(), "invoice.pdf", PDF);
    assert_eq!(r.status, 415, "{}", r.text());
    // And SVG can never be put on it.
    let r = admin.patch_json("/api/settings", &json!({"file_types": ["image/png", "image/svg+xml"]}));
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(stored_files(&s.dir.0).is_empty(), "nothing refused was kept: {:?}", stored_files(&s.dir.0));
}

#[test]
fn a_file_over_the_limit_is_refused_from_its_length_before_the_body_is_read() {
    let (s, _admin, _sam, sally, _conv) = desk();
    // 12 MiB declared; only the first 64 KiB sent. The answer comes without waiting for the rest.
    let mut t = TcpStream::connect(s.addr).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!("POST /api/widget/files?upload_id={}&name=big.pdf HTTP/1.1\r\nHost: x\r\n", uid());
    for (k, v) in customer_headers(&sally) {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", 12 * 1024 * 1024));
    t.write_all(head.as_bytes()).unwrap();
    t.write_all(&vec![b'%'; 64 * 1024]).unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    let _ = t.read_to_end(&mut buf);
    let r = common::parse_response(&buf).expect("an answer");
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(error_of(&r).contains("10 MiB"), "the message names the limit: {}", r.text());
    assert!(started.elapsed() < Duration::from_secs(5));
    // The limit is the admin's: at 20 MiB the same length would be taken.
    // Without a length, nothing is read at all.
    let mut h = customer_headers(&sally);
    h.push(("Transfer-Encoding".into(), "chunked".into()));
    let r = raw_request(s.addr, "POST", &format!("/api/widget/files?upload_id={}&name=a.txt", uid()), &h, b"");
    assert!(r.status == 400 || r.status == 411, "{}", r.text());
    assert!(stored_files(&s.dir.0).is_empty());
}

#[test]
fn a_decompression_bomb_image_is_refused() {
    let (s, _admin, _sam, sally, _conv) = desk();
    let bomb = png_bomb();
    assert!(bomb.len() < 1024);
    let r = customer_upload(&sally, &uid(), "bomb.png", &bomb);
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(error_of(&r).contains("too large to process"), "{}", r.text());
    // A damaged image too (PNG magic, then nothing readable).
    let r = customer_upload(&sally, &uid(), "broken.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRgarbage");
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(stored_files(&s.dir.0).is_empty());
}

#[test]
fn a_retried_upload_is_one_copy_and_one_attachment() {
    let (s, admin, _sam, sally, _conv) = desk();
    let img = png(800, 600);
    let id = uid();
    let first = customer_upload(&sally, &id, "screenshot.png", &img);
    assert_eq!(first.status, 201, "{}", first.text());
    let att = first.json()["attachment"].clone();
    assert_eq!(att["type"], "image/png");
    assert_eq!((att["width"].as_i64(), att["height"].as_i64()), (Some(800), Some(600)));
    assert_eq!(att["thumb"], true);
    let again = customer_upload(&sally, &id, "screenshot.png", &img);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["attachment"], att);
    assert_eq!(stored_files(&s.dir.0).len(), 2, "the image and its thumbnail, once each");
    // The same bytes under another upload id are another attachment but still one file.
    let other = agent_upload(&admin, &uid(), "same.png", &img);
    assert_eq!(other.status, 201, "{}", other.text());
    assert_ne!(other.json()["attachment"]["id"], att["id"]);
    assert_eq!(stored_files(&s.dir.0).len(), 2);
}

/// Sally sends a screenshot and a PDF over her socket; returns the two attachments.
fn sally_sends_two(sally: &Customer) -> (Value, Value) {
    let a = customer_upload(sally, &uid(), "screen.png", &png(40, 30));
    let b = customer_upload(sally, &uid(), "invoice.pdf", PDF);
    assert_eq!((a.status, b.status), (201, 201), "{} {}", a.text(), b.text());
    let (a, b) = (a.json()["attachment"].clone(), b.json()["attachment"].clone());
    let mut ws = sally.ws();
    ws.resume(None);
    let cmid = format!("m-{}", uid());
    let frame = json!({"type": "send", "body": "", "client_msg_id": cmid, "attachments": [a["id"], b["id"]]});
    ws.send(&frame);
    let ack = ws.recv_type("ack");
    assert_eq!(ack["duplicate"], false, "{ack}");
    // Retried after a lost ack: the same message, nothing new, and no complaint that the files are taken.
    ws.send(&frame);
    let ack2 = ws.recv_type("ack");
    assert_eq!((ack2["id"].clone(), ack2["duplicate"].clone()), (ack["id"].clone(), json!(true)), "{ack2}");
    (a, b)
}

#[test]
fn files_follow_their_conversation_visibility_and_another_customers_url_is_not_found() {
    let (s, admin, sam, sally, conv) = desk();
    let (shot, pdf) = sally_sends_two(&sally);
    let key = pdf["id"].as_str().unwrap();
    assert!(key.len() >= 32, "an unguessable id, not a row number: {key}");
    // The agents who see live chats read both; the message carries them.
    let msgs = sam.get(&format!("/api/conversations/{conv}/messages")).json()["messages"].as_array().unwrap().clone();
    let last = msgs.last().unwrap();
    assert_eq!(last["attachments"].as_array().unwrap().len(), 2, "{last}");
    assert!(last["attachments"][0]["name"] == "screen.png" && last["attachments"][1]["name"] == "invoice.pdf");
    let got = sam.get(&format!("/files/{key}"));
    assert_eq!(got.status, 200);
    assert_eq!(got.body, PDF, "byte-identical");
    // Sally reads her own files, with her token.
    let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{key}"), &customer_headers(&sally), b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, PDF);
    // Another customer, with the URL: not found (not forbidden: existence is not disclosed).
    let bob = s.customer(Some("Bob"));
    bob.say("hi");
    for k in [key, shot["id"].as_str().unwrap()] {
        let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{k}"), &customer_headers(&bob), b"");
        assert_eq!(r.status, 404, "{}", r.text());
        let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{k}?thumb=1"), &customer_headers(&bob), b"");
        assert_eq!(r.status, 404, "{}", r.text());
    }
    // An agent outside customer support does not see live chats, nor their files.
    let tess = s.agent(&admin, "tess@example.com", "Tess Team", false);
    assert_eq!(tess.get(&format!("/files/{key}")).status, 404);
    // Nobody signed in: 401.
    assert_eq!(raw_request(s.addr, "GET", &format!("/files/{key}"), &[], b"").status, 401);
    // A made-up id: 404.
    assert_eq!(sam.get(&format!("/files/{}", "0".repeat(32))).status, 404);
    // Sally cannot attach a file of Bob's, even knowing its id.
    let bobs = customer_upload(&bob, &uid(), "b.txt", b"bob's text\n").json()["attachment"]["id"].clone();
    let r = sally.request("POST", "/api/widget/messages", Some(&json!({"body": "x", "client_msg_id": uid(), "attachments": [bobs]})));
    assert_eq!(r.status, 422, "{}", r.text());
    // An unsent upload is its uploader's alone.
    let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{}", bobs.as_str().unwrap()), &customer_headers(&sally), b"");
    assert_eq!(r.status, 404);
    assert_eq!(sam.get(&format!("/files/{}", bobs.as_str().unwrap())).status, 404);
}

#[test]
fn file_answers_carry_the_safe_headers_and_only_raster_images_are_inline() {
    let (_s, _admin, sam, sally, _conv) = desk();
    let (shot, pdf) = sally_sends_two(&sally);
    let img = sam.get(&format!("/files/{}", shot["id"].as_str().unwrap()));
    assert_eq!(img.status, 200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    assert!(img.header("content-disposition").unwrap().starts_with("inline"));
    let doc = sam.get(&format!("/files/{}", pdf["id"].as_str().unwrap()));
    assert_eq!(doc.header("content-type"), Some("application/pdf"));
    assert!(doc.header("content-disposition").unwrap().starts_with("attachment"), "{:?}", doc.headers);
    assert!(doc.header("content-disposition").unwrap().contains("invoice.pdf"));
    let thumb = sam.get(&format!("/files/{}?thumb=1", shot["id"].as_str().unwrap()));
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/png"));
    assert_eq!(&thumb.body[..4], b"\x89PNG");
    for r in [&img, &doc, &thumb] {
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert!(r.header("content-security-policy").unwrap().starts_with("sandbox"), "{:?}", r.headers);
    }
    // A file without a thumbnail has none to give.
    assert_eq!(sam.get(&format!("/files/{}?thumb=1", pdf["id"].as_str().unwrap())).status, 404);
}

#[test]
fn a_notes_files_never_reach_the_customer() {
    let (s, admin, _sam, sally, conv) = desk();
    let up = agent_upload(&admin, &uid(), "internal.txt", b"refund approved by finance\n");
    assert_eq!(up.status, 201, "{}", up.text());
    let key = up.json()["attachment"]["id"].as_str().unwrap().to_string();
    let r = admin.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "see file", "note": true, "client_msg_id": uid(), "attachments": [key]}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["message"]["attachments"][0]["name"], "internal.txt");
    assert_eq!(admin.get(&format!("/files/{key}")).status, 200);
    let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{key}"), &customer_headers(&sally), b"");
    assert_eq!(r.status, 404);
    assert!(!sally.history().iter().any(|m| m.to_string().contains("internal.txt")));
    // The same file sent openly reaches her: a file follows its message.
    let up = agent_upload(&admin, &uid(), "guide.txt", b"how to\n");
    let open = up.json()["attachment"]["id"].as_str().unwrap().to_string();
    let r = admin
        .post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "", "client_msg_id": uid(), "attachments": [open]}));
    assert_eq!(r.status, 201, "{}", r.text());
    let last = sally.history().last().unwrap().clone();
    assert_eq!(last["attachments"][0]["name"], "guide.txt", "{last}");
    assert_eq!(last["attachments"][0]["type"], "text/plain");
    let r = raw_request(s.addr, "GET", &format!("/api/widget/files/{open}"), &customer_headers(&sally), b"");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"how to\n"[..]));
    // A message carries at most 10 files, each once.
    let r = admin.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "again", "client_msg_id": uid(), "attachments": [open]}),
    );
    assert_eq!(r.status, 422, "already sent: {}", r.text());
    let many: Vec<String> = (0..11)
        .map(|i| {
            agent_upload(&admin, &uid(), &format!("f{i}.txt"), format!("{i}\n").as_bytes()).json()["attachment"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let r =
        admin.post_json(&format!("/api/conversations/{conv}/messages"), &json!({"body": "x", "client_msg_id": uid(), "attachments": many}));
    assert_eq!(r.status, 422, "{}", r.text());
}

#[test]
fn deleting_a_message_removes_its_file_once_nothing_refers_to_it() {
    let (s, admin, _sam, _sally, conv) = desk();
    let a = s.running.as_ref().unwrap().app.clone();
    let up = agent_upload(&admin, &uid(), "price%20list.pdf", PDF);
    let key = up.json()["attachment"]["id"].as_str().unwrap().to_string();
    let m = admin.post_json(
        &format!("/api/conversations/{conv}/messages"),
        &json!({"body": "prices", "client_msg_id": uid(), "attachments": [key]}),
    );
    let mid = m.json()["message"]["id"].as_i64().unwrap();
    // An upload never sent, and a sent one: two files.
    agent_upload(&admin, &uid(), "draft.txt", b"never sent\n");
    assert_eq!(stored_files(&s.dir.0).len(), 2);
    let r = admin.delete(&format!("/api/messages/{mid}"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["message"].get("attachments").is_none());
    assert_eq!(admin.get(&format!("/files/{key}")).status, 404, "gone with its message at once");
    // Within the grace period the bytes stay (an upload may be about to commit a row naming them).
    let swept = admin.post_json("/__test/sweep-files", &json!({}));
    assert_eq!(swept.status, 200, "{}", swept.text());
    assert_eq!(stored_files(&s.dir.0).len(), 2);
    // Two hours on: the deleted message's file goes; the unsent draft stays a day.
    a.clock.advance(2 * 3600 * 1000);
    let swept = admin.post_json("/__test/sweep-files", &json!({})).json();
    assert_eq!(swept["files"], 1, "{swept}");
    assert_eq!(stored_files(&s.dir.0).len(), 1);
    a.clock.advance(24 * 3600 * 1000);
    let swept = admin.post_json("/__test/sweep-files", &json!({})).json();
    assert_eq!((swept["unsent"].clone(), swept["files"].clone()), (json!(1), json!(1)), "{swept}");
    assert!(stored_files(&s.dir.0).is_empty());
}

#[test]
fn uploads_are_rate_limited_per_visitor() {
    let s = Server::start_with(|c| c.trusted_proxies = frontdesk::config::TrustedProxies::loopback());
    let r = raw_request(
        s.addr,
        "POST",
        "/api/widget/visitors",
        &[
            ("Origin".into(), s.origin()),
            ("X-Forwarded-For".into(), "203.0.113.7".into()),
            ("Content-Type".into(), "application/json".into()),
        ],
        b"{}",
    );
    let token = r.json()["token"].as_str().unwrap().to_string();
    let h = vec![
        ("Origin".to_string(), s.origin()),
        ("Authorization".to_string(), format!("Bearer {token}")),
        ("X-Forwarded-For".to_string(), "203.0.113.7".to_string()),
    ];
    let mut statuses = Vec::new();
    for i in 0..21 {
        statuses.push(upload(s.addr, h.clone(), "/api/widget/files", &format!("u{i}"), "a.txt", format!("note {i}\n").as_bytes()).status);
    }
    assert!(statuses[..20].iter().all(|s| *s == 201), "{statuses:?}");
    assert_eq!(statuses[20], 429);
    // A retry of an upload already made costs nothing and still answers.
    assert_eq!(upload(s.addr, h, "/api/widget/files", "u3", "a.txt", b"note 3\n").status, 200);
}

#[test]
fn backup_copies_the_files_and_check_verifies_them() {
    let (s, admin, _sam, sally, _conv) = desk();
    sally_sends_two(&sally);
    agent_upload(&admin, &uid(), "a.txt", b"text\n");
    let bin = env!("CARGO_BIN_EXE_frontdesk");
    let data = s.dir.0.to_str().unwrap().to_string();
    let backup = s.dir.0.join("copy.db");
    let out = std::process::Command::new(bin).args(["backup", backup.to_str().unwrap(), "--data", &data]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let copied =
        std::fs::read_dir(s.dir.0.join("copy.db.files")).unwrap().flatten().flat_map(|d| std::fs::read_dir(d.path()).unwrap()).count();
    assert_eq!(copied, 4, "the image, its thumbnail, the PDF and the text");
    let out = std::process::Command::new(bin).args(["check", "--data", &data]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    assert!(text.contains("files: 4 referenced, 0 missing"), "{text}");
    // A damaged file is named.
    let victim = stored_files(&s.dir.0)[0].clone();
    std::fs::write(s.dir.0.join("files").join(&victim[..2]).join(&victim[2..]), b"changed").unwrap();
    let out = std::process::Command::new(bin).args(["check", "--data", &data]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("1 missing or damaged") && text.contains(&victim[2..]), "{text}");
}

#[test]
fn retention_takes_a_deleted_conversations_files_with_it() {
    let (s, admin, _sam, sally, conv) = desk();
    let a = s.running.as_ref().unwrap().app.clone();
    let (shot, pdf) = sally_sends_two(&sally);
    let bob = s.customer(Some("Bob"));
    bob.say("hello");
    let keep = customer_upload(&bob, &uid(), "keep.txt", b"bob keeps this\n").json()["attachment"]["id"].clone();
    let r = bob.request("POST", "/api/widget/messages", Some(&json!({"body": "", "client_msg_id": uid(), "attachments": [keep]})));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(stored_files(&s.dir.0).len(), 4, "Sally's image, its thumbnail and PDF; Bob's text");
    assert_eq!(admin.post_json(&format!("/api/conversations/{conv}/status"), &json!({"status": "closed"})).status, 200);
    assert_eq!(admin.patch_json("/api/settings", &json!({"retention_days": 1})).status, 200);
    a.clock.advance(2 * 24 * 3600 * 1000);
    let admin = s.login("ada@example.com", "correct horse battery");
    let r = admin.post_json("/api/admin/retention/run", &json!({}));
    assert_eq!(r.json()["deleted"], 1, "{}", r.text());
    let swept = admin.post_json("/__test/sweep-files", &json!({})).json();
    assert_eq!(swept["files"], 3, "{swept}");
    assert_eq!(stored_files(&s.dir.0).len(), 1, "Bob's open conversation keeps its file");
    for k in [&shot["id"], &pdf["id"]] {
        assert_eq!(admin.get(&format!("/files/{}", k.as_str().unwrap())).status, 404);
    }
    assert_eq!(admin.get(&format!("/files/{}", keep.as_str().unwrap())).status, 200);
}

#[test]
fn restore_brings_the_files_back() {
    let (mut s, _admin, _sam, sally, _conv) = desk();
    sally_sends_two(&sally);
    let bin = env!("CARGO_BIN_EXE_frontdesk");
    let data = s.dir.0.to_str().unwrap().to_string();
    let backup = std::env::temp_dir().join(format!("frontdesk-files-backup-{}.db", uid()));
    let out = std::process::Command::new(bin).args(["backup", backup.to_str().unwrap(), "--data", &data]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    s.running.take().unwrap().shutdown();
    let before = stored_files(&s.dir.0);
    std::fs::remove_dir_all(s.dir.0.join("files")).unwrap();
    let out = std::process::Command::new(bin).args(["restore", backup.to_str().unwrap(), "--data", &data, "--yes"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text} {}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("restored 3 files"), "{text}");
    let mut after = stored_files(&s.dir.0);
    let mut before = before;
    before.sort();
    after.sort();
    assert_eq!(after, before);
    let out = std::process::Command::new(bin).args(["check", "--data", &data]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_file(&backup);
    let _ = std::fs::remove_dir_all(frontdesk::files::beside(&backup));
}
