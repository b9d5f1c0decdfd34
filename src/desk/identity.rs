//! Who a visitor is: what the widget may say about them (name, email) and what only the host
//! site's server can vouch for (`identify` with `user_hash`, HMAC of the user id with the identity
//! secret): an anonymous visitor becomes the verified user and keeps their conversation; a user known
//! from another device gets a token of their own; a verified customer changes only through a
//! verified identify. Agents are told when a customer's name or email changes.

use serde_json::json;

use super::widget::{VISITORS_PER_ADDRESS, exempt, limit};
use crate::auth;
use crate::db::customers::{Context, Customer};
use crate::db::{self, WriteCtx};
use crate::error::{Error, Result};
use crate::ratelimit::RateLimiter;

/// Does `user_hash` prove that the host site's server (which knows the secret) vouches for `user_id`?
/// Compared in constant time by `verify_slice`.
pub fn hash_matches(secret: &str, user_id: &str, user_hash: &str) -> bool {
    use hmac::{Hmac, KeyInit, Mac};
    let h = user_hash.trim();
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let bytes: Vec<u8> = (0..32).map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap_or(0)).collect();
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(user_id.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// Set name and email of an unverified visitor (never of a verified one).
pub fn unverified(w: &mut WriteCtx<'_>, cid: i64, name: Option<&str>, email: Option<&str>) -> Result<Customer> {
    let cu = db::customers::get(w.conn, cid)?.ok_or_else(|| Error::new(401, "Unknown visitor token."))?;
    if cu.verified {
        return Err(Error::forbidden("This visitor is verified by the website: an identify without user_hash cannot change them."));
    }
    db::customers::set_identity(w.conn, cid, name, email)?;
    announce(w, cid)?;
    db::customers::get(w.conn, cid)?.ok_or_else(|| Error::internal("customer vanished"))
}

/// A visitor the host site vouched for.
pub struct Verified<'a> {
    /// The visitor this device already is, if it sent a token.
    pub current: Option<i64>,
    pub user_id: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub user_agent: &'a str,
    pub ip: &'a str,
}

/// Make this device the verified user `v.user_id`; returns the customer and, when the device must
/// switch to another customer (or a new one), that customer's new token (shown once).
pub fn verified(w: &mut WriteCtx<'_>, rl: &RateLimiter, v: Verified<'_>) -> Result<(Customer, Option<String>)> {
    let known = db::customers::id_by_external(w.conn, v.user_id)?;
    let here = match v.current {
        Some(c) => db::customers::get(w.conn, c)?,
        None => None,
    };
    let mut token = None;
    let id = match (known, here) {
        (Some(k), Some(h)) if k == h.id => k,
        // An anonymous visitor becomes the verified user and keeps their conversation.
        (None, Some(h)) if !h.verified => {
            db::customers::set_verified(w.conn, h.id, v.user_id)?;
            h.id
        }
        // Known from another device, or this device was someone else: a token of their own.
        (Some(k), _) => {
            if !exempt(v.ip) {
                limit(rl, v.ip, "v", VISITORS_PER_ADDRESS, "new chats from your network")?;
            }
            let t = auth::random_token();
            db::customers::add_token(w.conn, k, &auth::sha256(&t))?;
            token = Some(t);
            k
        }
        (None, _) => {
            if !exempt(v.ip) {
                limit(rl, v.ip, "v", VISITORS_PER_ADDRESS, "new chats from your network")?;
            }
            let t = auth::random_token();
            let name = v.name.map(str::to_string).unwrap_or_else(db::customers::friendly_name);
            let new = db::customers::NewCustomer {
                token_hash: &auth::sha256(&t),
                name: &name,
                name_given: v.name.is_some(),
                email: v.email,
                ctx: &Context::default(),
                user_agent: v.user_agent,
                ip: v.ip,
            };
            let id = db::customers::insert(w.conn, &new)?;
            db::customers::set_verified(w.conn, id, v.user_id)?;
            token = Some(t);
            id
        }
    };
    if v.name.is_some() || v.email.is_some() {
        db::customers::set_identity(w.conn, id, v.name, v.email)?;
        announce(w, id)?;
    }
    let cu = db::customers::get(w.conn, id)?.ok_or_else(|| Error::internal("customer vanished"))?;
    Ok((cu, token))
}

/// Tell agents a customer's name or email changed (their conversation's title and search text).
pub fn announce(w: &mut db::WriteCtx<'_>, cid: i64) -> Result<()> {
    if let Some(c) = db::conversations::latest_for_customer(w.conn, cid)? {
        db::conversations::reindex(w.conn, c.id)?;
        let c = db::conversations::get(w.conn, c.id)?.ok_or_else(|| Error::internal("conversation vanished"))?;
        w.emit(
            "conversation.updated",
            Some(c.id),
            c.agent_audience(),
            json!({"conversation": super::conversations::summary(&c), "change": "customer"}),
        )?;
    }
    Ok(())
}
