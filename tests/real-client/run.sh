#!/usr/bin/env bash
# Acceptance with a real client: the PyPI library cloudfoundry-client (pinned in
# requirements.txt) against the in-memory Cloud Controller, constructed with only a
# fixed token. Every exchange is recorded as a HAR, which `capi-contract validate
# --strict` then checks: the suite fails on any failed step or any contract finding.
#
# Usage: tests/real-client/run.sh [VENV]   (default venv: target/real-client-venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
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
echo "cloudfoundry-client $("$venv/bin/pip" show cloudfoundry-client | sed -n 's/^Version: //p') against $base"
"$venv/bin/python" tests/real-client/real_client.py "$base" "$token" "$har"
echo "validate --strict $har"
target/debug/capi-contract validate --strict "$har"
kill -0 $server 2>/dev/null || { echo "the in-memory Cloud Controller died" >&2; exit 1; }
