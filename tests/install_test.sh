#!/usr/bin/env bash
# tests/install_test.sh: exercise install.sh end to end inside a temporary DESTDIR, touching nothing of
# the real system: install, upgrade (settings kept), unit verification, uninstall (data kept), purge.
# Uses the release build when it exists (test.sh builds it; in $CARGO_TARGET_DIR if set, relative to the
# checkout, else target/), else a stand-in script.
# Ends with `N passed, N failed`; exits non-zero on any failure.
set -uo pipefail   # not -e: keep checking after a failed assertion

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$PWD

passed=0
failed=0
ok()   { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION CMD...: pass when CMD succeeds
    local what=$1; shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}
has_line() { grep -qxF -- "$2" "$1"; }   # exact whole line in file

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest

target_dir=${CARGO_TARGET_DIR:-$root/target}
[[ $target_dir == /* ]] || target_dir=$root/$target_dir
binary=$target_dir/release/frontdesk
real_binary=1
if [[ ! -x $binary ]]; then
    real_binary=0
    echo "NOTICE: $binary not built; using a stand-in executable"
    binary=$tmp/frontdesk-standin
    printf '#!/bin/sh\necho "frontdesk 0.0.0-standin"\n' >"$binary"
    chmod +x "$binary"
fi

user_existed=0
id -u frontdesk >/dev/null 2>&1 && user_existed=1

install_into() { # install_into DESTDIR [options...]: log to $tmp/install.log
    local d=$1; shift
    DESTDIR=$d "$root/install.sh" "$@" >"$tmp/install.log" 2>&1
}

# ---- help and bad options --------------------------------------------------------------------------

check "--help exits 0 and documents --uninstall" bash -c "'$root/install.sh' --help | grep -q -- --uninstall"
check "an unknown option is refused" bash -c "! DESTDIR='$tmp/x' '$root/install.sh' --bogus >/dev/null 2>&1"
check "--purge without --uninstall is refused" bash -c "! DESTDIR='$tmp/x' '$root/install.sh' --purge >/dev/null 2>&1"
check "a missing --binary is refused" \
    bash -c "! DESTDIR='$tmp/x' '$root/install.sh' --no-systemd --binary '$tmp/nope' >/dev/null 2>&1"

# ---- first install ---------------------------------------------------------------------------------

if install_into "$dest" --prefix /usr/local --no-systemd --binary "$binary"; then
    ok "install into DESTDIR succeeds"
else
    fail "install into DESTDIR succeeds"; cat "$tmp/install.log"
fi

bin=$dest/usr/local/bin/frontdesk
unit=$dest/etc/systemd/system/frontdesk.service
envf=$dest/etc/frontdesk/frontdesk.env
data=$dest/var/lib/frontdesk

check "binary installed, executable, identical" bash -c "[[ -x '$bin' ]] && cmp -s '$binary' '$bin'"
check "data directory created" test -d "$data"
check "settings file created" test -f "$envf"
check "settings: FRONTDESK_DATA=/var/lib/frontdesk" has_line "$envf" "FRONTDESK_DATA=/var/lib/frontdesk"
check "settings: FRONTDESK_ADDR" grep -q '^FRONTDESK_ADDR=' "$envf"
check "settings: FRONTDESK_PUBLIC_URL example" grep -q '^#FRONTDESK_PUBLIC_URL=' "$envf"
check "unit installed" test -f "$unit"
for line in \
    "NoNewPrivileges=yes" "ProtectSystem=strict" "ProtectHome=yes" "PrivateTmp=yes" \
    "ReadWritePaths=/var/lib/frontdesk" "LimitNOFILE=65536" "TasksMax=infinity" "Restart=on-failure" \
    "EnvironmentFile=/etc/frontdesk/frontdesk.env" "User=frontdesk" \
    "ExecStart=/usr/local/bin/frontdesk serve" "KillSignal=SIGTERM" "TimeoutStopSec=15" \
    "WantedBy=multi-user.target"; do
    check "unit: $line" has_line "$unit" "$line"
done
check "unit mentions no DESTDIR path" bash -c "! grep -qF '$dest' '$unit'"
if (( user_existed == 0 )); then
    check "no system user created when DESTDIR is set" bash -c "! id -u frontdesk >/dev/null 2>&1"
fi

# ---- the real server accepts the settings file -----------------------------------------------------

if (( real_binary == 1 )); then
    # Every example uncommented, as an admin would, with the address and data moved somewhere harmless.
    sed -E 's/^#(FRONTDESK_[A-Z_]+=)/\1/' "$envf" >"$tmp/all.env"
    mkdir -p "$tmp/data"
    (
        set -a   # export every setting, as systemd's EnvironmentFile= does
        # shellcheck disable=SC1091 # written just above
        . "$tmp/all.env"
        set +a
        export FRONTDESK_ADDR=127.0.0.1:0 FRONTDESK_DATA=$tmp/data FRONTDESK_ARGON2_M_KIB=256
        exec "$bin" serve >"$tmp/serve.out" 2>"$tmp/serve.err"
    ) &
    server=$!
    for _ in $(seq 1 50); do [[ -s $tmp/serve.out ]] && break; sleep 0.1; done
    first=$(head -n1 "$tmp/serve.out")
    if [[ $first =~ ^listening\ on\ http://127\.0\.0\.1:([0-9]+)$ ]]; then
        ok "the server starts with every example setting enabled"
        port=${BASH_REMATCH[1]}
        # shellcheck disable=SC2016 # $0 expands in the child bash
        reply=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
            printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -n1 <&3' "$port" 2>/dev/null || true)
        if [[ $reply == *" 200"* ]]; then ok "its /healthz answers 200"
        else fail "its /healthz answers 200 (got: $reply)"; fi
    else
        fail "the server starts with every example setting enabled (first line: $first)"
        cat "$tmp/serve.err"
    fi
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
fi

# ---- systemd's own check of the unit ---------------------------------------------------------------

if command -v systemd-analyze >/dev/null; then
    # verify insists that ExecStart's binary exists: check a copy pointing at the staged binary.
    mkdir -p "$tmp/verify"
    sed "s|^ExecStart=/usr/local/bin/frontdesk|ExecStart=$bin|" "$unit" >"$tmp/verify/frontdesk.service"
    if systemd-analyze verify "$tmp/verify/frontdesk.service" >"$tmp/verify.log" 2>&1 &&
        ! grep -q 'frontdesk.service' "$tmp/verify.log"; then
        ok "systemd-analyze verify: no complaint about the unit"
    else
        fail "systemd-analyze verify"; cat "$tmp/verify.log"
    fi
    # Control: the check above must notice a bad line (verify exits 0 on mere warnings; the log tells).
    echo "TasksMax=nonsense" >>"$tmp/verify/frontdesk.service"
    systemd-analyze verify "$tmp/verify/frontdesk.service" >"$tmp/verify.log" 2>&1
    check "systemd-analyze verify: notices a broken line (control)" grep -q 'frontdesk.service' "$tmp/verify.log"
else
    echo "NOTICE: systemd-analyze not installed; skipping unit verification"
fi

# ---- upgrade keeps settings ------------------------------------------------------------------------

echo "FRONTDESK_PUBLIC_URL=https://help.example.test" >>"$envf"
touch "$data/frontdesk.db"
if install_into "$dest" --prefix /usr/local --no-systemd --binary "$binary"; then
    ok "second install (upgrade) succeeds"
else
    fail "second install (upgrade) succeeds"; cat "$tmp/install.log"
fi
check "upgrade kept the edited settings" has_line "$envf" "FRONTDESK_PUBLIC_URL=https://help.example.test"
check "upgrade kept the data" test -f "$data/frontdesk.db"
check "upgrade says the URL from the settings" grep -q 'https://help.example.test/setup' "$tmp/install.log"
check "binary still installed" test -x "$bin"
check "unit still installed" test -f "$unit"
check "no leftover temporary files" bash -c "! ls '$bin.new' '$unit.new' >/dev/null 2>&1"

# ---- upgrade across a schema change, as systemd would then start it -----------------------------------
# The data directory holds a database one schema version behind this binary (built as that version made
# it: migrations 1..N-1 in order, user_version N-1) with a message in it. install.sh upgrades in place;
# the installed binary, started with the settings file as the unit starts it, copies the database before
# migrating, serves the old message, and the next start (no migration) removes the copy.

if (( real_binary == 1 )) && command -v python3 >/dev/null; then
    rm -f "$data"/frontdesk.db*
    n=$(ls "$root"/sql/*.sql | wc -l)
    old=$((n - 1))
    python3 - "$data/frontdesk.db" "$old" "$root"/sql/*.sql <<'PY'
import sqlite3, sys
db, k, files = sys.argv[1], int(sys.argv[2]), sorted(sys.argv[3:])
c = sqlite3.connect(db, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
for i, f in enumerate(files[:k]):
    c.executescript("BEGIN;" + open(f).read() + f";PRAGMA user_version={i + 1};COMMIT;")
c.execute("INSERT INTO settings (key, value, updated_at) VALUES ('helpdesk_name', '\"Old Desk\"', 1)")
c.execute("INSERT INTO customers (id, token_hash, name, first_seen_at, last_seen_at) VALUES (1, x'00', 'Old Customer', 1, 1)")
c.execute("INSERT INTO conversations (id, kind, customer_id, last_seq, last_message_at, preview, created_at) VALUES (1, 'live_chat', 1, 1, 1, 'from the old version', 1)")
c.execute("INSERT INTO messages (conversation_id, seq, author_kind, author_id, body, created_at) VALUES (1, 1, 'customer', 1, 'from the old version', 1)")
c.close()
PY
    check "an old database (schema $old of $n) is in place" test -s "$data/frontdesk.db"
    if install_into "$dest" --prefix /usr/local --no-systemd --binary "$binary"; then
        ok "install.sh upgrades in place over the old database"
    else
        fail "install.sh upgrades in place over the old database"; cat "$tmp/install.log"
    fi
    start_installed() { # start the installed binary with the settings file, as the unit does; print its port
        (
            set -a
            # shellcheck disable=SC1090 # the settings file install.sh wrote
            . "$envf"
            set +a
            export FRONTDESK_ADDR=127.0.0.1:0 FRONTDESK_DATA=$data FRONTDESK_ARGON2_M_KIB=256
            exec "$bin" serve >"$tmp/upgrade.out" 2>"$tmp/upgrade.err"
        ) &
        upgraded=$!
        : >"$tmp/upgrade.port"
        for _ in $(seq 1 100); do
            if [[ $(head -n1 "$tmp/upgrade.out" 2>/dev/null) =~ ^listening\ on\ http://127\.0\.0\.1:([0-9]+)$ ]]; then
                echo "${BASH_REMATCH[1]}" >"$tmp/upgrade.port"; break
            fi
            sleep 0.1
        done
    }
    start_installed
    port=$(cat "$tmp/upgrade.port")
    if [[ -n $port ]]; then ok "the upgraded service starts on the old data"
    else fail "the upgraded service starts on the old data"; cat "$tmp/upgrade.err"; fi
    check "a copy was taken before migrating ($old to $n)" test -s "$data/frontdesk.db.before-migration-$old-to-$n"
    check "the copy is readable by its owner only (0600)" \
        bash -c "[[ \$(stat -c %a '$data/frontdesk.db.before-migration-$old-to-$n') == 600 ]]"
    # shellcheck disable=SC2016 # $0 expands in the child bash
    reply=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
        printf "GET /readyz HTTP/1.0\r\n\r\n" >&3 && head -n1 <&3' "$port" 2>/dev/null || true)
    if [[ $reply == *" 200"* ]]; then ok "the upgraded service is ready (/readyz 200)"
    else fail "the upgraded service is ready (/readyz 200; got: $reply)"; fi
    kill "$upgraded" 2>/dev/null; wait "$upgraded" 2>/dev/null
    check "the database is at schema $n with the old message" python3 -c "
import sqlite3, sys
c = sqlite3.connect('file:$data/frontdesk.db?mode=ro', uri=True)
v = c.execute('PRAGMA user_version').fetchone()[0]
body = c.execute('SELECT body FROM messages WHERE conversation_id = 1').fetchone()[0]
sys.exit(0 if v == $n and body == 'from the old version' else 1)"
    check "frontdesk check passes on the upgraded database" "$bin" check --data "$data"
    start_installed
    kill "$upgraded" 2>/dev/null; wait "$upgraded" 2>/dev/null
    check "the next start (no migration) removed the copy" test ! -e "$data/frontdesk.db.before-migration-$old-to-$n"
else
    echo "NOTICE: no release build or python3; skipping the upgrade across a schema change"
fi

# ---- another prefix --------------------------------------------------------------------------------

if install_into "$tmp/opt" --prefix /opt/frontdesk --no-systemd --binary "$binary"; then
    check "--prefix /opt/frontdesk: binary there" test -x "$tmp/opt/opt/frontdesk/bin/frontdesk"
    check "--prefix /opt/frontdesk: ExecStart follows" \
        has_line "$tmp/opt/etc/systemd/system/frontdesk.service" "ExecStart=/opt/frontdesk/bin/frontdesk serve"
else
    fail "install with --prefix /opt/frontdesk"; cat "$tmp/install.log"
fi

# ---- uninstall, then purge -------------------------------------------------------------------------

if install_into "$dest" --uninstall --no-systemd; then ok "--uninstall succeeds"
else fail "--uninstall succeeds"; cat "$tmp/install.log"; fi
check "--uninstall removed the binary" test ! -e "$bin"
check "--uninstall removed the unit" test ! -e "$unit"
check "--uninstall kept the settings" has_line "$envf" "FRONTDESK_PUBLIC_URL=https://help.example.test"
check "--uninstall kept the data" test -f "$data/frontdesk.db"
check "--uninstall again is harmless" install_into "$dest" --uninstall --no-systemd

if install_into "$dest" --uninstall --purge --no-systemd; then ok "--uninstall --purge succeeds"
else fail "--uninstall --purge succeeds"; cat "$tmp/install.log"; fi
check "--purge removed the data" test ! -e "$data"
check "--purge removed the settings" test ! -e "$dest/etc/frontdesk"

echo
echo "install_test: $passed passed, $failed failed"
(( failed == 0 ))
