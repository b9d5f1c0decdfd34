-- 0008: system lines ("Closed by Ana") are stored as a code with parameters, so each reader sees them
-- in their own language and customers see only the neutral ones (closed, reopened). `body` keeps the
-- English text for search, exports and older clients.
ALTER TABLE messages ADD COLUMN system_code TEXT;
ALTER TABLE messages ADD COLUMN system_params TEXT;
UPDATE messages SET system_code = 'conversation.closed', system_params = json_object('by', substr(body, 11))
    WHERE author_kind = 'system' AND body LIKE 'Closed by %';
UPDATE messages SET system_code = 'conversation.reopened', system_params = json_object('by', substr(body, 13))
    WHERE author_kind = 'system' AND body LIKE 'Reopened by %';
-- Lines about tickets and tasks written before codes existed: agents see their text, customers nothing.
UPDATE messages SET system_code = 'item.legacy', system_params = '{}' WHERE author_kind = 'system' AND system_code IS NULL;
