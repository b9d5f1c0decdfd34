//! The world the authorization matrix runs in: one server's people, visitors, conversations, items,
//! invites and password reset links, each kind of caller, and how each caller sends a request (as
//! its real client does).

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::common::{Client, Customer, Resp, Server, Ws, rand_id, raw_request};

/// Text only some callers may ever read; `may_read` says who.
pub const SECRET_A: &str = "secret-of-visitor-a";
pub const SECRET_B: &str = "secret-of-visitor-b";
pub const SECRET_TEAM: &str = "secret-of-the-admin-and-support-team";
/// In the support agent's personal saved reply: theirs alone (admins read it only in a backup).
pub const SECRET_SUPPORT: &str = "secret-of-the-support-agent";
pub const ADMIN_LOGIN: (&str, &str) = ("ada@example.com", "correct horse battery");
pub const AGENT_PASSWORD: &str = "agent password 1";

/// Every kind of caller, in the matrix's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    SignedOut,
    /// A widget visitor, and another one (a different customer).
    VisitorA,
    VisitorB,
    /// An agent without customer support.
    Agent,
    /// A customer-support agent.
    Support,
    Admin,
    /// The session of an admin who was deactivated after signing in.
    Deactivated,
    /// An admin's session older than 30 days (on its own server, whose clock moved on).
    Expired,
}

pub const CALLERS: [Caller; 8] = [
    Caller::SignedOut,
    Caller::VisitorA,
    Caller::VisitorB,
    Caller::Agent,
    Caller::Support,
    Caller::Admin,
    Caller::Deactivated,
    Caller::Expired,
];

impl Caller {
    pub fn name(self) -> &'static str {
        match self {
            Caller::SignedOut => "signed out",
            Caller::VisitorA => "visitor A",
            Caller::VisitorB => "visitor B",
            Caller::Agent => "agent",
            Caller::Support => "support agent",
            Caller::Admin => "admin",
            Caller::Deactivated => "deactivated",
            Caller::Expired => "expired session",
        }
    }

    /// May this caller ever read `secret`?
    pub fn may_read(self, secret: &str) -> bool {
        match self {
            // Admins too for the support agent's own reply: the backup holds the whole database (the
            // API never gives it to them: tests/replies.rs).
            Caller::Support | Caller::Admin => true,
            Caller::VisitorA => secret == SECRET_A,
            Caller::VisitorB => secret == SECRET_B,
            _ => false,
        }
    }

    /// Panics if `text` (something this caller received) holds a secret it may not read.
    pub fn check_reads(self, what: &str, text: &str) {
        for s in [SECRET_A, SECRET_B, SECRET_TEAM, SECRET_SUPPORT] {
            assert!(self.may_read(s) || !text.contains(s), "{} received {s:?} from {what}: {text}", self.name());
        }
    }
}

/// How a caller talks to the server.
#[derive(Clone)]
pub enum Who {
    /// A browser page: its session cookie and CSRF token (if any), and how to sign in again.
    Browser { cookie: Option<String>, csrf: Option<String>, login: Option<(String, String)> },
    /// The widget: `Authorization: Bearer` on HTTP, `?token=` on its socket.
    Visitor { token: String },
}

impl Who {
    fn of(c: &Client, login: Option<(&str, &str)>) -> Who {
        Who::Browser { cookie: c.cookie.clone(), csrf: c.csrf.clone(), login: login.map(|(e, p)| (e.into(), p.into())) }
    }
}

pub struct World {
    pub addr: SocketAddr,
    pub origin: String,
    pub admin: Client,
    pub agent: Client,
    pub support: Client,
    pub a: Customer,
    pub b: Customer,
    pub agent_id: i64,
    pub support_id: i64,
    pub live_a: i64,
    pub live_b: i64,
    /// Team conversations: admin + support (the agent is not in it), and agent + support (the admin is not).
    pub team_private: i64,
    pub team_agent: i64,
    /// The support agent's reply in live chat A, and the first message of `team_agent`.
    pub support_msg: i64,
    pub team_agent_msg: i64,
    /// A ticket for customer A; a task linked to `team_agent`; a plain task.
    pub item_customer: i64,
    pub item_team: i64,
    pub item_plain: i64,
    /// An open invite's token, and another invite's id.
    pub invite_token: String,
    pub invite_id: i64,
    /// A user for admins to edit.
    pub target_user: i64,
    /// An open password reset link's token (for `target_user`).
    pub reset_token: String,
    /// A shared saved reply, and the support agent's personal one (holding `SECRET_SUPPORT`).
    pub shared_reply: i64,
    pub support_reply: i64,
    /// Files (issue 17): visitor A's in live chat A (it holds `SECRET_A`), the support agent's in a
    /// note there, the agent's in the agent+support team chat, and visitor B's never sent.
    pub file_a: String,
    pub file_note: String,
    pub file_team: String,
    pub file_b_unsent: String,
    /// An unsent upload of each frame caller (visitor A, agent, support, admin), for `send` frames.
    pub own_uploads: Vec<(Caller, String)>,
    callers: Vec<(Caller, Who)>,
}

