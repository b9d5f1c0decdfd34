//! The customer panel ([S10]) for customer-support agents and admins: a customer with their
//! conversations, and the record agents keep (`desk::customers`). Others get `404`, as for a
//! customer that does not exist.

use std::sync::Arc;

use serde_json::json;

use crate::app::App;
use crate::auth;
use crate::db;
use crate::desk::customers::{self, RecordForm};
use crate::error::{Error, Result};
use crate::http::{Request, Response};

/// `GET /api/customers/:id`: the customer and their conversations, newest first, each with its
/// `title`: its subject, else the first thing the customer wrote in it.
pub fn get(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    if !a.user.sees_customers() {
        return Err(Error::not_found("No such customer."));
    }
    let out = app.db.read(|c| {
        let cu = db::customers::get(c, id)?.ok_or_else(|| Error::not_found("No such customer."))?;
        let mut past = Vec::new();
        for conv in db::conversations::for_customer(c, id)? {
            let title = match conv.subject.trim() {
                "" => db::customers::first_words(c, conv.id)?.unwrap_or_default(),
                s => s.to_string(),
            };
            let mut v = serde_json::to_value(&conv)?;
            v["title"] = json!(title);
            past.push(v);
        }
        // issue 20: what the customer thought of past chats (newest first).
        let ratings = crate::desk::csat::for_customer(c, id)?;
        Ok(json!({"customer": cu, "conversations": past, "ratings": ratings}))
    })?;
    Ok(Response::ok_json(&out))
}

/// `PATCH /api/customers/:id`: any of `{name, email, phone, note}`.
pub fn update(app: &Arc<App>, req: &Request, id: i64) -> Result<Response> {
    let a = auth::require_for(app, req)?;
    if !a.user.sees_customers() {
        return Err(Error::not_found("No such customer."));
    }
    let f: RecordForm = req.json()?;
    let cu = customers::update(app, a.user.id, req.remote.to_string(), id, f)?;
    Ok(Response::ok_json(&json!({"customer": cu})))
}
