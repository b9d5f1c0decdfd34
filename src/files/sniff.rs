//! What a file is, from its bytes: magic numbers (the `infer` crate, which also looks inside zip
//! and OLE containers to tell Office documents apart), plus what `infer` leaves to us: SVG (XML
//! text, the classic stored-XSS upload) and plain text. A name or a browser's claim never decides.

/// A type Frontdesk knows how to accept. The admin's allow-list picks among these only, so SVG,
/// HTML, scripts and executables can never be allowed.
pub struct Kind {
    pub mime: &'static str,
    /// File name endings that agree with it; the first is added to a name that has none.
    pub exts: &'static [&'static str],
    /// Shown inline (and thumbnailed): raster images the browser decodes as images only.
    pub raster: bool,
}

const fn k(mime: &'static str, exts: &'static [&'static str], raster: bool) -> Kind {
    Kind { mime, exts, raster }
}

pub const KINDS: &[Kind] = &[
    k("image/png", &["png"], true),
    k("image/jpeg", &["jpg", "jpeg", "jfif", "jpe"], true),
    k("image/gif", &["gif"], true),
    k("image/webp", &["webp"], true),
    k("application/pdf", &["pdf"], false),
    k("text/plain", &["txt", "text", "log", "csv", "tsv", "md"], false),
    k("application/msword", &["doc", "dot"], false),
    k("application/vnd.ms-excel", &["xls", "xlt"], false),
    k("application/vnd.ms-powerpoint", &["ppt", "pps", "pot"], false),
    k("application/vnd.openxmlformats-officedocument.wordprocessingml.document", &["docx"], false),
    k("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &["xlsx"], false),
    k("application/vnd.openxmlformats-officedocument.presentationml.presentation", &["pptx"], false),
    k("application/vnd.oasis.opendocument.text", &["odt"], false),
    k("application/vnd.oasis.opendocument.spreadsheet", &["ods"], false),
    k("application/vnd.oasis.opendocument.presentation", &["odp"], false),
    k("application/rtf", &["rtf"], false),
    k("application/zip", &["zip"], false),
];

/// The kind with this MIME type, if Frontdesk knows it.
pub fn kind(mime: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.mime == mime)
}

/// What the bytes are: a known kind, or the name of what they are instead (`image/svg+xml`,
/// `text/html`, `application/x-executable`, `application/octet-stream`…).
pub enum Detected {
    Known(&'static Kind),
    Other(String),
}

/// Decide from the first bytes of a file (`files::SNIFF_BYTES`); `complete` says they are all of it.
pub fn detect(head: &[u8], complete: bool) -> Detected {
    if looks_like_svg(head) {
        return Detected::Other("image/svg+xml".into());
    }
    if let Some(t) = infer::get(head) {
        let mime = match t.mime_type() {
            "text/rtf" => "application/rtf",
            m => m,
        };
        return match kind(mime) {
            Some(k) => Detected::Known(k),
            None => Detected::Other(mime.to_string()),
        };
    }
    if is_text(head, complete) {
        return Detected::Known(kind("text/plain").unwrap_or(&KINDS[0]));
    }
    Detected::Other("application/octet-stream".into())
}

/// XML or markup that names `<svg` near its start (after a prolog, comments or a doctype).
fn looks_like_svg(head: &[u8]) -> bool {
    let start = &head[..head.len().min(4096)];
    let text = String::from_utf8_lossy(start).to_ascii_lowercase();
    let t = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    t.starts_with('<') && text.contains("<svg")
}

/// UTF-8 text without control characters other than tab, line feed, form feed and carriage return.
/// When the head was cut, a character split at its end is not held against it.
fn is_text(head: &[u8], complete: bool) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) if !complete && e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(t) => t,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// A file name safe to store and show: the last path component, no control characters, at most
/// 200 characters; `file` when nothing is left.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() { "file".into() } else { clean }
}

/// The name's ending, lower case ("" for none).
pub fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() && ext.len() <= 10 => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mime(b: &[u8]) -> String {
        match detect(b, true) {
            Detected::Known(k) => k.mime.to_string(),
            Detected::Other(m) => m,
        }
    }

    #[test]
    fn the_bytes_decide() {
        assert_eq!(mime(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(mime(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(mime(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "image/svg+xml");
        assert_eq!(mime(b"<?xml version=\"1.0\"?>\n<svg/>"), "image/svg+xml");
        assert_eq!(mime(b"<!DOCTYPE html><script>alert(1)</script>"), "text/html");
        assert_eq!(mime("plain words, olá\n".as_bytes()), "text/plain");
        // A program is never a known kind (whatever `infer` names it from so few bytes).
        assert!(matches!(detect(b"\x7fELF\x02\x01\x01\0", true), Detected::Other(_)));
        assert_eq!(mime(b"\0\x01\x02binary"), "application/octet-stream");
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\a\u{7}b.png"), "ab.png");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(extension("a.PNG"), "png");
        assert_eq!(extension("README"), "");
    }
}