fn id(r: &Resp, status: u16, at: &[&str]) -> i64 {
    assert_eq!(r.status, status, "world setup: {}", r.text());
    let mut v = r.json();
    for k in at {
        v = v[k].clone();
    }
    v.as_i64().unwrap_or_else(|| panic!("no id at {at:?}: {}", r.text()))
}

impl World {
    /// Build the world on `s`, whose first admin `admin` is; its callers are every kind but `Expired`.
    pub fn build(s: &Server, admin: Client) -> World {
        let agent = s.agent(&admin, "agent@example.com", "Andy Agent", false);
        let support = s.agent(&admin, "support@example.com", "Sam Support", true);
        let (agent_id, support_id) = (agent.id(), support.id());
        let r = admin.post_json(
            "/api/users",
            &json!({"email": "gail@example.com", "name": "Gail Gone", "password": AGENT_PASSWORD, "role": "admin"}),
        );
        let gone_id = id(&r, 201, &["user", "id"]);
        let gone = s.login("gail@example.com", AGENT_PASSWORD);
        assert_eq!(admin.post_json(&format!("/api/users/{gone_id}/deactivate"), &json!({})).status, 200);

        let (a, b) = (s.customer(Some("Alice")), s.customer(Some("Bob")));
        let live_a = a.say(SECRET_A)["conversation_id"].as_i64().unwrap();
        let live_b = b.say(SECRET_B)["conversation_id"].as_i64().unwrap();
        let support_msg = support.reply(live_a, "We are looking into it.")["id"].as_i64().unwrap();
        let r = admin.post_json("/api/conversations", &json!({"user_ids": [support_id], "body": SECRET_TEAM}));
        let team_private = id(&r, 201, &["conversation", "id"]);
        let r = agent.post_json("/api/conversations", &json!({"user_ids": [support_id], "body": "Agent and support only."}));
        let (team_agent, team_agent_msg) = (id(&r, 201, &["conversation", "id"]), id(&r, 201, &["message", "id"]));

        let r = support.post_json("/api/items", &json!({"kind": "ticket", "title": "Refund for Alice", "requester_id": a.id}));
        let item_customer = id(&r, 201, &["item", "id"]);
        let r = agent.post_json(&format!("/api/conversations/{team_agent}/items"), &json!({"kind": "task", "title": "Team task"}));
        let item_team = id(&r, 201, &["item", "id"]);
        let item_plain = id(&agent.post_json("/api/items", &json!({"kind": "task", "title": "Plain task"})), 201, &["item", "id"]);

        // Retention on (far in the past) so that running it is a real answer, not a 422.
        assert_eq!(admin.patch_json("/api/settings", &json!({"retention_days": 3650})).status, 200);
        let r = admin.post_json("/api/invites", &json!({"email": "ivy@example.com"}));
        assert_eq!(r.status, 201, "{}", r.text());
        let invite_token = r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let invite_id = id(&admin.post_json("/api/invites", &json!({"email": "rex@example.com"})), 201, &["invite", "id"]);
        let r = admin.post_json("/api/users", &json!({"email": "tess@example.com", "name": "Tess", "password": AGENT_PASSWORD}));
        let target_user = id(&r, 201, &["user", "id"]);
        let r = admin.post_json(&format!("/api/users/{target_user}/password-reset"), &json!({}));
        assert_eq!(r.status, 201, "{}", r.text());
        let reset_token = r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
        let r = admin.post_json("/api/replies", &json!({"scope": "shared", "title": "Hello", "shortcut": "hello", "body": "Hello!"}));
        let shared_reply = id(&r, 201, &["reply", "id"]);
        let r =
            support.post_json("/api/replies", &json!({"scope": "personal", "title": "Mine", "shortcut": "mine", "body": SECRET_SUPPORT}));
        let support_reply = id(&r, 201, &["reply", "id"]);

        let key = |v: Value| v["id"].as_str().unwrap().to_string();
        let file_a = key(a.upload("receipt.txt", format!("{SECRET_A}\n").as_bytes()));
        let r = a.request("POST", "/api/widget/messages", Some(&json!({"body": "", "client_msg_id": rand_id(), "attachments": [file_a]})));
        assert_eq!(r.status, 201, "{}", r.text());
        let file_note = key(support.upload("note.txt", b"for the desk\n"));
        let r = support
            .post_json(&format!("/api/conversations/{live_a}/messages"), &json!({"body": "see", "note": true, "attachments": [file_note]}));
        assert_eq!(r.status, 201, "{}", r.text());
        let file_team = key(agent.upload("plan.txt", b"agent and support\n"));
        let r = agent.post_json(&format!("/api/conversations/{team_agent}/messages"), &json!({"body": "plan", "attachments": [file_team]}));
        assert_eq!(r.status, 201, "{}", r.text());
        let file_b_unsent = key(b.upload("draft.txt", b"not sent\n"));
        let own_uploads = vec![
            (Caller::VisitorA, key(a.upload("mine.txt", b"a\n"))),
            (Caller::Agent, key(agent.upload("mine.txt", b"b\n"))),
            (Caller::Support, key(support.upload("mine.txt", b"c\n"))),
            (Caller::Admin, key(admin.upload("mine.txt", b"d\n"))),
        ];

        let callers = vec![
            (Caller::SignedOut, Who::Browser { cookie: None, csrf: None, login: None }),
            (Caller::VisitorA, Who::Visitor { token: a.token.clone() }),
            (Caller::VisitorB, Who::Visitor { token: b.token.clone() }),
            (Caller::Agent, Who::of(&agent, Some(("agent@example.com", AGENT_PASSWORD)))),
            (Caller::Support, Who::of(&support, Some(("support@example.com", AGENT_PASSWORD)))),
            (Caller::Admin, Who::of(&admin, Some(ADMIN_LOGIN))),
            (Caller::Deactivated, Who::of(&gone, None)),
        ];
        World {
            addr: s.addr,
            origin: s.origin(),
            admin,
            agent,
            support,
            a,
            b,
            agent_id,
            support_id,
            live_a,
            live_b,
            team_private,
            team_agent,
            support_msg,
            team_agent_msg,
            item_customer,
            item_team,
            item_plain,
            invite_token,
            invite_id,
            target_user,
            reset_token,
            shared_reply,
            support_reply,
            file_a,
            file_note,
            file_team,
            file_b_unsent,
            own_uploads,
            callers,
        }
    }

