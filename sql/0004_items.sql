-- 0004: tickets and tasks ("items") made from conversations ([S8], [S9]).

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    -- Per-help-desk number shown as #42, shared by tickets and tasks; never reused.
    number       INTEGER NOT NULL UNIQUE,
    kind         TEXT    NOT NULL CHECK (kind IN ('ticket', 'task')),
    title        TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'open', 'in_progress', 'waiting', 'resolved', 'closed')),
    priority     TEXT    NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    requester_id INTEGER REFERENCES customers(id),
    created_by   INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX items_status ON items(status, updated_at);

CREATE TABLE item_assignees (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (item_id, user_id)
) WITHOUT ROWID;
CREATE INDEX item_assignees_user ON item_assignees(user_id);

CREATE TABLE item_followers (
    item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (item_id, user_id)
) WITHOUT ROWID;
CREATE INDEX item_followers_user ON item_followers(user_id);

-- Who changed what, when: created, field changes, links and unlinks.
CREATE TABLE item_activity (
    id        INTEGER PRIMARY KEY,
    item_id   INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    action    TEXT    NOT NULL,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX item_activity_item ON item_activity(item_id, id);

-- A conversation links to at most one item; an item to any number of conversations.
ALTER TABLE conversations ADD COLUMN item_id INTEGER REFERENCES items(id);
CREATE INDEX conversations_item ON conversations(item_id);

CREATE VIRTUAL TABLE items_fts USING fts5(title, description, content = 'items', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
    INSERT INTO items_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER items_fts_au AFTER UPDATE OF title, description ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
    INSERT INTO items_fts(rowid, title, description) VALUES (new.id, new.title, new.description);
END;
CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
    INSERT INTO items_fts(items_fts, rowid, title, description) VALUES ('delete', old.id, old.title, old.description);
END;
