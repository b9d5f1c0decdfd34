#!/usr/bin/env bash
# tests/release_test.sh: the Raspberry Pi release. Builds the static aarch64 binary with
# scripts/release.sh (once: only that target) and runs it under qemu-user-static far enough to
# serve /healthz, take a customer's chat message and give it back, then stop cleanly on SIGTERM.
# Skipped with a notice when the tools are missing, except in CI (CI set), where that fails.
# Prints `N passed, N failed` for test.sh.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$PWD

passed=0
failed=0
ok()   { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
finish() { echo; echo "release_test: $passed passed, $failed failed"; (( failed == 0 )); exit $?; }

missing=()
for tool in qemu-aarch64-static aarch64-linux-gnu-gcc python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -e /usr/aarch64-linux-gnu/include/stdint.h ]] || missing+=("libc6-dev-arm64-cross")
if (( ${#missing[@]} > 0 )); then
    if [[ -n "${CI:-}" ]]; then
        fail "tools for the aarch64 release are installed (missing: ${missing[*]})"
        finish
    fi
    echo "SKIPPED (not CI): missing ${missing[*]} (apt-get install -y qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"
    echo "release_test: 0 passed, 0 failed"
    exit 0
fi

tmp=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

if RELEASE_TARGETS=aarch64-unknown-linux-musl "$root/scripts/release.sh" "$tmp/dist" >"$tmp/build.log" 2>&1; then
    ok "scripts/release.sh builds the aarch64 binary"
else
    fail "scripts/release.sh builds the aarch64 binary"; tail -n 40 "$tmp/build.log"; finish
fi
bin=$(ls "$tmp"/dist/frontdesk-*-aarch64-linux)
if (cd "$tmp/dist" && sha256sum -c --quiet SHA256SUMS); then ok "SHA256SUMS matches"; else fail "SHA256SUMS matches"; fi
info=$(file -b "$bin" 2>/dev/null || readelf -h "$bin")
if [[ $info == *aarch64* || $info == *AArch64* ]] && ! readelf -l "$bin" | grep -q 'program interpreter'; then
    ok "it is a static aarch64 executable"
else
    fail "it is a static aarch64 executable ($info)"
fi
version=$(qemu-aarch64-static "$bin" version)
if [[ $version == "frontdesk "*"(commit "*", built "* ]]; then ok "it runs under qemu: $version"; else fail "it runs under qemu: $version"; fi

# Serve on a free port; the first stdout line names the address.
FRONTDESK_ARGON2_M_KIB=256 FRONTDESK_ARGON2_T=1 qemu-aarch64-static "$bin" serve --addr 127.0.0.1:0 --data "$tmp/data" \
    >"$tmp/out" 2>"$tmp/err" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q '^listening on ' "$tmp/out" 2>/dev/null && break
    sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$tmp/out" | head -n1)
if [[ -n $url ]]; then ok "it listens ($url)"; else fail "it listens"; cat "$tmp/err"; finish; fi

# /healthz, then a customer's chat message through the widget API, read back.
if python3 - "$url" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
def call(method, path, body=None, token=None):
    req = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Origin", url)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read().decode()
status, body = call("GET", "/healthz")
assert (status, body) == (200, "ok"), (status, body)
print("ok   /healthz answers 200 ok")
status, body = call("POST", "/api/widget/visitors", {"name": "Pi customer"})
assert status == 201, (status, body)
token = json.loads(body)["token"]
status, body = call("POST", "/api/widget/messages", {"body": "hello from aarch64", "client_msg_id": "pi-1"}, token)
assert status == 201, (status, body)
status, body = call("GET", "/api/widget/messages", token=token)
bodies = [m["body"] for m in json.loads(body)["messages"]]
assert "hello from aarch64" in bodies, bodies
print("ok   a chat message is taken and read back")
PY
then passed=$((passed + 2)); else fail "healthz and a chat message under qemu"; cat "$tmp/err"; fi

kill -TERM "$server_pid"
if wait "$server_pid"; then ok "it stops cleanly on SIGTERM"; else fail "it stops cleanly on SIGTERM"; cat "$tmp/err"; fi
server_pid=
n=$(qemu-aarch64-static "$bin" check --data "$tmp/data" | sed -n 's/.* \([0-9]*\) messages$/\1/p')
if [[ ${n:-0} -ge 1 ]]; then ok "the message is in the database ($n messages)"; else fail "the message is in the database"; fi
finish
