//! The comma rule of list query parameters, on both sides of the generated code: how the
//! server stub reads `names=…` and how the client writes it, one case per fixture row
//! (`tests/fixtures/query-lists/parse.tsv`, `encode.tsv`).

use cf_capi::params::ListAppsQuery;

fn rows(name: &str) -> Vec<(usize, String, String)> {
    let path = format!("{}/fixtures/query-lists/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<(usize, String, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#'))
        .map(|(n, line)| {
            let (a, b) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{path}:{}: two tab-separated columns", n + 1));
            (n + 1, a.to_string(), b.to_string())
        })
        .collect();
    assert!(rows.len() >= 4, "{path}: the cases");
    rows
}

#[test]
fn the_server_decodes_the_query_then_splits_on_commas() {
    let mut failures = Vec::new();
    for (line, wire, items) in rows("parse.tsv") {
        let expected: Vec<String> = serde_json::from_str(&items).unwrap();
        match ListAppsQuery::parse(&format!("names={wire}")) {
            Ok(query) if query.names.as_ref() == Some(&expected) => {}
            other => failures.push(format!(
                "parse.tsv:{line}: names={wire}: expected {expected:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_client_encodes_a_comma_inside_a_value_twice() {
    let mut failures = Vec::new();
    for (line, items, wire) in rows("encode.tsv") {
        let values: Vec<String> = serde_json::from_str(&items).unwrap();
        let pairs = ListAppsQuery::default().names(values.clone()).pairs();
        if pairs != vec![("names".to_string(), wire.clone())] {
            failures.push(format!(
                "encode.tsv:{line}: {values:?}: expected names={wire}, got {pairs:?}"
            ));
        }
        // What the client writes, the server reads back.
        let read = ListAppsQuery::parse(&format!("names={wire}")).map(|q| q.names);
        if read != Ok(Some(values.clone())) {
            failures.push(format!(
                "encode.tsv:{line}: names={wire} reads back as {read:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
