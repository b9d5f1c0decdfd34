#!/usr/bin/env bash
# install.sh: install (or upgrade, or remove) Frontdesk as a systemd service on Debian, Ubuntu and
# Raspberry Pi OS. Run it as root from a checkout; run it again to upgrade. See --help.
#
# What it owns, and so overwrites on every run: the binary and the systemd unit.
# What it never overwrites: /etc/frontdesk/frontdesk.env (your settings) and /var/lib/frontdesk (your data).
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: sudo ./install.sh [options]

Builds Frontdesk from this checkout (cargo build --release --locked), installs it as a systemd service
running as the system user `frontdesk`, and starts it. Running it again upgrades in place: the binary and
unit are replaced, your settings and data are kept. When the new binary changes the database schema it
first copies the database to /var/lib/frontdesk/frontdesk.db.before-migration-OLD-to-NEW (removed by
the next start that needs no migration).

Options:
  --binary PATH   install this prebuilt binary instead of building from the checkout
  --prefix DIR    install the binary into DIR/bin (default: /usr/local)
  --no-systemd    install files only: no systemctl daemon-reload / enable / start
  --uninstall     stop and remove the service, binary and unit; keep settings and data
  --purge         with --uninstall: also delete /var/lib/frontdesk (ALL DATA), /etc/frontdesk and the user
  -h, --help      show this help

Environment:
  DESTDIR           stage every file under this directory (for packaging and tests); implies no user
                    creation and no systemctl calls
  CARGO_TARGET_DIR  where the build goes (default: target/ in the checkout)

Files:
  PREFIX/bin/frontdesk                    the server
  /etc/systemd/system/frontdesk.service   the unit (replaced on upgrade: customise with `systemctl edit`)
  /etc/frontdesk/frontdesk.env            settings (written once, never overwritten)
  /var/lib/frontdesk                      the data directory (database, backups)

Examples:
  sudo ./install.sh                                     build and install from this checkout
  cargo build --release && sudo ./install.sh --binary target/release/frontdesk
  sudo ./install.sh --uninstall                         remove, keeping data
EOF
}

die() { echo "install.sh: error: $*" >&2; exit 1; }
say() { echo "install.sh: $*"; }

# ---- options ---------------------------------------------------------------------------------------

PREFIX=/usr/local
DESTDIR=${DESTDIR:-}
BINARY=
SYSTEMD=1
UNINSTALL=0
PURGE=0

while (( $# > 0 )); do
    case $1 in
        --binary)     [[ $# -ge 2 ]] || die "--binary needs a path"; BINARY=$2; shift ;;
        --binary=*)   BINARY=${1#*=} ;;
        --prefix)     [[ $# -ge 2 ]] || die "--prefix needs a directory"; PREFIX=$2; shift ;;
        --prefix=*)   PREFIX=${1#*=} ;;
        --no-systemd) SYSTEMD=0 ;;
        --uninstall)  UNINSTALL=1 ;;
        --purge)      PURGE=1 ;;
        -h|--help)    usage; exit 0 ;;
        *)            usage >&2; die "unknown option: $1" ;;
    esac
    shift
done

