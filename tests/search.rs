//! Search ([S11]): words and prefixes, only where the searcher may look, user input treated as text
//! (never FTS5 syntax or SQL), ranking for selective queries and newest first for very common words.

mod common;

use common::desk::desk;
use common::*;
use std::time::Duration;

use serde_json::{Value, json};

#[test]
fn search_finds_words_respects_visibility_and_treats_syntax_as_text() {
    let (s, admin, _sam, sally, conv) = desk();
    admin.reply(conv, "Your parcel is with the courier: tracking code ZX42");
    sally.say("What does \"NEAR(\" mean OR * anything?");
    let search = |c: &Client, q: &str| -> Value {
        let r = c.get(&format!("/api/search?q={}", q.replace(' ', "+").replace('"', "%22").replace('*', "%2A").replace('(', "%28")));
        assert_eq!(r.status, 200, "{q}: {}", r.text());
        r.json()
    };
    let r = search(&admin, "courier tracking");
    assert_eq!(r["results"][0]["conversation_id"], conv);
    assert!(r["results"][0]["snippet"].as_str().unwrap().contains("\u{2}courier\u{3}"));
    assert_eq!(search(&admin, "parc")["results"].as_array().unwrap().len(), 1, "prefix while typing");
    for hostile in ["\"", "*", "OR", "NEAR(", "\"NEAR(\" OR *", "' OR 1=1 --", "a\"b"] {
        let r = search(&admin, hostile);
        assert!(r["results"].is_array(), "{hostile}");
    }
    assert_eq!(search(&admin, "NEAR(")["results"].as_array().unwrap().len(), 1);
    // Customer names are searchable.
    assert_eq!(search(&admin, "Sally")["conversations"][0]["conversation_id"], conv);
    // Visibility: a non-support agent finds nothing of the live chat but finds their team chat.
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    assert_eq!(search(&nina, "courier")["results"], json!([]));
    assert_eq!(search(&nina, "Sally")["conversations"], json!([]));
    admin.post_json("/api/conversations", &json!({"user_ids": [nina.id()], "body": "the courier strike"}));
    assert_eq!(search(&nina, "courier")["results"].as_array().unwrap().len(), 1);
}

#[test]
fn search_ranks_selective_queries_and_lists_very_common_words_newest_first() {
    let (s, admin, _sam, _sally, _conv) = desk();
    let writers: Vec<Customer> = (0..4).map(|i| s.customer(Some(&format!("W{i}")))).collect();
    let handles: Vec<_> = writers
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                for i in 0..520 {
                    let body = if i == 519 { "common word and a latest marker".to_string() } else { format!("common word number {i}") };
                    assert_eq!(c.request("POST", "/api/widget/messages", Some(&json!({"body": body}))).status, 201);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let r = admin.get("/api/search?q=common").json();
    assert_eq!(r["order"], "newest", "over 2,000 matches: newest first");
    let ids: Vec<i64> = r["results"].as_array().unwrap().iter().map(|h| h["message_id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 20);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let r = admin.get("/api/search?q=latest+marker").json();
    assert_eq!(r["order"], "relevance");
    assert_eq!(r["results"].as_array().unwrap().len(), 4);
}

/// Messages are indexed for search after their commit, in a transaction of their own
/// (`db::search_index`). A SIGKILL between the two loses nothing: the index's mark is in the
/// database, and the next start indexes from there without being asked.
#[test]
fn a_message_acknowledged_but_not_yet_indexed_when_the_server_is_killed_is_found_after_restart() {
    let dir = TempDir::new();
    let mark = || -> i64 {
        let c = rusqlite::Connection::open(dir.0.join("frontdesk.db")).unwrap();
        c.busy_timeout(Duration::from_secs(5)).unwrap();
        c.query_row("SELECT indexed_upto FROM search_index", [], |r| r.get(0)).unwrap()
    };
    // Indexing held back for ten minutes, so the kill lands between the commit and the indexing.
    let mut p = Proc::serve_env(&dir.0, &[], &[("FRONTDESK_SEARCH_INDEX_MS", "600000")]);
    p.server().admin();
    let sally = p.server().customer(Some("Sally"));
    let id = sally.say("my zeppelin arrived dented")["id"].as_i64().unwrap();
    assert!(mark() < id, "acknowledged (committed) but not indexed yet");
    p.signal(libc::SIGKILL);
    assert!(p.wait_for(Duration::from_secs(10)).is_some());
    // Restarted with the usual schedule: the writer goes on from the mark by itself.
    let p = Proc::serve(&dir.0, &[]);
    let t = std::time::Instant::now();
    while mark() < id {
        assert!(t.elapsed() < Duration::from_secs(10), "the index did not resume from its mark after the restart");
        std::thread::sleep(Duration::from_millis(10));
    }
    let admin = p.server().login("ada@example.com", "correct horse battery");
    let r = admin.get("/api/search?q=zeppelin").json();
    assert_eq!(r["results"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["results"][0]["message_id"], id);
}

/// A search sees every message acknowledged before it, even while the writer has not indexed it yet.
#[test]
fn a_search_finds_a_message_acknowledged_just_before_it() {
    let s = Server::start_with(|c| c.search_idle = Duration::from_secs(600));
    let admin = s.admin();
    let sally = s.customer(Some("Sally"));
    let id = sally.say("the blimp is late")["id"].as_i64().unwrap();
    let r = admin.get("/api/search?q=blimp").json();
    assert_eq!(r["results"][0]["message_id"], id, "{r}");
}
