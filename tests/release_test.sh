#!/usr/bin/env bash
# tests/release_test.sh: the release. Builds the static binaries for x86_64 and aarch64 with
# scripts/release.sh and runs each far enough to serve /healthz, take a customer's chat message and give
# it back, then stop cleanly on SIGTERM: x86_64 natively, aarch64 (the Raspberry Pi) under
# qemu-user-static. Then the container: the Dockerfile's run stage, built with podman around the x86_64
# binary (no Docker Hub here, so its build stage is replaced by that binary), run as README's `docker run`
# line says (-p 8080, a named volume), answering /healthz, its HEALTHCHECK passing, and stopping on SIGTERM.
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
for tool in qemu-aarch64-static aarch64-linux-gnu-gcc musl-gcc python3; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -e /usr/aarch64-linux-gnu/include/stdint.h ]] || missing+=("libc6-dev-arm64-cross")
if (( ${#missing[@]} > 0 )); then
    if [[ -n "${CI:-}" ]]; then
        fail "tools for the aarch64 release are installed (missing: ${missing[*]})"
        finish
    fi
    echo "SKIPPED (not CI): missing ${missing[*]} (apt-get install -y qemu-user-static gcc-aarch64-linux-gnu libc6-dev-arm64-cross musl-tools)"
    echo "release_test: 0 passed, 0 failed"
    exit 0
fi

tmp=$(mktemp -d)
server_pid=
cid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null
    [[ -n $cid ]] && podman --root "$tmp/podman/root" --runroot "$tmp/podman/run" --storage-driver vfs rm -f "$cid" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT

if "$root/scripts/release.sh" "$tmp/dist" >"$tmp/build.log" 2>&1; then
    ok "scripts/release.sh builds the x86_64 and aarch64 binaries"
else
    fail "scripts/release.sh builds the x86_64 and aarch64 binaries"; tail -n 40 "$tmp/build.log"; finish
fi
if (cd "$tmp/dist" && sha256sum -c --quiet SHA256SUMS); then ok "SHA256SUMS matches"; else fail "SHA256SUMS matches"; fi

# exercise ARCH PATTERN [RUNNER]: the binary for ARCH is static for it, names its version, serves, takes a
# chat message, stops on SIGTERM, and kept the message.
exercise() {
    local arch=$1 pattern=$2 runner=("${@:3}")
    local bin info version url
    bin=$(ls "$tmp"/dist/frontdesk-*-"$arch"-linux)
    info=$(file -b "$bin" 2>/dev/null || readelf -h "$bin")
    if [[ $info == *$pattern* ]] && ! readelf -l "$bin" | grep -q 'program interpreter'; then
        ok "$arch: a static executable"
    else
        fail "$arch: a static executable ($info)"
    fi
    version=$("${runner[@]}" "$bin" version)
    if [[ $version == "frontdesk "*"(commit "*", built "* ]]; then ok "$arch: it runs: $version"; else fail "$arch: it runs: $version"; fi

    # Serve on a free port; the first stdout line names the address.
    rm -rf "$tmp/data" "$tmp/out" "$tmp/err"
    FRONTDESK_ARGON2_M_KIB=256 FRONTDESK_ARGON2_T=1 "${runner[@]}" "$bin" serve --addr 127.0.0.1:0 --data "$tmp/data" \
        >"$tmp/out" 2>"$tmp/err" &
    server_pid=$!
    for _ in $(seq 1 300); do
        grep -q '^listening on ' "$tmp/out" 2>/dev/null && break
        sleep 0.1
    done
    url=$(sed -n 's/^listening on //p' "$tmp/out" | head -n1)
    if [[ -n $url ]]; then ok "$arch: it listens ($url)"; else fail "$arch: it listens"; cat "$tmp/err"; return; fi
    if chat_check "$url" "hello from $arch"; then passed=$((passed + 2)); else fail "$arch: healthz and a chat message"; cat "$tmp/err"; fi
    kill -TERM "$server_pid"
    if wait "$server_pid"; then ok "$arch: it stops cleanly on SIGTERM"; else fail "$arch: it stops cleanly on SIGTERM"; cat "$tmp/err"; fi
    server_pid=
    local n
    n=$("${runner[@]}" "$bin" check --data "$tmp/data" | sed -n 's/.* \([0-9]*\) messages$/\1/p')
    if [[ ${n:-0} -ge 1 ]]; then ok "$arch: the message is in the database ($n messages)"; else fail "$arch: the message is in the database"; fi
}

# chat_check URL TEXT: /healthz, then a customer's chat message through the widget API, read back.
chat_check() {
    python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
url, text = sys.argv[1], sys.argv[2]
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
status, body = call("POST", "/api/widget/visitors", {"name": "Release customer"})
assert status == 201, (status, body)
token = json.loads(body)["token"]
status, body = call("POST", "/api/widget/messages", {"body": text, "client_msg_id": "release-1"}, token)
assert status == 201, (status, body)
status, body = call("GET", "/api/widget/messages", token=token)
bodies = [m["body"] for m in json.loads(body)["messages"]]
assert text in bodies, bodies
print("ok   a chat message is taken and read back")
PY
}

exercise x86_64 x86-64
exercise aarch64 aarch64 qemu-aarch64-static

# ---- the container ---------------------------------------------------------------------------------
if ! command -v podman >/dev/null; then
    if [[ -n "${CI:-}" ]]; then fail "podman is installed (apt-get install -y podman runc)"; finish; fi
    echo "SKIPPED (not CI): the container needs podman (apt-get install -y podman runc)"
    finish
fi
# This machine (itself a container) allows no user namespaces of podman's own, no overlay mounts and no
# rlimits above its own: vfs storage, chroot isolation for RUN-less builds, runc with modest rlimits.
pm=(podman --root "$tmp/podman/root" --runroot "$tmp/podman/run" --storage-driver vfs)
image=localhost/frontdesk-release-test
ctx=$tmp/ctx
mkdir -p "$ctx/data-skeleton"
cp "$(ls "$tmp"/dist/frontdesk-*-x86_64-linux)" "$ctx/frontdesk"
cp /etc/ssl/certs/ca-certificates.crt "$ctx/"
{
    echo "FROM scratch AS build"
    echo "COPY frontdesk /usr/local/bin/frontdesk"
    echo "COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt"
    echo "COPY data-skeleton /data-skeleton"
    sed -n '/^# ---- run /,$p' "$root/Dockerfile"
} >"$ctx/Containerfile"
if grep -q '^FROM scratch$' "$ctx/Containerfile" && grep -q '^HEALTHCHECK' "$ctx/Containerfile"; then
    ok "the Dockerfile's run stage is found"
else
    fail "the Dockerfile's run stage is found (the '# ---- run' line?)"; finish
fi
if "${pm[@]}" build --format docker --isolation chroot -t "$image" -f "$ctx/Containerfile" "$ctx" >"$tmp/podman-build.log" 2>&1; then
    ok "podman builds the run stage"
else
    fail "podman builds the run stage"; tail -n 20 "$tmp/podman-build.log"; finish
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run=("${pm[@]}" run --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1000:1000)
# README's line, with a free host port and this test's volume name.
if cid=$("${run[@]}" -d -e FRONTDESK_ARGON2_M_KIB=256 -p "127.0.0.1:$port:8080" -v "frontdesk-release-test:/data" "$image" 2>"$tmp/podman-run.err"); then
    ok "the image runs (docker run -p …:8080 -v VOLUME:/data)"
else
    fail "the image runs"; cat "$tmp/podman-run.err"; finish
fi
up=
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" 2>/dev/null; then up=1; break; fi
    sleep 0.2
done
if [[ -n $up ]] && chat_check "http://127.0.0.1:$port" "hello from the container"; then
    passed=$((passed + 2))
else
    fail "the container serves /healthz and a chat message on the published port"; "${pm[@]}" logs "$cid" | tail -n 20
fi
if "${pm[@]}" healthcheck run "$cid" >"$tmp/health.log" 2>&1; then
    ok "its HEALTHCHECK (frontdesk health, no shell in the image) passes"
else
    fail "its HEALTHCHECK passes"; cat "$tmp/health.log"
fi
user=$("${pm[@]}" inspect -f '{{.Config.User}}' "$image")
if [[ $user == 10001:10001 ]]; then ok "it runs as 10001:10001"; else fail "it runs as 10001:10001 (got $user)"; fi
if "${pm[@]}" stop -t 10 "$cid" >/dev/null 2>&1 &&
    [[ $("${pm[@]}" inspect -f '{{.State.ExitCode}}' "$cid") == 0 ]]; then
    ok "it stops cleanly on SIGTERM (exit 0)"
else
    fail "it stops cleanly on SIGTERM"; "${pm[@]}" logs "$cid" | tail -n 20
fi
# The data outlives the container: a new one on the same volume checks it.
if "${run[@]}" --rm -v "frontdesk-release-test:/data" "$image" check | grep -q ' [1-9][0-9]* messages$'; then
    ok "the volume keeps the message for the next container"
else
    fail "the volume keeps the message for the next container"
fi
"${pm[@]}" rm -f "$cid" >/dev/null 2>&1
"${pm[@]}" volume rm -f frontdesk-release-test >/dev/null 2>&1
finish
