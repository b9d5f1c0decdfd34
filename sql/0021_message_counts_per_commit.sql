-- 0021: messages are counted for reports by the writer, once per group commit and in its
-- transaction (`db::reports::Tally`), instead of by a trigger doing two upserts per message.
DROP TRIGGER message_counts_ai;
