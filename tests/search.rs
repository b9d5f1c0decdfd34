//! Search ([S11]): words and prefixes, only where the searcher may look, user input treated as text
//! (never FTS5 syntax or SQL), ranking for selective queries and newest first for very common words.

mod common;

use common::desk::desk;
use common::*;
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
