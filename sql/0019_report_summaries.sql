-- 0019: summaries for reports over a year (issue 20). The benchmark's year (100,000 chats, 1,000,000
-- messages) spent most of an admin's report counting starts and messages per 15-minute bucket (188,000
-- `message_counts` rows: one per author and bucket) and finding who handled each chat (a `participants`
-- probe and an assignee check per conversation). Both are now kept as they change, in the writer's
-- transaction, by triggers; retention removes what it deletes (`db::reports::uncount` and the cascade).

-- Per 15-minute bucket: live chats started, and what customers and agents wrote in live chats (not
-- notes, not system lines). One row per bucket whatever the traffic: at most 35,040 a year.
CREATE TABLE report_buckets (
    bucket            INTEGER PRIMARY KEY,
    started           INTEGER NOT NULL DEFAULT 0,
    customer_messages INTEGER NOT NULL DEFAULT 0,
    agent_messages    INTEGER NOT NULL DEFAULT 0
);

-- Who handled each live chat: its participants and its assignee (the reports' "handled"), with the
-- chat's start, so an agent's chats in a range come from one index.
CREATE TABLE report_handlers (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL,
    started_at      INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;
CREATE INDEX report_handlers_user ON report_handlers(user_id, started_at);

CREATE TRIGGER report_conversation_ai AFTER INSERT ON conversations WHEN new.kind = 'live_chat'
BEGIN
    INSERT INTO report_buckets (bucket, started) VALUES (new.created_at / 900000, 1)
    ON CONFLICT (bucket) DO UPDATE SET started = started + 1;
    INSERT OR IGNORE INTO report_handlers (conversation_id, user_id, started_at)
    SELECT new.id, new.assignee_id, new.created_at WHERE new.assignee_id IS NOT NULL;
END;
CREATE TRIGGER report_assignee_au AFTER UPDATE OF assignee_id ON conversations
WHEN new.kind = 'live_chat' AND new.assignee_id IS NOT old.assignee_id
BEGIN
    DELETE FROM report_handlers WHERE conversation_id = old.id AND user_id = old.assignee_id
        AND NOT EXISTS (SELECT 1 FROM participants WHERE conversation_id = old.id AND user_id = old.assignee_id);
    INSERT OR IGNORE INTO report_handlers (conversation_id, user_id, started_at)
    SELECT new.id, new.assignee_id, new.created_at WHERE new.assignee_id IS NOT NULL;
END;
CREATE TRIGGER report_participant_ai AFTER INSERT ON participants
BEGIN
    INSERT OR IGNORE INTO report_handlers (conversation_id, user_id, started_at)
    SELECT id, new.user_id, created_at FROM conversations WHERE id = new.conversation_id AND kind = 'live_chat';
END;
CREATE TRIGGER report_participant_ad AFTER DELETE ON participants
BEGIN
    DELETE FROM report_handlers WHERE conversation_id = old.conversation_id AND user_id = old.user_id
        AND old.user_id IS NOT (SELECT assignee_id FROM conversations WHERE id = old.conversation_id);
END;

-- Messages count per author (an agent's own) and per bucket (everyone) in the same trigger, so the
-- chat's kind is looked up once per message.
DROP TRIGGER message_counts_ai;
CREATE TRIGGER message_counts_ai AFTER INSERT ON messages
WHEN new.author_kind IN ('customer', 'user') AND new.note = 0
     AND (SELECT kind FROM conversations WHERE id = new.conversation_id) = 'live_chat'
BEGIN
    INSERT INTO message_counts (bucket, author_kind, author_id, n)
    VALUES (new.created_at / 900000, new.author_kind, CASE WHEN new.author_kind = 'user' THEN coalesce(new.author_id, 0) ELSE 0 END, 1)
    ON CONFLICT (bucket, author_kind, author_id) DO UPDATE SET n = n + 1;
    INSERT INTO report_buckets (bucket, customer_messages, agent_messages)
    VALUES (new.created_at / 900000, new.author_kind = 'customer', new.author_kind = 'user')
    ON CONFLICT (bucket) DO UPDATE SET customer_messages = customer_messages + excluded.customer_messages,
                                       agent_messages = agent_messages + excluded.agent_messages;
END;

-- An agent's first responses from their own index (the year's 100,000 otherwise, filtered).
CREATE INDEX conversations_first_reply_by ON conversations(first_reply_by, first_customer_at, first_reply_at)
WHERE kind = 'live_chat' AND first_reply_by IS NOT NULL;

-- The latest comments: chosen from the index alone (a year's ~10,000 commented closings were each
-- read from the table before the newest ten were kept).
DROP INDEX closings_commented;
CREATE INDEX closings_commented ON closings(closed_at, csat_rated_at, csat_score, agent_id) WHERE csat_comment <> '';

-- What existed before.
INSERT INTO report_buckets (bucket, started)
SELECT created_at / 900000, count(*) FROM conversations WHERE kind = 'live_chat' GROUP BY 1;
INSERT INTO report_buckets (bucket, customer_messages, agent_messages)
SELECT bucket, sum(CASE WHEN author_kind = 'customer' THEN n ELSE 0 END), sum(CASE WHEN author_kind = 'user' THEN n ELSE 0 END)
FROM message_counts WHERE true GROUP BY bucket
ON CONFLICT (bucket) DO UPDATE SET customer_messages = excluded.customer_messages, agent_messages = excluded.agent_messages;
INSERT OR IGNORE INTO report_handlers (conversation_id, user_id, started_at)
SELECT p.conversation_id, p.user_id, c.created_at FROM participants p JOIN conversations c ON c.id = p.conversation_id WHERE c.kind = 'live_chat';
INSERT OR IGNORE INTO report_handlers (conversation_id, user_id, started_at)
SELECT id, assignee_id, created_at FROM conversations WHERE kind = 'live_chat' AND assignee_id IS NOT NULL;
