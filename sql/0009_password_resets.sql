-- 0009: one-time password reset links. An admin (on the Team page) or the command line makes one for
-- a user; whoever opens it sets a new password and every session of that user ends. Like invites, only
-- a SHA-256 of the 128-bit token is stored: the link is shown once, to whoever made it.
CREATE TABLE password_resets (
    id          INTEGER PRIMARY KEY,
    token_hash  BLOB    NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- The admin who made it; NULL when made on the command line.
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    -- Set when a newer link for the same user, a deactivation or a password change cancels it.
    revoked_at  INTEGER
);
CREATE INDEX password_resets_user ON password_resets(user_id);
