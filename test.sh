#!/usr/bin/env bash
# test.sh: the one test command of Frontdesk. Runs, in order:
#   1. cargo test --profile ci-test  unit + integration tests (release optimisations without LTO; they exec
#                                  the frontdesk binary built beside them)
#   2. browser tests               tests/e2e/*.test.mjs under node's built-in runner, driving /usr/bin/chromium
#                                  (i18n.test.mjs, the dictionaries, needs node only: it runs without chromium too)
#   3. tests/install_test.sh       install.sh into a temporary DESTDIR, upgrade, uninstall
#      tests/release_test.sh       the static release binaries (x86_64 run here, aarch64 under qemu-user-static)
#                                  and the Dockerfile's run stage under podman
#      tests/schemathesis.sh       the live server fuzzed against its OpenAPI document (schemathesis 4, an
#                                  admin API token); skipped with a notice outside CI without schemathesis
#   4. frontdesk-bench --quick     the benchmark tool as a smoke test (numbers printed, not asserted)
#   5. cargo clippy                lints on every target, warnings denied (one check: clean or not)
# Every step runs even when an earlier one failed, so one run shows everything that is broken.
# Exits non-zero if anything failed, and ends with a plain `N passed, N failed` line (individual tests).
#
# Build output goes to $CARGO_TARGET_DIR when set (relative to the checkout), else target/; the later steps
# find the binaries there.
#
# Browser tests are required when CI is set (missing chromium or node_modules is a failure) and skipped
# with a notice elsewhere. Set up a machine for them with: apt-get install -y chromium; (cd tests/e2e && npm ci)
set -uo pipefail   # not -e: a failing step must not stop the others

cd "$(dirname "${BASH_SOURCE[0]}")" || exit 1
root=$PWD

# In CI the committed Cargo.lock must be current (a stale lock is a bug to fix, not to paper over);
# locally cargo may update it.
cargo_flags=(--release)
[[ -n "${CI:-}" ]] && cargo_flags+=(--locked)

