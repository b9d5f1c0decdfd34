-- 0012: saved replies (canned responses). A reply is shared (owner_id NULL: admins manage it, every
-- agent uses it) or personal (its owner's alone). The shortcut is unique per scope: among shared
-- replies, and among one agent's own; a personal shortcut may repeat a shared one. Portuguese
-- variants are optional ('' = use the English text).
CREATE TABLE saved_replies (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER REFERENCES users(id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    shortcut   TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    title_pt   TEXT    NOT NULL DEFAULT '',
    body_pt    TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX saved_replies_shortcut ON saved_replies (COALESCE(owner_id, 0), shortcut);
