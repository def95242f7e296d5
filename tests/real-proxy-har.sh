#!/usr/bin/env bash
# A HAR from a real proxy: mitmproxy (PyPI) runs as a reverse proxy on 127.0.0.1 in front
# of the in-memory Cloud Controller; the generated client's end-to-end run drives traffic
# through it, plus one request that asks the fake for a deliberately broken answer (the
# `X-In-Memory-Cc-Break-Contract` header); `mitmdump`'s HAR export (`hardump`) is then
# checked by `capi-contract validate`. It passes when every exchange conforms except
# the broken one, which must be the only failure.
#
# Usage: tests/real-proxy-har.sh [MITMDUMP]
#   MITMDUMP  the mitmdump command (default: mitmdump on PATH)
set -euo pipefail
cd "$(dirname "$0")/.."
# Where `cargo build` puts the binaries (CARGO_TARGET_DIR when set).
bin="${CARGO_TARGET_DIR:-target}/debug"
mitmdump=${1:-mitmdump}
work=$(mktemp -d)
server=""
proxy=""
cleanup() {
  [ -n "$proxy" ] && kill "$proxy" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "real-proxy HAR: FAILED: $*" >&2
  exit 1
}

# Waits until a line appears in a file (a server announcing itself), at most 60 s.
wait_for() {
  local file=$1 pattern=$2
  for _ in $(seq 600); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$file" >&2
  fail "timed out waiting for $pattern in $file"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cargo build --quiet --package in-memory-cc --package capi-contract
proxy_port=$(free_port)
public="http://127.0.0.1:$proxy_port"
"$bin"/in-memory-cc --listen 127.0.0.1:0 --external-url "$public" > "$work/cc.log" 2>&1 &
server=$!
wait_for "$work/cc.log" '^http://'
upstream=$(head -n 1 "$work/cc.log")

"$mitmdump" --mode "reverse:$upstream" --listen-host 127.0.0.1 --listen-port "$proxy_port" \
  --set confdir="$work/mitmproxy" --set hardump="$work/capture.har" > "$work/proxy.log" 2>&1 &
proxy=$!
wait_for "$work/proxy.log" 'listening at'
echo "mitmdump on $public, in front of the in-memory Cloud Controller on $upstream"

# Traffic: the generated client calls every operation, through the proxy.
CAPI_E2E_BASE_URL="$public" cargo test --quiet --package tests --test end_to_end -- \
  --exact the_client_calls_every_operation_and_every_answer_conforms

# One answer broken on purpose, through the proxy.
curl --silent --show-error --fail --output /dev/null \
  --header 'Authorization: bearer a-token' --header 'X-In-Memory-Cc-Break-Contract: true' \
  "$public/v3/apps?per_page=2"

# mitmdump writes the HAR when it stops.
kill -INT "$proxy"
wait "$proxy" || true
proxy=""
[ -s "$work/capture.har" ] || fail "mitmdump wrote no HAR"

set +e
"$bin"/capi-contract validate --format json "$work/capture.har" > "$work/report.json"
code=$?
set -e
python3 - "$work/report.json" "$code" <<'PY' || fail "see above"
import json, sys
report = json.load(open(sys.argv[1]))
code = int(sys.argv[2])
outcomes = report["outcomes"]
failed = [o for o in outcomes if o["verdict"] != "valid"]
print(f"mitmdump's HAR: {len(outcomes)} exchanges, {len(failed)} not valid, exit {code}")
for o in failed:
    print("  " + o["input"])
    for v in o["violations"]:
        print(f"    {v['part']} {v['pointer']}: expected {v['expected']}, found {v['found']}")
ok = (
    len(outcomes) >= 20
    and code == 1
    and len(failed) == 1
    and failed[0]["verdict"] == "invalid"
    and "/v3/apps?per_page=2" in failed[0]["input"]
    and any(v["pointer"] == "/pagination" for v in failed[0]["violations"])
    and not report.get("notes")
)
sys.exit(0 if ok else 1)
PY
echo "real-proxy HAR: passed (every exchange conforms but the broken one)"