# Where cargo puts what it builds. A relative CARGO_TARGET_DIR is relative to where cargo runs, which is
# here; make it absolute (and exported) so every step and script below agrees on it.
target_dir=${CARGO_TARGET_DIR:-$root/target}
[[ $target_dir == /* ]] || target_dir=$root/$target_dir
export CARGO_TARGET_DIR=$target_dir

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

passed=0
failed=0
failed_steps=()

# run_step NAME CMD...: run CMD, show its output, then add up its test counts.
# Each runner prints its own totals: cargo `test result: ok. 3 passed; 0 failed`, node `# pass 3` and
# `# fail 0` (TAP, as output is a pipe), install_test.sh and one_check `3 passed, 0 failed`. A step that
# fails without reporting a failed test (a compile error, a crash) counts as one failure.
run_step() {
    local name=$1; shift
    local log="$logdir/$name.log"
    echo
    echo "==== $name: $*"
    "$@" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local p f
    case $name in
        cargo-*) read -r p f < <(awk '/^test result:/ {
                     for (i = 2; i <= NF; i++) { if ($i ~ /^passed;/) p += $(i-1); if ($i ~ /^failed;/) f += $(i-1) }
                 } END { print p+0, f+0 }' "$log") ;;
        browser|i18n) read -r p f < <(awk '/^(# |ℹ )pass [0-9]+$/ { p = $NF } /^(# |ℹ )fail [0-9]+$/ { f = $NF }
                 END { print p+0, f+0 }' "$log") ;;
        *)       read -r p f < <(awk '/[0-9]+ passed, [0-9]+ failed$/ { p = $(NF-3); f = $(NF-1) }
                 END { print p+0, f+0 }' "$log") ;;
    esac
    p=${p:-0}; f=${f:-0}
    if (( rc != 0 )); then
        (( f == 0 )) && f=1
        failed_steps+=("$name (exit $rc)")
    fi
    passed=$((passed + p))
    failed=$((failed + f))
}

# 1. Rust tests. `cargo build` first so $target_dir/release/frontdesk exists for the later steps even if no
# integration test made cargo build it (the same profile, so `cargo test` reuses it).
run_step cargo-build cargo build "${cargo_flags[@]}"
# The tests build in the `ci-test` profile (Cargo.toml: release optimisations without LTO, which made
# linking ~50 test binaries take most of the run); the binary the later steps use stays `release`.
test_flags=(--profile ci-test)
[[ -n "${CI:-}" ]] && test_flags+=(--locked)
run_step cargo-test cargo test --no-fail-fast "${test_flags[@]}"

# 2. Browser tests. The dictionaries' test (i18n.test.mjs) needs node only, so it runs even without a browser.
e2e="$root/tests/e2e"
if command -v node >/dev/null; then
    run_step i18n bash -c 'cd tests/e2e && node --test i18n.test.mjs'
fi
missing=()
[[ -x /usr/bin/chromium ]] || missing+=("/usr/bin/chromium (apt-get install -y chromium)")
[[ -d "$e2e/node_modules/playwright-core" ]] || missing+=("tests/e2e/node_modules (cd tests/e2e && npm ci)")
command -v node >/dev/null || missing+=("node")
if (( ${#missing[@]} == 0 )); then
    run_step browser env FRONTDESK_BIN="$target_dir/release/frontdesk" \
        bash -c 'cd tests/e2e && node --test --test-concurrency=1 $(ls *.test.mjs | grep -vx i18n.test.mjs)'
elif [[ -n "${CI:-}" ]]; then
    echo
    echo "==== browser: FAILED: CI is set and these are missing: ${missing[*]}"
    failed=$((failed + 1))
    failed_steps+=("browser (missing: ${missing[*]})")
else
    echo
    echo "==== browser: SKIPPED (not CI): missing ${missing[*]}"
fi

# 3. The installer.
run_step install-test "$root/tests/install_test.sh"
run_step release-test "$root/tests/release_test.sh"
run_step schemathesis "$root/tests/schemathesis.sh"

# 4. The benchmark tool's quick mode: a smoke test that it still drives the server end to end. Its
# numbers are printed for the log, never asserted (this machine is shared and noisy); a crash fails.
run_step bench-quick "$target_dir/release/frontdesk-bench" --quick

# 5. Lints, on every target, with warnings denied. Clippy prints no totals of its own, so one_check
# counts it as a single test, clean or not; its diagnostics above say what to fix.
one_check() { # one_check CMD...: run CMD, then print the line run_step counts
    "$@"
    local rc=$?
    if (( rc == 0 )); then echo "one check: 1 passed, 0 failed"; else echo "one check: 0 passed, 1 failed"; fi
    return "$rc"
}
run_step clippy one_check cargo clippy --all-targets "${cargo_flags[@]}" -- -D warnings

# What failed, again at the end where a reader of a long CI log (or its tail) finds it: each failed
# step's failing tests with their messages, cut to a screenful per step.
failure_excerpt() { # failure_excerpt NAME: the lines of NAME's log that say what failed
    local log="$logdir/$1.log"
    [[ -f $log ]] || return 0
    case $1 in
        cargo-*) awk '/^---- .* stdout ----$/ { on = 1 } /^failures:$/ && on { on = 0 } on' "$log" ;;
        browser|i18n) awk '/^ *not ok / { on = 1 } on { print } on && /^ *\.\.\.$/ { on = 0 }' "$log" ;;
        *) grep -E -i 'fail|error|panicked' "$log" ;;
    esac | head -n 80
}
echo
if (( ${#failed_steps[@]} > 0 )); then
    for step in "${failed_steps[@]}"; do
        echo "==== what failed in ${step%% *}:"
        failure_excerpt "${step%% *}"
    done
    echo
    echo "FAILED steps: ${failed_steps[*]}"
fi
echo "$passed passed, $failed failed"
(( failed == 0 && ${#failed_steps[@]} == 0 ))
