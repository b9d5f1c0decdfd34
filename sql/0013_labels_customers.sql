-- 0013: labels on conversations, and the customer record agents keep (issue 15, part D).

-- Labels an admin defines. `name_key` is the name folded to lower case (Unicode, by the code that
-- writes it): names are unique whatever their case, and `label:NAME` in search finds them by it.
CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    color       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL
);

-- Which labels a conversation carries. Deleting a label takes it off every conversation.
CREATE TABLE conversation_labels (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    label_id        INTEGER NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
    added_by        INTEGER REFERENCES users(id),
    added_at        INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, label_id)
) WITHOUT ROWID;
-- Lists filtered by a label, and `label:NAME` searches, start from the label.
CREATE INDEX conversation_labels_label ON conversation_labels(label_id, conversation_id);

-- What agents keep about a customer besides what the widget reports.
ALTER TABLE customers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN note TEXT NOT NULL DEFAULT '';

-- How far the customer has read their conversation (the widget reports it while the chat is open
-- and in view): agents see "Seen" under their messages up to here.
ALTER TABLE conversations ADD COLUMN customer_seen_seq INTEGER NOT NULL DEFAULT 0;
