-- 0002: customers, conversations, messages, read state, follows, the durable event order, search.

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    -- SHA-256 of the 128-bit visitor token; the token itself is never stored or shown.
    token_hash    BLOB    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    name_given    INTEGER NOT NULL DEFAULT 0,
    email         TEXT,
    external_id   TEXT    UNIQUE,
    verified      INTEGER NOT NULL DEFAULT 0,
    page_url      TEXT    NOT NULL DEFAULT '',
    referrer      TEXT    NOT NULL DEFAULT '',
    language      TEXT    NOT NULL DEFAULT '',
    user_agent    TEXT    NOT NULL DEFAULT '',
    ip            TEXT    NOT NULL DEFAULT '',
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('live_chat', 'team')),
    status          TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    subject         TEXT    NOT NULL DEFAULT '',
    customer_id     INTEGER REFERENCES customers(id),
    created_by      INTEGER REFERENCES users(id),
    last_seq        INTEGER NOT NULL DEFAULT 0,
    last_message_at INTEGER NOT NULL,
    preview         TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    CHECK ((kind = 'live_chat') = (customer_id IS NOT NULL))
);
-- At most one open live chat per customer: concurrent starts with one token make one conversation.
CREATE UNIQUE INDEX conversations_one_open_chat ON conversations(customer_id) WHERE kind = 'live_chat' AND status = 'open';
CREATE INDEX conversations_customer ON conversations(customer_id, last_message_at);
CREATE INDEX conversations_kind_status ON conversations(kind, status, last_message_at);

-- Agents in a conversation: team members, or agents who took part in a live chat.
CREATE TABLE participants (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    joined_at       INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX participants_user ON participants(user_id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    author_kind     TEXT    NOT NULL CHECK (author_kind IN ('user', 'customer', 'system')),
    author_id       INTEGER,
    body            TEXT    NOT NULL,
    client_msg_id   TEXT,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted_at      INTEGER,
    UNIQUE (conversation_id, seq)
);
-- Idempotent sends: a retried client_msg_id finds the original row.
CREATE UNIQUE INDEX messages_idempotent ON messages(conversation_id, author_kind, author_id, client_msg_id) WHERE client_msg_id IS NOT NULL;

CREATE TABLE message_revisions (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    action     TEXT    NOT NULL CHECK (action IN ('edit', 'delete')),
    old_body   TEXT    NOT NULL,
    by_user    INTEGER REFERENCES users(id),
    at         INTEGER NOT NULL
);
CREATE INDEX message_revisions_message ON message_revisions(message_id);

CREATE TABLE read_state (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    last_read_seq   INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;

CREATE TABLE follows (
    user_id         INTEGER NOT NULL REFERENCES users(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX follows_conversation ON follows(conversation_id);

-- The durable event order: a reconnecting client asks for everything after its last position and
-- gets exactly what it may see (the audience), in order.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    created_at      INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    conversation_id INTEGER,
    audience        TEXT    NOT NULL,
    payload         TEXT    NOT NULL
);

-- Full-text search. Message bodies: external content, kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages WHEN new.author_kind <> 'system' BEGIN
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages WHEN old.author_kind <> 'system' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages WHEN old.author_kind <> 'system' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

-- Conversation-level text (subject, customer name and email); rowid = conversation id, rewritten by
-- the code that changes any of them.
CREATE VIRTUAL TABLE conversations_fts USING fts5(subject, name, email, tokenize = 'unicode61 remove_diacritics 2');
