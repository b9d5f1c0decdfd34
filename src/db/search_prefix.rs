//! The last word of a search, matched as a prefix, without FTS5's prefix scan. FTS5 answers
//! `"deliv"*` by merging the entries of every indexed word that starts with `deliv` into one list in
//! memory before it returns a first row, however small the LIMIT: for a common word that is hundreds
//! of thousands of entries (tens of ms over a million messages, twice per search). A query that names
//! the words (`("delivery" OR "delivered")`) is read lazily in rowid order, so newest first stops at
//! the page. This module looks those words up in the index's vocabulary (an `fts5vocab` view of
//! `messages_fts`, created per connection in `temp`); it owns no table and changes no data.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

/// Most words a prefix is replaced with. A prefix of more (`a`, `pa`) is left to FTS5 as typed:
/// an OR of hundreds of words costs more than the merge it replaces.
pub const MAX_WORDS: usize = 16;

/// `q` as `messages::fts_query` made it (quoted words, the last one followed by `*`), with that last
/// prefix replaced by the indexed words it stands for: `"refund" "invoic"*` becomes
/// `"refund" AND ("invoice" OR "invoices")`. The same messages match. `None`: keep `q` (the prefix is
/// not plain ASCII letters and digits, whose folding we know to be ASCII lowercase; it stands for
/// more than `MAX_WORDS` words; or for none, which FTS5 finds as cheaply).
pub fn expand(conn: &Connection, q: &str) -> Result<Option<String>> {
    let Some(head) = q.strip_suffix("\"*") else { return Ok(None) };
    let Some(open) = head.rfind('"') else { return Ok(None) };
    let word = &head[open + 1..];
    if word.is_empty() || !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let words = words_with_prefix(conn, &word.to_ascii_lowercase())?;
    if words.is_empty() || words.len() > MAX_WORDS {
        return Ok(None);
    }
    let any = words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR ");
    let rest = head[..open].trim_end();
    Ok(Some(if rest.is_empty() { format!("({any})") } else { format!("{rest} AND ({any})") }))
}

/// The indexed words starting with `prefix` (ASCII lowercase), in order; stops after `MAX_WORDS + 1`.
/// Each step asks the vocabulary for the first word at or after the last one found plus `\x01` (no
/// word holds a control character): a seek, not a walk through the word's entries, which the
/// `row` form of `fts5vocab` would count.
fn words_with_prefix(conn: &Connection, prefix: &str) -> Result<Vec<String>> {
    conn.execute_batch("CREATE VIRTUAL TABLE IF NOT EXISTS temp.messages_fts_words USING fts5vocab(main, messages_fts, instance)")?;
    let mut end = prefix.as_bytes().to_vec();
    // ASCII alphanumeric: the last byte plus one is still ASCII.
    *end.last_mut().expect("a non-empty prefix") += 1;
    let end = String::from_utf8(end).expect("ASCII");
    let mut st = conn.prepare_cached("SELECT term FROM temp.messages_fts_words WHERE term >= ?1 AND term < ?2 LIMIT 1")?;
    let mut words: Vec<String> = Vec::new();
    let mut from = prefix.to_string();
    while words.len() <= MAX_WORDS {
        let Some(w) = st.query_row(params![from, end], |r| r.get::<_, String>(0)).optional()? else { break };
        from = format!("{w}\u{1}");
        words.push(w);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::{MAX_WORDS, expand};
    use rusqlite::Connection;

    fn index(bodies: &[String]) -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE VIRTUAL TABLE messages_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')").unwrap();
        for b in bodies {
            c.execute("INSERT INTO messages_fts (body) VALUES (?1)", [b]).unwrap();
        }
        c
    }

    #[test]
    fn a_prefix_becomes_the_words_it_begins_or_stays_as_typed() {
        let c = index(&["Invoice sent", "two invoices", "Invóiced", "invite"].map(String::from));
        assert_eq!(
            expand(&c, "\"refund\" \"Invoic\"*").unwrap().as_deref(),
            Some("\"refund\" AND (\"invoice\" OR \"invoiced\" OR \"invoices\")")
        );
        assert_eq!(expand(&c, "\"inv\"*").unwrap().as_deref(), Some("(\"invite\" OR \"invoice\" OR \"invoiced\" OR \"invoices\")"));
        assert_eq!(expand(&c, "\"invóic\"*").unwrap(), None, "not ASCII: left to FTS5");
        assert_eq!(expand(&c, "\"e-mail\"*").unwrap(), None, "two tokens: left to FTS5");
        assert_eq!(expand(&c, "\"zebra\"*").unwrap(), None, "no such word");
        let many = index(&(0..=MAX_WORDS).map(|i| format!("word{i}")).collect::<Vec<_>>());
        assert_eq!(expand(&many, "\"word\"*").unwrap(), None, "more than MAX_WORDS words");
        let enough = index(&(1..=MAX_WORDS).map(|i| format!("word{i}")).collect::<Vec<_>>());
        assert!(expand(&enough, "\"word\"*").unwrap().is_some());
    }
}
