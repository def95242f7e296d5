#!/usr/bin/env bash
# Acceptance with a real client: the PyPI library cloudfoundry-client (pinned in
# requirements.txt) against the in-memory Cloud Controller, constructed with only a
# fixed token. Every exchange is recorded as a HAR, which `capi-contract validate
# --strict` then checks: the suite fails on any failed step or any contract finding.
#
# With --through-proxy the suite talks to `capi-contract proxy` in front of the fake
# instead: it must pass the same way, the proxy's report must have no failure, and the
# proxy's own HAR must pass `validate --strict`.
#
# Usage: tests/real-client/run.sh [--through-proxy] [VENV]   (default venv: target/real-client-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
through_proxy=
if [ "${1:-}" = --through-proxy ]; then through_proxy=1; shift; fi
venv=${1:-target/real-client-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/real-client/requirements.txt
cargo build --quiet --package in-memory-cc --package capi-contract
log=$(mktemp)
har=target/real-client.har
token=real-client-token
target/debug/in-memory-cc --listen 127.0.0.1:0 --token "$token" > "$log" &
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
  target/debug/capi-contract proxy --upstream "$upstream" --listen 127.0.0.1:0 --strict \
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
echo "cloudfoundry-client $("$venv/bin/pip" show cloudfoundry-client | sed -n 's/^Version: //p') against $base"
"$venv/bin/python" tests/real-client/real_client.py "$base" "$token" "$har"
echo "validate --strict $har"
target/debug/capi-contract validate --strict "$har"
kill -0 $server 2>/dev/null || { echo "the in-memory Cloud Controller died" >&2; exit 1; }
if [ -n "$through_proxy" ]; then
  kill -INT $proxy
  status=0
  wait $proxy || status=$?
  cat "$proxy_log"
  [ "$status" -eq 0 ] || { echo "the proxy exited with $status: findings in $proxy_report" >&2; exit 1; }
  failed=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["failed"]+s.get("errors",0))' "$proxy_report")
  [ "$failed" -eq 0 ] || { echo "the proxy's report has $failed failures" >&2; exit 1; }
  echo "validate --strict $proxy_har (the proxy's own HAR)"
  target/debug/capi-contract validate --strict "$proxy_har"
fi
