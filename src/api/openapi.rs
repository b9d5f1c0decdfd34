//! `GET /api/openapi.json`: the OpenAPI 3.1 document of every `/api` route. It is kept as JSON files,
//! one per area, in `docs/openapi/` (embedded in the binary): `_base.json` holds the info, the security
//! schemes and the shared schemas and error responses; each other file adds its `paths` (and any
//! `components`). They are merged here, so a new area is a new file, never an edit of someone else's.
//! tests/openapi.rs checks the merged document against `api::ROUTES`.

use rust_embed::RustEmbed;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::http::Response;

#[derive(RustEmbed)]
#[folder = "docs/openapi/"]
struct Parts;

/// The merged document. A path and method, or a component name, defined by two files is an error
/// (tests/openapi.rs fails on it before any release does).
pub fn document() -> Result<Value> {
    let read = |name: &str| -> Result<Value> {
        let f = Parts::get(name).ok_or_else(|| Error::internal(format!("docs/openapi/{name} missing")))?;
        serde_json::from_slice(&f.data).map_err(|e| Error::internal(format!("docs/openapi/{name}: {e}")))
    };
    let mut doc = read("_base.json")?;
    let mut names: Vec<String> = Parts::iter().map(|n| n.to_string()).filter(|n| n.ends_with(".json") && n != "_base.json").collect();
    names.sort();
    for name in names {
        let part = read(&name)?;
        for (path, ops) in part.get("paths").and_then(Value::as_object).into_iter().flatten() {
            let into = entry(&mut doc, &["paths", path]);
            for (method, op) in ops.as_object().into_iter().flatten() {
                if into.insert(method.clone(), op.clone()).is_some() {
                    return Err(Error::internal(format!("docs/openapi/{name}: {method} {path} is documented twice")));
                }
            }
        }
        for (kind, items) in part.get("components").and_then(Value::as_object).into_iter().flatten() {
            let into = entry(&mut doc, &["components", kind]);
            for (key, v) in items.as_object().into_iter().flatten() {
                if into.insert(key.clone(), v.clone()).is_some() {
                    return Err(Error::internal(format!("docs/openapi/{name}: components.{kind}.{key} is defined twice")));
                }
            }
        }
    }
    Ok(doc)
}

/// The object at `keys` in `doc`, made where missing (or where something else was).
fn entry<'a>(doc: &'a mut Value, keys: &[&str]) -> &'a mut Map<String, Value> {
    let mut v = doc;
    for k in keys {
        if !v.is_object() {
            *v = Value::Object(Map::new());
        }
        // An object: indexing inserts the key (as null) when it is missing.
        v = &mut v[*k];
    }
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        // Made an object just above.
        _ => unreachable!(),
    }
}

/// `GET /api/openapi.json` (public: it describes the API, not the data).
pub fn serve() -> Result<Response> {
    Ok(Response::ok_json(&document()?))
}
