-- 0005: admin pages: one-time invite links, and an index to page through the audit log.

-- An invite is a sign-up link for one person. Only a SHA-256 of its 128-bit token is stored; the
-- link itself is shown once, to the admin who made it.
CREATE TABLE invites (
    id               INTEGER PRIMARY KEY,
    token_hash       BLOB    NOT NULL UNIQUE,
    email            TEXT    NOT NULL COLLATE NOCASE,
    role             TEXT    NOT NULL CHECK (role IN ('admin', 'agent')),
    customer_support INTEGER NOT NULL DEFAULT 0 CHECK (customer_support IN (0, 1)),
    created_by       INTEGER REFERENCES users(id),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    used_by          INTEGER REFERENCES users(id),
    revoked_at       INTEGER
);
CREATE INDEX invites_email ON invites(email);

-- Retention deletes closed live chats by age.
CREATE INDEX IF NOT EXISTS conversations_status_age ON conversations(status, last_message_at);