    /// This world's callers become only `stale`, signed in before its server's clock moved 31 days on.
    pub fn only_expired(&mut self, stale: &Client) {
        self.callers = vec![(Caller::Expired, Who::of(stale, None))];
    }

    pub fn has(&self, caller: Caller) -> bool {
        self.callers.iter().any(|(c, _)| *c == caller)
    }

    /// How `caller` sends; with `fresh`, a browser that can sign in does so again first (for requests
    /// that end the session).
    pub fn who(&self, caller: Caller, fresh: bool) -> Who {
        let who = self.callers.iter().find(|(c, _)| *c == caller).map(|(_, w)| w.clone()).expect("a caller of this world");
        match &who {
            Who::Browser { login: Some((email, password)), .. } if fresh => {
                let mut c = Client { addr: self.addr, origin: self.origin.clone(), cookie: None, csrf: None };
                let r = c.post_json("/api/login", &json!({"email": email, "password": password}));
                assert_eq!(r.status, 200, "sign in again: {}", r.text());
                c.take_cookie(&r);
                c.load_csrf();
                Who::of(&c, None)
            }
            _ => who,
        }
    }

    /// One request as `who`'s client sends it. Pages with a session send its CSRF token on changes
    /// (assets/app/api.js); the sign-in, setup and invite forms (`form`), and pages without a
    /// session, send `X-Frontdesk-Request` instead (assets/shared/auth.js); the widget sends its
    /// token as a Bearer (assets/widget/chat.js).
    pub fn send(&self, who: &Who, method: &str, path: &str, body: Option<&Value>, form: bool) -> Resp {
        let mut headers = vec![("Origin".to_string(), self.origin.clone())];
        match who {
            Who::Browser { cookie, csrf, .. } => {
                if let Some(c) = cookie {
                    headers.push(("Cookie".into(), c.clone()));
                }
                match csrf {
                    _ if method == "GET" => {}
                    Some(t) if !form => headers.push(("X-CSRF-Token".into(), t.clone())),
                    _ => headers.push(("X-Frontdesk-Request".into(), "1".into())),
                }
            }
            Who::Visitor { token } => headers.push(("Authorization".into(), format!("Bearer {token}"))),
        }
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        raw_request(self.addr, method, path, &headers, body.map(|b| b.to_string()).unwrap_or_default().as_bytes())
    }

