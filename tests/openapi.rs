//! The OpenAPI document (`GET /api/openapi.json`, issue 19) against the route table: every `/api` route
//! documented with its method and path (`:id` ↔ `{id}`), nothing documented that does not exist, path
//! parameters matching the placeholders, every `$ref` resolving. tests/schemathesis.sh then checks the
//! live server's answers against it (and openapi-spec-validator the document itself).

mod common;

use std::collections::BTreeSet;

use common::{Server, raw_request};
use frontdesk::api::{Auth, ROUTES};
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn openapi_path(pattern: &str) -> String {
    pattern.split('/').map(|s| s.strip_prefix(':').map_or(s.to_string(), |n| format!("{{{n}}}"))).collect::<Vec<_>>().join("/")
}

fn document() -> Value {
    let s = Server::start();
    let r = raw_request(s.addr, "GET", "/api/openapi.json", &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("application/json"));
    r.json()
}

#[test]
fn the_document_names_every_api_route_and_nothing_else() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    let routes: BTreeSet<(String, String)> = ROUTES
        .iter()
        .filter(|r| r.pattern.starts_with("/api/") && r.auth != Auth::Test)
        .map(|r| (r.method.to_lowercase(), openapi_path(r.pattern)))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, _) in ops.as_object().unwrap().iter().filter(|(m, _)| METHODS.contains(&m.as_str())) {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(missing.is_empty(), "routes missing from docs/openapi: {missing:?}");
    assert!(extra.is_empty(), "documented but not routes: {extra:?}");
}

#[test]
fn every_operation_has_its_path_parameters_answers_and_resolving_refs() {
    let doc = document();
    let mut wrong = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let placeholders: BTreeSet<&str> = path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        for (method, op) in ops.as_object().unwrap() {
            let params: BTreeSet<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            if params != placeholders {
                wrong.push(format!("{method} {path}: path parameters {params:?}, placeholders {placeholders:?}"));
            }
            let responses = op["responses"].as_object().map(|r| r.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
            if !responses.iter().any(|s| s.starts_with('2')) {
                wrong.push(format!("{method} {path}: no success answer"));
            }
            if op["operationId"].as_str().is_none_or(str::is_empty) {
                wrong.push(format!("{method} {path}: no operationId"));
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    for r in refs {
        let target = r.strip_prefix("#").and_then(|p| doc.pointer(p));
        if target.is_none() {
            wrong.push(format!("{r} does not resolve"));
        }
    }
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|o| o.as_object().unwrap().values())
        .filter_map(|o| o["operationId"].as_str())
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "operationIds repeat");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.push(r.clone());
            }
            m.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}
