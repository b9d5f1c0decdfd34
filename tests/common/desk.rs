//! The usual cast of a conversation test, shared by the behaviour files (delivery, resume, search, ...).

use super::{Client, Customer, Server};

/// Admin (customer support), a support agent, and a customer who has written once.
pub fn desk() -> (Server, Client, Client, Customer, i64) {
    let s = Server::start();
    let admin = s.admin();
    let sam = s.agent(&admin, "sam@example.com", "Sam Support", true);
    let sally = s.customer(Some("Sally C."));
    let m = sally.say("Hello, my order #1001 is late");
    let conv = m["conversation_id"].as_i64().unwrap();
    (s, admin, sam, sally, conv)
}
