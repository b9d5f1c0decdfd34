-- 0001: accounts, sessions, settings, audit log.
-- Times are Unix milliseconds (INTEGER). Emails compare case-insensitively.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY,
    email            TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name             TEXT    NOT NULL,
    password_hash    TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'agent')),
    customer_support INTEGER NOT NULL DEFAULT 0 CHECK (customer_support IN (0, 1)),
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Per-user preferences (language override, notifications) as a JSON object.
    prefs            TEXT    NOT NULL DEFAULT '{}',
    created_at       INTEGER NOT NULL,
    last_seen_at     INTEGER
);

-- Only a SHA-256 of the token is stored: a copy of the database does not hand out sessions.
CREATE TABLE sessions (
    token_hash   BLOB    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Typed, validated values live in code (settings.rs); this holds only what differs from defaults.
CREATE TABLE settings (
    key        TEXT    PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users(id)
) WITHOUT ROWID;

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    ip         TEXT    NOT NULL DEFAULT '',
    action     TEXT    NOT NULL,
    target     TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '{}'
);
