#!/usr/bin/env bash
# The toolkit as a user outside this repository gets it, exactly as README.md says:
#  (a) install the CLI from a copy of the checkout, delete the copy, and validate a
#      payload, a HAR and a cf trace from ../shared/payloads in another directory;
#  (b) a fresh crate that depends on the generated crate (feature `client`) by path and
#      calls the in-memory Cloud Controller;
#  (c) a fresh crate whose build.rs generates code from a spec with the generator library;
#  (d) the examples of the generated crate's README (its crate docs), copied into a fresh
#      crate as a user would, with the `client` and `server` features.
# Builds share this workspace's target/ (CARGO_TARGET_DIR) so nothing compiles twice.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$root/../shared" && pwd)
work=$(mktemp -d)
export CARGO_TARGET_DIR="$root/target"
cc_pid=
cleanup() { [ -n "$cc_pid" ] && kill "$cc_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "out-of-tree: FAILED: $*" >&2; exit 1; }

echo "-- (a) cargo install the CLI from a copy, then delete the copy"
mkdir -p "$work/copy"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar cf -) | tar xf - -C "$work/copy"
cargo install --quiet --locked --debug --path "$work/copy/cli" --root "$work/install"
rm -rf "$work/copy"
cli="$work/install/bin/capi-contract"
mkdir -p "$work/elsewhere" && cd "$work/elsewhere"
"$cli" --version | grep -q "contract: Cloud Controller API 3\." || fail "--version names no contract"
"$cli" check | grep -q "spec/capi.yaml: ok" || fail "the embedded contract does not check"
stats="$shared/payloads/ccng-v3-docs/process_stats.json"
"$cli" validate --operation get_process_stats --status 200 "$stats" > out.txt || fail "a valid stats payload: $(cat out.txt)"
grep -q "1 passed, 0 failed" out.txt || fail "no closing line: $(cat out.txt)"
echo '{"resources":[{"type":"web","index":-1,"state":"ASLEEP"}]}' > bad.json
set +e
"$cli" validate --operation get_process_stats --status 200 bad.json > out.txt
code=$?
set -e
[ "$code" = 1 ] || fail "an invalid payload exits $code, not 1"
grep -q "spec/capi.yaml:[0-9]*:[0-9]*" out.txt || fail "no spec file:line:col in $(cat out.txt)"
# A HAR and a cf CLI trace (as `cf curl -v` writes it) around the same real payload.
python3 - "$stats" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
url = "https://api.example.org/v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82/stats"
entry = {"startedDateTime": "2026-12-01T10:00:00.000Z", "time": 12,
         "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [],
                     "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
                      "headers": [{"name": "Content-Type", "value": "application/json"}], "cookies": [],
                      "content": {"size": len(body), "mimeType": "application/json", "text": body},
                      "redirectURL": "", "headersSize": -1, "bodySize": len(body)},
         "cache": {}, "timings": {"send": 0, "wait": 12, "receive": 0}}
json.dump({"log": {"version": "1.2", "creator": {"name": "user", "version": "1"}, "entries": [entry]}},
          open("capture.har", "w"))
pretty = json.dumps(json.loads(body), indent=2, sort_keys=True)
open("trace.txt", "w").write(
    "REQUEST: [2026-12-01T10:00:00Z]\n"
    "GET /v3/processes/6a901b7c-9417-4dc1-8189-d3234aa0ab82/stats HTTP/1.1\n"
    "Host: api.example.org\nAccept: application/json\nAuthorization: [PRIVATE DATA HIDDEN]\n"
    "Content-Type: application/json\nUser-Agent: cf/8.18.4\n[application/json Content Hidden]\n\n"
    "RESPONSE: [2026-12-01T10:00:00Z]\nHTTP/1.1 200 OK\nContent-Type: application/json\n"
    + pretty + "\n\n")
PY
for capture in capture.har trace.txt; do
  "$cli" validate "$capture" > out.txt 2>&1 || fail "$capture: $(cat out.txt)"
  grep -q "1 passed, 0 failed" out.txt || fail "$capture: $(cat out.txt)"
done

echo "-- (b) a crate that depends on the generated crate and calls the in-memory Cloud Controller"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p in-memory-cc
"$CARGO_TARGET_DIR/debug/in-memory-cc" --listen 127.0.0.1:0 --token s3cr3t > "$work/cc.out" 2> "$work/cc.err" &
cc_pid=$!
for _ in $(seq 100); do [ -s "$work/cc.out" ] && break; sleep 0.1; done
base=$(head -1 "$work/cc.out")
[ -n "$base" ] || fail "the in-memory Cloud Controller did not start: $(cat "$work/cc.err")"
mkdir -p "$work/user-client/src"
cat > "$work/user-client/Cargo.toml" <<EOF
[package]
name = "user-client"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
cf-capi = { path = "$root/generated", features = ["client"] }
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[workspace]
EOF
cat > "$work/user-client/src/main.rs" <<'EOF'
use cf_capi::client::Client;
use cf_capi::params::ListAppsQuery;

