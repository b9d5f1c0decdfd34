-- 0016: customer satisfaction and reports (issue 20).

-- One row per closing of a live chat: when the stretch that ended began (created or reopened), when
-- it was closed and reopened, who it is credited to (the assignee at closing, else the agent who
-- closed it), and the satisfaction question asked at closing (`csat_scale` NULL: not asked) with the
-- customer's answer. One rating per closing; a reopen and a new closing make a new row.
CREATE TABLE closings (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    customer_id     INTEGER,
    agent_id        INTEGER REFERENCES users(id),
    closed_by       INTEGER REFERENCES users(id),
    opened_at       INTEGER NOT NULL,
    closed_at       INTEGER NOT NULL,
    reopened_at     INTEGER,
    csat_scale      TEXT CHECK (csat_scale IN ('stars', 'thumbs')),
    -- The question's line in the conversation (what the widget shows and answers).
    csat_message_id INTEGER,
    csat_score      INTEGER,
    csat_comment    TEXT    NOT NULL DEFAULT '',
    csat_rated_at   INTEGER,
    CHECK (csat_score IS NULL OR (csat_scale = 'stars' AND csat_score BETWEEN 1 AND 5) OR (csat_scale = 'thumbs' AND csat_score IN (0, 1)))
);
CREATE INDEX closings_conversation ON closings(conversation_id, id);
-- Reports read a range of closings from the index alone; an agent's from theirs; comments from the few that have one.
CREATE INDEX closings_closed ON closings(closed_at, opened_at, agent_id, csat_scale, csat_score);
CREATE INDEX closings_agent ON closings(agent_id, closed_at);
CREATE INDEX closings_commented ON closings(closed_at) WHERE csat_comment <> '';
CREATE INDEX closings_reopened ON closings(reopened_at) WHERE reopened_at IS NOT NULL;
CREATE INDEX closings_customer ON closings(customer_id, id) WHERE csat_scale IS NOT NULL;

-- First response: the customer's first message and the first agent reply (not a note), kept as they
-- happen so a report over a year reads one row per conversation, not its messages.
ALTER TABLE conversations ADD COLUMN first_customer_at INTEGER;
ALTER TABLE conversations ADD COLUMN first_reply_at INTEGER;
ALTER TABLE conversations ADD COLUMN first_reply_by INTEGER REFERENCES users(id);
CREATE INDEX conversations_started ON conversations(created_at, assignee_id) WHERE kind = 'live_chat';
CREATE INDEX conversations_first_customer ON conversations(first_customer_at, first_reply_at, first_reply_by) WHERE kind = 'live_chat';

-- Messages per day and the busiest hours: what customers and agents wrote in live chats (not notes,
-- not system lines), counted per 15-minute bucket and author (an agent; all customers are author 0) as
-- messages are written. Counting a
-- year of a million messages row by row took the report ~0.5 s of CPU (the benchmark); this table
-- holds at most one row per author and bucket. Retention removes what it deletes (`db::retention`).
CREATE TABLE message_counts (
    bucket      INTEGER NOT NULL,
    author_kind TEXT    NOT NULL,
    author_id   INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (bucket, author_kind, author_id)
) WITHOUT ROWID;
CREATE INDEX message_counts_author ON message_counts(author_id, bucket) WHERE author_kind = 'user';
CREATE TRIGGER message_counts_ai AFTER INSERT ON messages
WHEN new.author_kind IN ('customer', 'user') AND new.note = 0
     AND (SELECT kind FROM conversations WHERE id = new.conversation_id) = 'live_chat'
BEGIN
    INSERT INTO message_counts (bucket, author_kind, author_id, n)
    VALUES (new.created_at / 900000, new.author_kind, CASE WHEN new.author_kind = 'user' THEN coalesce(new.author_id, 0) ELSE 0 END, 1)
    ON CONFLICT (bucket, author_kind, author_id) DO UPDATE SET n = n + 1;
END;
-- A customer's messages in the chats an agent handled, by time (an agent's own report).
CREATE INDEX messages_conversation_time ON messages(conversation_id, created_at) WHERE author_kind = 'customer';

-- What existed before: first messages, replies and closings, from the stored messages.
UPDATE conversations SET
    first_customer_at = (SELECT min(m.created_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.author_kind = 'customer'),
    first_reply_at = (SELECT min(m.created_at) FROM messages m WHERE m.conversation_id = conversations.id AND m.author_kind = 'user' AND m.note = 0)
WHERE kind = 'live_chat';
UPDATE conversations SET first_reply_by = (
    SELECT m.author_id FROM messages m WHERE m.conversation_id = conversations.id AND m.author_kind = 'user' AND m.note = 0
    ORDER BY m.seq LIMIT 1)
WHERE first_reply_at IS NOT NULL;
INSERT INTO message_counts (bucket, author_kind, author_id, n)
SELECT m.created_at / 900000, m.author_kind, CASE WHEN m.author_kind = 'user' THEN coalesce(m.author_id, 0) ELSE 0 END, count(*)
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.author_kind IN ('customer', 'user') AND m.note = 0 AND c.kind = 'live_chat'
GROUP BY 1, 2, 3;
INSERT INTO closings (conversation_id, customer_id, agent_id, opened_at, closed_at, reopened_at)
SELECT m.conversation_id, c.customer_id, c.assignee_id,
       coalesce((SELECT max(r.created_at) FROM messages r WHERE r.conversation_id = m.conversation_id AND r.system_code = 'conversation.reopened' AND r.seq < m.seq), c.created_at),
       m.created_at,
       (SELECT min(r.created_at) FROM messages r WHERE r.conversation_id = m.conversation_id AND r.system_code = 'conversation.reopened' AND r.seq > m.seq)
FROM messages m JOIN conversations c ON c.id = m.conversation_id
WHERE m.system_code = 'conversation.closed' AND c.kind = 'live_chat'
ORDER BY m.id;
