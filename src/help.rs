//! The command line's help texts: the whole of it, and each command's own.

pub const HELP: &str = "\
frontdesk - a self-hosted live-chat help desk in one binary

USAGE:
    frontdesk [serve] [OPTIONS]        run the server (the default)
    frontdesk admin create --email E --name N [OPTIONS]
                                       create an admin; the password is read from stdin
    frontdesk admin reset-password --email E [OPTIONS]
                                       print a one-time password reset link for E (safe while running)
    frontdesk backup FILE [OPTIONS]    write a consistent copy of the database (safe while running)
    frontdesk restore FILE --yes [OPTIONS]
                                       replace the database with FILE (refused while a server runs;
                                       without --yes it only says what it would replace)
    frontdesk check [FILE] [OPTIONS]   integrity check, schema version and contents of the database
                                       (or of the backup FILE)
    frontdesk health [OPTIONS]         ask the server at --addr for /readyz; exit 0 when ready
    frontdesk version | --version | -V print the version, commit and build date
    frontdesk help | --help | -h       print this help; `frontdesk COMMAND --help` for one command

OPTIONS (each also read from the environment variable shown):
    --addr HOST:PORT        FRONTDESK_ADDR         listen address [default: 127.0.0.1:8080]; port 0 picks a free port
    --data DIR              FRONTDESK_DATA         data directory [default: ./frontdesk-data]
    --public-url URL        FRONTDESK_PUBLIC_URL   URL users reach us at [default: http://<addr>]
    --trusted-proxies LIST  FRONTDESK_TRUSTED_PROXIES  comma-separated IPs/CIDRs of your reverse proxies
                            (e.g. 127.0.0.1 or 10.0.0.0/8,::1); only their X-Forwarded-For/-Proto count,
                            and the client is the right-most X-Forwarded-For entry not in LIST [default: none]
    --trust-proxy           FRONTDESK_TRUST_PROXY  same as --trusted-proxies 127.0.0.0/8,::1 (a proxy on this host)
    --max-connections N     FRONTDESK_MAX_CONNECTIONS  concurrent connection cap [default: 10000]; lowered
                            at start to what the process can hold (descriptors, memory mappings, threads)
    --max-backlog-memory MIB  FRONTDESK_MAX_BACKLOG_MEMORY  memory all sockets' unsent events may take
                            together [default: 64]; when spent, the readers furthest behind are cut
                            (close code 1013) and resume when they reconnect
    --log-level LEVEL       FRONTDESK_LOG          error, warn, info, debug or trace [default: info]
    --head-timeout SECS     FRONTDESK_HEAD_TIMEOUT seconds allowed to receive a request head [default: 10]
    --synchronous MODE      FRONTDESK_SYNCHRONOUS  full (durable, default) or normal
    --rate-limits on|off    FRONTDESK_RATE_LIMITS  widget rate limits [default: on]; off only for load tests
    --metrics-token TOKEN   FRONTDESK_METRICS_TOKEN  lets `Authorization: Bearer TOKEN` read /metrics
                            (Prometheus); at least 16 characters [default: none: admins' sessions only]
    --min-free-disk MIB     FRONTDESK_MIN_FREE_DISK  /readyz fails below this free space [default: 64]
    --log-format FORMAT     FRONTDESK_LOG_FORMAT   text or json (one object per line) [default: text]
    --access-log            FRONTDESK_ACCESS_LOG   one line per request at info (else only at debug)
    --backup-every HOURS    FRONTDESK_BACKUP_EVERY scheduled backups every HOURS [default: 0, off]
    --backup-keep N         FRONTDESK_BACKUP_KEEP  scheduled backups kept [default: 7]
    --backup-dir DIR        FRONTDESK_BACKUP_DIR   where they go [default: DATA/backups]

Email (environment only; they win over Admin → Email and lock it):
    FRONTDESK_SMTP_URL          smtps://USER:PASSWORD@HOST:PORT?from=ADDR&name=NAME (smtp:// STARTTLS,
                                smtp+insecure:// none): the server mails go out through
    FRONTDESK_IMAP_URL          imaps://USER:PASSWORD@HOST:PORT?folder=INBOX: the mailbox replies come to
    FRONTDESK_IMAP_POLL_SECS    how often the mailbox is checked [default: 60]
    FRONTDESK_EMAIL_DELAY_SECS  how long a reply may stay unseen before it is mailed [default: the admin's, 2 min]

The server prints `listening on http://HOST:PORT` as its first line on stdout.
";

/// One command's usage, for `frontdesk COMMAND --help`.
pub fn command_help(cmd: &str) -> &'static str {
    match cmd {
        "backup" => {
            "\
frontdesk backup FILE [--data DIR]
    Write a consistent copy of the database to FILE (readable by its owner only), safe while the
    server runs (SQLite's online backup). DIR is the data directory [default: ./frontdesk-data;
    FRONTDESK_DATA]; refused when DIR holds no Frontdesk database.
"
        }
        "restore" => {
            "\
frontdesk restore FILE [--yes] [--data DIR]
    Replace the database in DIR with FILE, a backup. Refused while a server runs on DIR (stop it
    first) and for a FILE that is not a Frontdesk database. Says what it replaces (schema version,
    users, conversations, messages); without --yes nothing changes. The replaced database is kept
    beside it as frontdesk.db.before-restore-TIME. Run as root, the files keep DIR's owner.
"
        }
        "check" => {
            "\
frontdesk check [FILE] [--data DIR]
    Run SQLite's integrity check on the database in DIR (or on FILE, a backup) and print its schema
    version and what it holds. Refuses a directory or file without a Frontdesk database.
"
        }
        "health" => {
            "\
frontdesk health [--addr HOST:PORT]
    Ask the server at HOST:PORT [FRONTDESK_ADDR] for /readyz: exit 0 when it is ready (the database
    takes writes, the disk has room), else print why and exit 1. The container's HEALTHCHECK.
"
        }
        "admin reset-password" => {
            "\
frontdesk admin reset-password --email E [--data DIR] [--public-url URL]
    Print a one-time password reset link for the account with email E: for an admin who is locked
    out, or a desk with one admin. Whoever opens it sets a new password, and every session of E
    ends. It works once, for 24 hours; an earlier link for E stops working. Safe while the server
    runs. With a public URL [FRONTDESK_PUBLIC_URL] it prints the whole link, else the path to open
    at the address you reach Frontdesk at. Admins make these links on the Team page too.
"
        }
        _ => {
            "\
frontdesk admin create --email E --name N [--data DIR]
    Create an admin without the setup page; the password is read from stdin (one line). The data
    directory is created if it does not exist yet.
"
        }
    }
}
