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

/// Four customers, each on a thread of their own, each saying `body(i)` for `i` in `0..each`.
fn four_customers_say(s: &Server, each: usize, body: fn(usize) -> String) {
    let writers: Vec<Customer> = (0..4).map(|i| s.customer(Some(&format!("W{i}")))).collect();
    let handles: Vec<_> = writers
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                for i in 0..each {
                    assert_eq!(c.request("POST", "/api/widget/messages", Some(&json!({"body": body(i)}))).status, 201);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Someone who sees no live chats: a common word's newest-first page walks only the messages they can
/// see (`db::search_team`), and must still be exactly the newest of those that match, with labels,
/// deleted messages, other people's team chats and pages all as before.
#[test]
fn an_agent_without_live_chats_gets_exactly_their_newest_matches() {
    let (s, admin, _sam, _sally, _conv) = desk();
    // 2,800: more than 64 times the messages Nina can see (the walk's condition).
    four_customers_say(&s, 700, |i| format!("parcel number {i}"));
    let nina = s.agent(&admin, "nina@example.com", "Nina", false);
    let tom = s.agent(&admin, "tom@example.com", "Tom", false);
    let open = |c: &Client, with: i64, body: &str| -> i64 {
        c.post_json("/api/conversations", &json!({"user_ids": [with], "body": body})).json()["conversation"]["id"].as_i64().unwrap()
    };
    let ours = open(&admin, nina.id(), "parcel plan");
    let hers = open(&nina, admin.id(), "another parcel");
    let theirs = open(&admin, tom.id(), "parcel for Tom only");
    let mut mine: Vec<i64> = Vec::new();
    for i in 0..30 {
        let conv = if i % 2 == 0 { ours } else { hers };
        let m = admin.reply(conv, &format!("{} {i}", if i % 3 == 0 { "nothing here" } else { "team parcel" }));
        if i % 3 != 0 {
            mine.push(m["id"].as_i64().unwrap());
        }
        admin.reply(theirs, &format!("parcel {i} not for Nina"));
    }
    let gone = admin.reply(ours, "a parcel deleted later")["id"].as_i64().unwrap();
    assert_eq!(admin.request("DELETE", &format!("/api/messages/{gone}"), None).status, 200);
    let ids = |c: &Client, q: &str| -> (Vec<i64>, Value) {
        let resp = c.get(&format!("/api/search?q={q}"));
        assert_eq!(resp.status, 200, "{q}: {}", resp.text());
        let r: Value = resp.json();
        (r["results"].as_array().unwrap().iter().map(|h| h["message_id"].as_i64().unwrap()).collect(), r)
    };
    mine.sort_unstable_by(|a, b| b.cmp(a));
    for q in ["parcel", "parc", "PARCEL"] {
        let (got, r) = ids(&nina, &format!("{q}&limit=8"));
        assert_eq!(r["order"], "newest", "{q}: over 2,000 matches in the desk");
        assert_eq!(got, mine[..8], "{q}: the 8 newest of Nina's matches");
        assert!(r["results"][0]["snippet"].as_str().unwrap().contains("\u{2}parcel\u{3}"), "{r}");
    }
    let (page2, _) = ids(&nina, "parcel&limit=8&offset=8");
    assert_eq!(page2, mine[8..16]);
    // The two started messages match as well ("parcel plan", "another parcel"), after the replies.
    let (all, _) = ids(&nina, "parcel&limit=50");
    assert_eq!(all.len(), mine.len() + 2, "{all:?}");
    // A label narrows it to the conversations that carry it.
    let r = admin.post_json("/api/labels", &json!({"name": "ship", "color": "#2266aa"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let label = r.json()["label"]["id"].as_i64().unwrap();
    let put = admin.request("PUT", &format!("/api/conversations/{hers}/labels"), Some(&json!({"labels": [label]})));
    assert_eq!(put.status, 200, "{}", put.text());
    let (labelled, r) = ids(&nina, "parcel+label%3Aship&limit=50");
    let convs: std::collections::BTreeSet<i64> =
        r["results"].as_array().unwrap().iter().map(|h| h["conversation_id"].as_i64().unwrap()).collect();
    assert_eq!(convs, [hers].into(), "only the labelled conversation: {r}");
    assert_eq!(labelled.len(), mine.len() / 2 + 1, "her conversation's matching replies and its first message");
    assert!(labelled.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[test]
fn search_ranks_selective_queries_and_lists_very_common_words_newest_first() {
    let (s, admin, _sam, _sally, _conv) = desk();
    four_customers_say(
        &s,
        520,
        |i| if i == 519 { "common word and a latest marker".to_string() } else { format!("common word number {i}") },
    );
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

/// The last word is a prefix: it finds every word it begins (any case, accents folded), ranked or
/// newest first. `db::search_prefix` names those words to FTS5 instead of asking it for the prefix;
/// the matches must be the same, and a newest-first page the newest matching messages, unranked.
#[test]
fn a_prefix_finds_every_word_it_begins_ranked_or_newest_first() {
    let (s, admin, _sam, sally, _conv) = desk();
    for body in ["deliver it", "the Delivery", "delivered today", "Délivrance", "a delirious day", "deli sandwich"] {
        sally.say(body);
    }
    let search = |q: &str| -> Value { admin.get(&format!("/api/search?q={q}&limit=50")).json() };
    let bodies = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> =
            r["results"].as_array().unwrap().iter().map(|h| h["snippet"].as_str().unwrap().replace(['\u{2}', '\u{3}'], "")).collect();
        v.sort();
        v
    };
    let all = ["Délivrance", "deliver it", "delivered today", "the Delivery"];
    for q in ["deliv", "DELIV", "Deliv"] {
        let r = search(q);
        assert_eq!(r["order"], "relevance");
        assert_eq!(bodies(&r), all, "{q}");
    }
    assert_eq!(bodies(&search("d%C3%A9livr")), ["Délivrance"], "a non-ASCII prefix");
    assert_eq!(bodies(&search("the+deliv")), ["the Delivery"], "words before the prefix");
    assert_eq!(bodies(&search("delivery")), ["the Delivery"]);
    assert_eq!(bodies(&search("delivere")), ["delivered today"]);

    // Over 2,000 matches: newest first, and the page is exactly the newest matching messages.
    let words = ["deliver", "delivery", "delivered", "delivrance", "deli"];
    let writers: Vec<Customer> = (0..4).map(|i| s.customer(Some(&format!("W{i}")))).collect();
    let handles: Vec<_> = writers
        .into_iter()
        .enumerate()
        .map(|(t, c)| {
            std::thread::spawn(move || {
                (0..650)
                    .map(|i| {
                        let w = words[(i + t) % words.len()];
                        (c.say(&format!("{w} number {i}"))["id"].as_i64().unwrap(), w != "deli")
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut matching: Vec<i64> = handles.into_iter().flat_map(|h| h.join().unwrap()).filter(|m| m.1).map(|m| m.0).collect();
    matching.sort_unstable_by(|a, b| b.cmp(a));
    let r = search("deliv");
    assert_eq!(r["order"], "newest", "over 2,000 matches");
    let ids: Vec<i64> = r["results"].as_array().unwrap().iter().map(|h| h["message_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, matching[..50], "the 50 newest matching messages, newest first");
    let page2: Vec<i64> = admin.get("/api/search?q=deliv&limit=50&offset=50").json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(page2, matching[50..100]);
    let found = bodies(&r).iter().map(|b| b.split(' ').next().unwrap().to_string()).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(found.len(), 4, "every word the prefix begins: {found:?}");
    assert!(r["results"].as_array().unwrap().iter().all(|h| h["rank"] == 0.0), "newest first is not ranked: {r}");
}