    /// Open `endpoint` as `who`: its status (101 when admitted) and the socket.
    pub fn open_socket(&self, who: &Who, endpoint: &str) -> (u16, Option<Ws>) {
        let mut headers = vec![("Origin".to_string(), self.origin.clone())];
        let path = match who {
            Who::Browser { cookie, .. } => {
                if let Some(c) = cookie {
                    headers.push(("Cookie".into(), c.clone()));
                }
                endpoint.to_string()
            }
            Who::Visitor { token } => format!("{endpoint}?token={token}"),
        };
        match Ws::connect(self.addr, &path, &headers) {
            Ok(ws) => (101, Some(ws)),
            Err(tungstenite::Error::Http(r)) => (r.status().as_u16(), None),
            Err(e) => panic!("{endpoint}: {e}"),
        }
    }

    /// A new visitor with a live chat of one message; the conversation's id.
    pub fn fresh_live_chat(&self) -> i64 {
        let r = raw_request(
            self.addr,
            "POST",
            "/api/widget/visitors",
            &[("Origin".into(), self.origin.clone()), ("Content-Type".into(), "application/json".into())],
            b"{}",
        );
        assert_eq!(r.status, 201, "{}", r.text());
        let v = r.json();
        let c = Customer {
            addr: self.addr,
            origin: self.origin.clone(),
            token: v["token"].as_str().unwrap().into(),
            id: v["customer"]["id"].as_i64().unwrap(),
        };
        c.say("Is anyone there?")["conversation_id"].as_i64().unwrap()
    }

    /// A new live chat linked to the plain task.
    pub fn fresh_linked_live_chat(&self) -> i64 {
        let conv = self.fresh_live_chat();
        let r = self.support.post_json(&format!("/api/conversations/{conv}/link"), &json!({"item_id": self.item_plain}));
        assert_eq!(r.status, 200, "{}", r.text());
        conv
    }

    /// A new reply of the support agent in live chat A.
    pub fn fresh_support_message(&self) -> i64 {
        self.support.reply(self.live_a, "A line to delete.")["id"].as_i64().unwrap()
    }

    pub fn fresh_user(&self) -> i64 {
        let email = format!("temp-{}@example.com", rand_id());
        let r = self.admin.post_json("/api/users", &json!({"email": email, "name": "Temp", "password": AGENT_PASSWORD}));
        id(&r, 201, &["user", "id"])
    }

    /// A new user's password reset link's token.
    pub fn fresh_reset(&self) -> String {
        let r = self.admin.post_json(&format!("/api/users/{}/password-reset", self.fresh_user()), &json!({}));
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
    }

    /// A new label (a name of its own each time).
    pub fn fresh_label(&self) -> i64 {
        let r = self.admin.post_json("/api/labels", &json!({"name": format!("label {}", rand_id()), "color": "#2f6fec"}));
        id(&r, 201, &["label", "id"])
    }

    /// A new shared saved reply, made by the admin.
    pub fn fresh_shared_reply(&self) -> i64 {
        let body = json!({"scope": "shared", "title": "Temp", "shortcut": format!("t-{}", rand_id()), "body": "Temp"});
        id(&self.admin.post_json("/api/replies", &body), 201, &["reply", "id"])
    }

    /// A new personal saved reply of the support agent.
    pub fn fresh_support_reply(&self) -> i64 {
        let body = json!({"scope": "personal", "title": "Temp", "shortcut": format!("t-{}", rand_id()), "body": "Temp"});
        id(&self.support.post_json("/api/replies", &body), 201, &["reply", "id"])
    }

    /// A new personal API token of the support agent: its id.
    pub fn fresh_support_token(&self) -> i64 {
        id(&self.support.post_json("/api/tokens", &json!({"name": "Temp", "scope": "read"})), 201, &["id"])
    }

    /// A new invite's token.
    pub fn fresh_invite(&self) -> String {
        let r = self.admin.post_json("/api/invites", &json!({"email": format!("invitee-{}@example.com", rand_id())}));
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string()
    }
}