#[tokio::main]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL");
    let client = Client::new(&base).with_bearer_token("s3cr3t");
    let apps = client.list_apps(&ListAppsQuery::default()).await.expect("list apps");
    let names: Vec<String> = apps.body.resources.iter().map(|a| a.name.clone()).collect();
    println!("{}", names.join(","));
}
EOF
cp "$root/Cargo.lock" "$work/user-client/"
(cd "$work/user-client" && cargo run --quiet -- "$base") > "$work/apps.txt" || fail "the user's client failed"
[ -s "$work/apps.txt" ] || fail "the user's client listed no apps"
echo "   apps: $(cat "$work/apps.txt")"

echo "-- (c) a crate whose build.rs generates code with the generator library"
mkdir -p "$work/user-build/src"
cp "$shared/specs/keeper.json" "$work/user-build/api.json"
cat > "$work/user-build/Cargo.toml" <<EOF
[package]
name = "user-build"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[build-dependencies]
capi-generator = { path = "$root/generator" }

[workspace]
EOF
cat > "$work/user-build/build.rs" <<'EOF'
fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=api.json");
    let text = std::fs::read_to_string("api.json")?;
    let spec = capi_generator::Spec::from_text("api.json", &text)?;
    let code = capi_generator::codegen::generate_single_file(&spec, "api.json", capi_generator::codegen::Parts::MODELS)?;
    std::fs::write(std::path::Path::new(&std::env::var("OUT_DIR")?).join("api.rs"), code.text)?;
    Ok(())
}
EOF
cat > "$work/user-build/src/main.rs" <<'EOF'
#[allow(dead_code, unused_imports, clippy::all)]
pub mod api {
    include!(concat!(env!("OUT_DIR"), "/api.rs"));
}

fn main() {
    println!("{} operations", api::operations::ALL.len());
}
EOF
cp "$root/Cargo.lock" "$work/user-build/"
# A user's crate declares no features: the included code must build without a warning.
(cd "$work/user-build" && cargo build 2> "$work/build.err") || fail "the user's build.rs crate failed: $(cat "$work/build.err")"
if grep -q "^warning" "$work/build.err"; then fail "the included code warns: $(grep -A8 "^warning" "$work/build.err" | head -40)"; fi
(cd "$work/user-build" && cargo run --quiet) > "$work/ops.txt" || fail "the user's build.rs crate failed"
grep -q "operations" "$work/ops.txt" || fail "no operations: $(cat "$work/ops.txt")"
echo "   $(cat "$work/ops.txt")"

echo "-- (d) the generated crate's README examples, copied into a fresh crate"
mkdir -p "$work/user-examples/src/bin"
cat > "$work/user-examples/Cargo.toml" <<EOF
[package]
name = "user-examples"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
cf-capi = { path = "$root/generated", features = ["client", "server"] }
axum = { version = "0.8", default-features = false, features = ["http1", "tokio"] }
serde_json = "1"
tokio = { version = "1", features = ["rt", "net"] }

[workspace]
EOF
# Each ```rust block as rustdoc runs it: `# ` lines are code too, and a block without
# `fn main` is the body of one.
python3 - "$root/generated/README.md" "$work/user-examples/src/bin" <<'PY'
import pathlib, re, sys
blocks = re.findall(r"^```rust\n(.*?)^```$", open(sys.argv[1]).read(), re.S | re.M)
assert len(blocks) >= 2, f"{len(blocks)} examples in the README"
for n, block in enumerate(blocks):
    lines = [line[2:] if line.startswith("# ") else "" if line == "#" else line
             for line in block.splitlines()]
    code = "\n".join(lines)
    if "fn main" not in code:
        code = "fn main() {\n    (|| {\n" + code + "\n    })().unwrap();\n}\n"
    pathlib.Path(sys.argv[2], f"example{n}.rs").write_text(code)
PY
cp "$root/Cargo.lock" "$work/user-examples/"
for example in "$work"/user-examples/src/bin/*.rs; do
  name=$(basename "$example" .rs)
  (cd "$work/user-examples" && cargo run --quiet --bin "$name") || fail "README example $name failed"
done
echo "   $(ls "$work"/user-examples/src/bin | wc -l) README examples ran"
echo "out-of-tree: 4 passed, 0 failed"
