-- 0017: API tokens (issue 19).

-- A desk token is not tied to a person, yet a reply needs an author: each one acts as its own user row
-- of kind 'bot' (named after the token, no usable password, never signs in, never listed as a teammate).
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'bot'));

-- Only a SHA-256 of the token is stored (it has 256 random bits: no password hash needed); `prefix` is
-- its first characters, shown in lists so people can tell their tokens apart. `user_id` is who the token
-- acts as: its owner for a personal token, its bot for a desk token.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    last_used_ip TEXT,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
