//! The shape of the code, checked (ARCHITECTURE.md, "Rooms"): no cycle between the top-level
//! modules of `src/`, no SQL outside `src/db/`, no source file over 400 lines, and transports that
//! never name the application.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::rust_files;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without its comments (doc comments mention modules freely).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap().lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// `src/api/items.rs` -> `api`; `src/lib.rs` -> `lib`.
fn top_module(path: &Path) -> String {
    let rel = path.strip_prefix(src()).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().to_string();
    first.trim_end_matches(".rs").to_string()
}

/// Which top-level modules each top-level module uses (`crate::x`, also inside `use crate::{x, y}`).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = rust_files(&src()).iter().map(|p| top_module(p)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src()) {
        let from = top_module(&file);
        if from == "lib" || from == "main" || from == "bin" {
            continue; // the crate root and the binaries sit above every module
        }
        let text = code(&file);
        let mut names: Vec<String> = Vec::new();
        for part in text.split("crate::").skip(1) {
            if let Some(group) = part.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or("");
                names.extend(inner.split(',').map(|n| n.trim().split("::").next().unwrap_or("").to_string()));
            } else {
                names.push(part.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
        }
        for n in names {
            if n != from && modules.contains(&n) {
                graph.entry(from.clone()).or_default().insert(n);
            }
        }
    }
    graph
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = module_graph();
    assert!(graph.contains_key("api") && graph["api"].contains("desk"), "the scan sees the modules: {graph:?}");
    // Depth-first search for a back edge.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|p| p == m).unwrap();
                    let mut cycle = path[start..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, g, state, path) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0
            && let Some(cycle) = visit(n, &graph, &mut state, &mut Vec::new())
        {
            panic!("module cycle: {}\nthe graph: {graph:#?}", cycle.join(" -> "));
        }
    }
}

#[test]
fn transports_never_name_the_application() {
    for dir in ["http", "ws"] {
        for file in rust_files(&src().join(dir)) {
            let text = code(&file);
            for name in ["crate::app", "crate::api", "crate::desk", "crate::hub", "crate::db", "crate::auth"] {
                assert!(!text.contains(name), "{} names {name}: a transport is given its handlers", file.display());
            }
        }
    }
}

#[test]
fn all_sql_lives_in_src_db() {
    let statements = [
        "SELECT ",
        "INSERT INTO",
        "INSERT OR",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
        "CREATE INDEX",
        "PRAGMA ",
        "ALTER TABLE",
        "SAVEPOINT",
        "BEGIN IMMEDIATE",
    ];
    let mut found = Vec::new();
    for file in rust_files(&src()) {
        if file.starts_with(src().join("db")) {
            continue;
        }
        for (i, line) in code(&file).lines().enumerate() {
            // Only inside string literals: a statement starts right after a quote.
            for piece in line.split('"').skip(1).step_by(2) {
                if statements.iter().any(|s| piece.trim_start().starts_with(s)) {
                    found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "SQL outside src/db/:\n{}", found.join("\n"));
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<String> = rust_files(&src())
        .into_iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            (n > 400).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by resource: {long:?}");
}
