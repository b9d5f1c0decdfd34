-- 0006: let a reconnecting customer's resume read only the events addressed to them.
-- Before, resume scanned the global event order after the client's position and filtered in code; an
-- idle visitor on a busy help desk then looked "far behind" and was told to reload. Now the lag that
-- matters (events this client would receive) is what is counted, and the scan uses an index.

-- The customer an event is for (a live chat's customer, or one customer), if any.
ALTER TABLE events ADD COLUMN customer_id INTEGER;
-- 1 for events every socket receives (help-desk status, settings).
ALTER TABLE events ADD COLUMN everyone INTEGER NOT NULL DEFAULT 0;
UPDATE events SET customer_id = COALESCE(json_extract(audience, '$.customer'), CASE WHEN json_extract(audience, '$.to') = 'customer' THEN json_extract(audience, '$.id') END),
                  everyone = (json_extract(audience, '$.to') = 'everyone');
CREATE INDEX events_customer ON events(customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX events_everyone ON events(id) WHERE everyone = 1;