[[ $PREFIX == /* ]] || die "--prefix must be an absolute path (it is written into the unit): $PREFIX"
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR%/}
(( PURGE == 0 || UNINSTALL == 1 )) || die "--purge deletes all data and only goes with --uninstall"

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1
# Staging into DESTDIR touches nothing of the running system: no user, no systemctl.
LIVE=1
[[ -n $DESTDIR ]] && LIVE=0
(( LIVE == 0 )) && SYSTEMD=0
if (( LIVE == 1 && IS_ROOT == 0 )); then
    die "run as root (sudo ./install.sh), or set DESTDIR to stage the files somewhere else"
fi
# systemctl needs a running systemd (not the case in most containers): say so rather than fail midway.
if (( SYSTEMD == 1 )) && [[ ! -d /run/systemd/system ]]; then
    die "systemd is not running here; use --no-systemd to install the files only"
fi

# The fixed paths. Only the binary moves with --prefix; the rest is where a Debian admin looks for them.
SERVICE_USER=frontdesk
BIN=$PREFIX/bin/frontdesk
DATA_DIR=/var/lib/frontdesk
ENV_FILE=/etc/frontdesk/frontdesk.env
UNIT_FILE=/etc/systemd/system/frontdesk.service

# ---- uninstall -------------------------------------------------------------------------------------

if (( UNINSTALL == 1 )); then
    if (( SYSTEMD == 1 )); then
        systemctl disable --now frontdesk.service 2>/dev/null || true
    fi
    # Remove the binary the unit actually points at (it may have been installed with another --prefix),
    # and the one under this --prefix.
    installed_bin=
    if [[ -f $DESTDIR$UNIT_FILE ]]; then
        installed_bin=$(sed -nE 's/^ExecStart=([^ ]+).*/\1/p' "$DESTDIR$UNIT_FILE" | head -n1)
    fi
    for b in "$installed_bin" "$BIN"; do
        if [[ -n $b && -e $DESTDIR$b ]]; then
            rm -f -- "$DESTDIR$b"
            say "removed $DESTDIR$b"
        fi
    done
    if [[ -e $DESTDIR$UNIT_FILE ]]; then
        rm -f -- "$DESTDIR$UNIT_FILE"
        say "removed $DESTDIR$UNIT_FILE"
    fi
    if (( SYSTEMD == 1 )); then
        systemctl daemon-reload
        systemctl reset-failed frontdesk.service 2>/dev/null || true
    fi
    if (( PURGE == 1 )); then
        rm -rf -- "$DESTDIR$DATA_DIR" "$DESTDIR/etc/frontdesk"
        say "purged $DESTDIR$DATA_DIR and $DESTDIR/etc/frontdesk"
        if (( LIVE == 1 )) && id -u "$SERVICE_USER" >/dev/null 2>&1; then
            userdel "$SERVICE_USER" && say "removed user $SERVICE_USER"
        fi
    else
        say "kept your settings ($DESTDIR$ENV_FILE) and data ($DESTDIR$DATA_DIR); --uninstall --purge deletes them"
    fi
    exit 0
fi

# ---- the binary ------------------------------------------------------------------------------------

checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ -z $BINARY ]]; then
    [[ -f $checkout/Cargo.toml ]] || die "no Cargo.toml next to install.sh: pass --binary PATH"
    # Under sudo, root's PATH has no ~/.cargo/bin: look for the invoking user's toolchain too, and build
    # as that user so target/ does not end up owned by root.
    build_user=
    user_home=$HOME
    if (( IS_ROOT == 1 )) && [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
        build_user=$SUDO_USER
        user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
    fi
    cargo=$(command -v cargo || true)
    [[ -z $cargo && -x $user_home/.cargo/bin/cargo ]] && cargo=$user_home/.cargo/bin/cargo
    [[ -n $cargo ]] || die "cargo not found: install Rust (https://rustup.rs), or build elsewhere and pass --binary PATH"
    # Honour CARGO_TARGET_DIR (relative to where install.sh was started, as cargo would take it), and
    # pass it as --target-dir so the build and the path below agree whatever the environment of the
    # build user.
    target_dir=${CARGO_TARGET_DIR:-$checkout/target}
    [[ $target_dir == /* ]] || target_dir=$PWD/$target_dir
    say "building the release binary (the first build takes a few minutes)"
    # From the checkout: cargo reads .cargo/config.toml (how SQLite is built) from the directory it
    # runs in, not from the manifest's.
    if [[ -n $build_user ]]; then
        (cd "$checkout" && runuser -u "$build_user" -- env HOME="$user_home" PATH="$(dirname "$cargo"):$PATH" \
            "$cargo" build --release --locked --manifest-path "$checkout/Cargo.toml" --target-dir "$target_dir")
    else
        (cd "$checkout" && "$cargo" build --release --locked --manifest-path "$checkout/Cargo.toml" --target-dir "$target_dir")
    fi
    BINARY=$target_dir/release/frontdesk
fi

[[ -f $BINARY && -x $BINARY ]] || die "not an executable file: $BINARY"
# A binary for another CPU (say, built on a PC for a Raspberry Pi) fails here rather than at boot.
# (timeout: a binary too old to know `version` might start serving instead.)
if version=$(timeout 10 "$BINARY" version 2>/dev/null); then
    say "installing $version"
elif (( LIVE == 1 )); then
    die "$BINARY does not run on this machine (\`$BINARY version\` failed): wrong architecture?"
else
    say "warning: \`$BINARY version\` failed; installing it anyway into DESTDIR"
fi

install -d -m 0755 "$DESTDIR$PREFIX/bin"
# Copy then rename: the new file replaces the old one in a single step, and a running server keeps its
# (old, unlinked) binary until restarted instead of failing with "Text file busy".
install -m 0755 "$BINARY" "$DESTDIR$BIN.new"
mv -f -- "$DESTDIR$BIN.new" "$DESTDIR$BIN"
say "installed $DESTDIR$BIN"

# ---- user and data directory -----------------------------------------------------------------------

if (( LIVE == 1 )); then
    if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
        # A system user with no login and no home of its own: it only owns the data directory.
        useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "Frontdesk help desk" "$SERVICE_USER"
        say "created system user $SERVICE_USER"
    fi
    install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
else
    install -d -m 0750 "$DESTDIR$DATA_DIR"
fi

# ---- settings (written once) -----------------------------------------------------------------------

if [[ -e $DESTDIR$ENV_FILE ]]; then
    say "kept your settings in $DESTDIR$ENV_FILE"
else
    install -d -m 0755 "$DESTDIR/etc/frontdesk"
    # 0600 root: systemd reads it before dropping privileges, and it may one day hold secrets.
    ( umask 077; cat >"$DESTDIR$ENV_FILE" <<'EOF'
# Frontdesk settings, read by systemd (EnvironmentFile=) when the service starts.
# install.sh wrote this file once and never overwrites it. After a change:
#   sudo systemctl restart frontdesk
# Every setting also exists as a command-line flag: frontdesk serve --help

# Where to listen. Keep 127.0.0.1 behind a reverse proxy (nginx, Caddy) that terminates TLS;
# use 0.0.0.0:8080 to listen on every interface.
FRONTDESK_ADDR=127.0.0.1:8080

# The database and everything else the server stores. The service may write only here.
FRONTDESK_DATA=/var/lib/frontdesk

# The address people use to reach this server, used in links and the embeddable chat widget.
#FRONTDESK_PUBLIC_URL=https://help.example.com

# The reverse proxy's address (IPs/CIDRs, comma-separated): only it may send X-Forwarded-For /
# X-Forwarded-Proto. Set it when one is in front, or every visitor looks like the proxy.
#FRONTDESK_TRUSTED_PROXIES=127.0.0.1

# Refuse connections beyond this many (each open chat is one connection).
#FRONTDESK_MAX_CONNECTIONS=10000

# error, warn, info, debug or trace
#FRONTDESK_LOG=info
# text or json (one object per line); under systemd each line carries its priority for the journal.
#FRONTDESK_LOG_FORMAT=text
# One log line per request at info (otherwise only at debug).
#FRONTDESK_ACCESS_LOG=true

# Prometheus: a token that reads /metrics as `Authorization: Bearer TOKEN` (openssl rand -hex 32).
#FRONTDESK_METRICS_TOKEN=

# Scheduled backups into /var/lib/frontdesk/backups (listed on Admin -> Data): every N hours, keeping K.
#FRONTDESK_BACKUP_EVERY=24
#FRONTDESK_BACKUP_KEEP=7
EOF
    )
    say "wrote default settings to $DESTDIR$ENV_FILE"
fi

# ---- systemd unit (replaced on every run) ----------------------------------------------------------

install -d -m 0755 "$DESTDIR/etc/systemd/system"
cat >"$DESTDIR$UNIT_FILE.new" <<EOF
# Frontdesk: written by install.sh, replaced on upgrade. Do not edit this file: put local changes in a
# drop-in with \`sudo systemctl edit frontdesk\`, and settings in $ENV_FILE.
[Unit]
Description=Frontdesk live-chat help desk
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
# The default data directory, in case the settings file loses its FRONTDESK_DATA line.
Environment=FRONTDESK_DATA=$DATA_DIR
EnvironmentFile=$ENV_FILE
WorkingDirectory=$DATA_DIR
ExecStart=$BIN serve
Restart=on-failure
RestartSec=2
# The server finishes in-flight requests and closes the database on SIGTERM.
KillSignal=SIGTERM
TimeoutStopSec=15

# One thread and one file descriptor per open connection (chat widgets stay connected): lift the
# default caps of 1024 files and ~4900 tasks.
LimitNOFILE=65536
TasksMax=infinity

# Hardening: the service can write only to its data directory and gains no privileges.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ReadWritePaths=$DATA_DIR
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
# No capabilities: ports below 1024 need a reverse proxy (or a drop-in adding
# AmbientCapabilities=CAP_NET_BIND_SERVICE and CapabilityBoundingSet=CAP_NET_BIND_SERVICE).
CapabilityBoundingSet=
UMask=0027

[Install]
WantedBy=multi-user.target
EOF
mv -f -- "$DESTDIR$UNIT_FILE.new" "$DESTDIR$UNIT_FILE"
chmod 0644 "$DESTDIR$UNIT_FILE"
say "installed $DESTDIR$UNIT_FILE"

# ---- start -----------------------------------------------------------------------------------------

# The address to tell the user: the public URL if set, else the listen address from the settings.
setting() { sed -nE "s/^$1=[\"']?([^\"']*)[\"']?[[:space:]]*$/\\1/p" "$DESTDIR$ENV_FILE" | tail -n1; }
addr=$(setting FRONTDESK_ADDR); addr=${addr:-127.0.0.1:8080}
url=$(setting FRONTDESK_PUBLIC_URL)
if [[ -z $url ]]; then
    host=${addr%:*}
    if [[ $host == 0.0.0.0 || $host == "[::]" ]]; then host=$(hostname 2>/dev/null || echo localhost); fi
    url="http://$host:${addr##*:}"
fi
url=${url%/}

if (( SYSTEMD == 0 )); then
    say "done (systemd left alone). To start: sudo systemctl daemon-reload && sudo systemctl enable --now frontdesk"
    say "then open $url/setup to create the first administrator"
    exit 0
fi

was_active=0
systemctl is-active --quiet frontdesk.service && was_active=1
systemctl daemon-reload
systemctl enable --now frontdesk.service
# enable --now does not restart a running service: an upgrade must, to run the new binary.
if (( was_active == 1 )); then systemctl restart frontdesk.service; fi

# Wait up to ~15 s for /healthz, with bash's /dev/tcp (curl may not be installed). In a child bash, so a
# refused connection is just a failed attempt.
health_host=${addr%:*}
health_host=${health_host//[\[\]]/}
if [[ $health_host == 0.0.0.0 || $health_host == "::" ]]; then health_host=127.0.0.1; fi
healthy=0
for _ in $(seq 1 30); do
    # shellcheck disable=SC2016 # $0 and $1 expand in the child bash
    status_line=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
        printf "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n1 <&3' \
        "$health_host" "${addr##*:}" 2>/dev/null || true)
    if [[ $status_line == *" 200"* ]]; then healthy=1; break; fi
    sleep 0.5
done
if (( healthy == 1 )); then
    say "Frontdesk is running at $url"
else
    say "warning: the service did not answer on $addr yet; see: journalctl -u frontdesk -n 50"
fi
say "next: open $url/setup in a browser to create the first administrator"
