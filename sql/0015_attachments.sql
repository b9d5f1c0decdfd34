-- 0015: files attached to messages (issue 17). The bytes live in the data directory's files/
-- folder, named by their SHA-256 (files/ab/cdef…); these rows are the references. A file on disk
-- that no row names is swept by maintenance after a grace period (ARCHITECTURE.md, "Files").

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    -- The unguessable id in /files/KEY (128 random bits, hex): never the row id.
    key           TEXT    NOT NULL UNIQUE,
    uploader_kind TEXT    NOT NULL CHECK (uploader_kind IN ('user', 'customer')),
    uploader_id   INTEGER NOT NULL,
    -- The client's idempotency key for the upload: a retried upload finds this row.
    upload_id     TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    -- Decided from the bytes, never from the name or the browser.
    mime          TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    sha256        TEXT    NOT NULL,
    width         INTEGER,
    height        INTEGER,
    thumb_sha256  TEXT,
    -- Set once, when the upload is sent with a message; NULL until then. A message's deletion
    -- (retention, a deleted conversation) takes its attachments with it.
    message_id    INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (uploader_kind, uploader_id, upload_id)
);
CREATE INDEX attachments_message ON attachments(message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_unsent ON attachments(created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_sha ON attachments(sha256);
CREATE INDEX attachments_thumb ON attachments(thumb_sha256) WHERE thumb_sha256 IS NOT NULL;
