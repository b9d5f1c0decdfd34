-- 0020: message bodies are indexed for search after the commit that stores them, by the writer in a
-- transaction of its own (`db::search_index`), no longer by a trigger inside every message's commit.
-- `search_index.indexed_upto` says how far the index goes: every message with an id at or below it
-- (system lines aside) is in `messages_fts`, none above it is. A crash between a message's commit
-- and its indexing leaves it above the mark, and the next start indexes it.
CREATE TABLE search_index (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL
);
INSERT INTO search_index (id, indexed_upto) SELECT 1, COALESCE(MAX(id), 0) FROM messages;

-- An insert at or below the mark is indexed at once, as before: only a reused id (the newest message
-- deleted, its id taken again) can be one.
DROP TRIGGER messages_fts_ai;
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages
WHEN new.author_kind <> 'system' AND new.id <= (SELECT indexed_upto FROM search_index WHERE id = 1)
BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
-- Edits and deletes touch the index only for messages already in it (FTS5 must be told exactly what
-- it holds); a message above the mark is indexed later with whatever its body is then.
DROP TRIGGER messages_fts_au;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages
WHEN old.author_kind <> 'system' AND old.id <= (SELECT indexed_upto FROM search_index WHERE id = 1)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
DROP TRIGGER messages_fts_ad;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages
WHEN old.author_kind <> 'system' AND old.id <= (SELECT indexed_upto FROM search_index WHERE id = 1)
BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
