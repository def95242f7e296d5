#!/usr/bin/env bash
# Acceptance with a real client: the PyPI library cloudfoundry-client (pinned in
# requirements.txt) against the in-memory Cloud Controller, constructed with only a
# fixed token. Every exchange is recorded as a HAR, which `capi-contract validate
# --strict` then checks: the suite fails on any failed step or any contract finding
# but the one it makes on purpose (an invalid label_selector, below).
#
# With --through-proxy the suite talks to `capi-contract proxy` in front of the fake
# instead: it must pass the same way, the proxy's report must have no failure, and the
# proxy's own HAR must pass `validate --strict`.
#
# Usage: tests/real-client/run.sh [--through-proxy] [VENV]   (default venv: target/real-client-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
# Where `cargo build` puts the binaries (CARGO_TARGET_DIR when set).
bin="${CARGO_TARGET_DIR:-target}/debug"
through_proxy=
if [ "${1:-}" = --through-proxy ]; then through_proxy=1; shift; fi
venv=${1:-target/real-client-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/real-client/requirements.txt
cargo build --quiet --package in-memory-cc --package capi-contract
log=$(mktemp)
har=target/real-client.har
token=real-client-token
"$bin"/in-memory-cc --listen 127.0.0.1:0 --token "$token" > "$log" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
  [ -s "$log" ] && break
  sleep 0.1
done
base=$(head -n 1 "$log")
upstream=$base
if [ -n "$through_proxy" ]; then
  proxy_log=$(mktemp)
  proxy_har=target/real-client-proxy.har
  proxy_report=target/real-client-proxy-report.json
  "$bin"/capi-contract proxy --upstream "$upstream" --listen 127.0.0.1:0 --strict \
    --har "$proxy_har" --report "$proxy_report" --format json 2> "$proxy_log" &
  proxy=$!
  trap 'kill $server $proxy 2>/dev/null || true; rm -f "$log" "$proxy_log"' EXIT
  for _ in $(seq 100); do
    [ -s "$proxy_log" ] && break
    sleep 0.1
  done
  # The first line: `capi-contract proxy: http://127.0.0.1:PORT → UPSTREAM …`.
  base=$(head -n 1 "$proxy_log" | sed -n 's/^capi-contract proxy: \(http:[^ ]*\) .*/\1/p')
  [ -n "$base" ] || { cat "$proxy_log" >&2; exit 1; }
  echo "through capi-contract proxy at $base"
fi
# The one finding a run must have: the step that sends an invalid label_selector on
# purpose (the fake answers 400 CF-BadQueryParameter, as a Cloud Controller does, and the
# contract calls the request invalid). Anything else that is not valid fails the run.
expect_one_finding() { # REPORT.json
  python3 - "$1" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
bad = [o for o in report["outcomes"] if o["verdict"] != "valid"]
deliberate = [o for o in bad if "label_selector=%3Dnope" in o["input"]
              and [(v["part"], v["pointer"]) for v in o["violations"]] == [("query", "label_selector")]]
print(f"{report['summary']['passed']} passed; findings: {len(bad)} (the deliberate bad label_selector: {len(deliberate)})")
if len(bad) != 1 or len(deliberate) != 1:
    for o in bad:
        print("unexpected:", o["input"], [v["part"] + " " + v["pointer"] + ": " + v["expected"] for v in o["violations"]])
    sys.exit(1)
PY
}
echo "cloudfoundry-client $("$venv/bin/pip" show cloudfoundry-client | sed -n 's/^Version: //p') against $base"
"$venv/bin/python" tests/real-client/real_client.py "$base" "$token" "$har"
echo "validate --strict $har"
"$bin"/capi-contract validate --strict --format json "$har" > target/real-client-report.json || true
expect_one_finding target/real-client-report.json
kill -0 $server 2>/dev/null || { echo "the in-memory Cloud Controller died" >&2; exit 1; }
if [ -n "$through_proxy" ]; then
  kill -INT $proxy
  status=0
  wait $proxy || status=$?
  cat "$proxy_log"
  # Exit 1: the proxy found the deliberate finding (and, checked next, nothing else).
  [ "$status" -eq 1 ] || { echo "the proxy exited with $status: see $proxy_report" >&2; exit 1; }
  expect_one_finding "$proxy_report"
  echo "validate --strict $proxy_har (the proxy's own HAR)"
  "$bin"/capi-contract validate --strict --format json "$proxy_har" > target/real-client-proxy-validate.json || true
  expect_one_finding target/real-client-proxy-validate.json
  # Every exchange the client made went through the proxy: links it followed (the
  # root's, pagination's, each resource's) pointed at the proxy, not the upstream.
  counts=$(python3 -c 'import json,sys; print(*(len(json.load(open(f))["log"]["entries"]) for f in sys.argv[1:]))' "$har" "$proxy_har")
  set -- $counts
  echo "exchanges: $1 made by the client, $2 seen by the proxy"
  [ "$1" -eq "$2" ] || { echo "the client went around the proxy for $(( $1 - $2 )) exchanges" >&2; exit 1; }
fi
