-- 0011: private notes and @mentions (issue 15, part B).
--
-- A note is a message only the desk sees: it gets a seq, is replayed, edited and deleted like any
-- message, and never reaches a customer (desk::customer drops it; customers' reads leave it out in
-- SQL, so their pages stay full). The flag stays in the model for every later reader (email,
-- exports) to filter on.
ALTER TABLE messages ADD COLUMN note INTEGER NOT NULL DEFAULT 0;

-- Who a note or team-chat message mentions: only users who may see the conversation (checked by
-- desk::mentions when the message is posted). `seq` is the message's, so "mentioned after my read
-- mark" is one range of the index.
CREATE TABLE mentions (
    message_id      INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    by_user         INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (message_id, user_id)
) WITHOUT ROWID;
CREATE INDEX mentions_user ON mentions(user_id, conversation_id, seq);
