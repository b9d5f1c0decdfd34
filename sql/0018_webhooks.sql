-- 0018: signed webhooks (issue 19, part B) on the durable outbox of 0014.

-- Endpoints admins add. `secret` signs every delivery (HMAC-SHA256): shown once when made or
-- rotated, never returned again, never exported or audited. `events` is a JSON array of event
-- names. `internal`: the endpoint may receive private notes and team conversations.
-- `failure_streak` counts failed attempts since the last 2xx (pings excepted) and `failing_since`
-- is when the streak began; past the limit (desk::webhooks) the endpoint is disabled with a reason.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY,
    url              TEXT    NOT NULL,
    events           TEXT    NOT NULL DEFAULT '[]',
    enabled          INTEGER NOT NULL DEFAULT 1,
    internal         INTEGER NOT NULL DEFAULT 0,
    description      TEXT    NOT NULL DEFAULT '',
    secret           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    failure_streak   INTEGER NOT NULL DEFAULT 0,
    failing_since    INTEGER,
    disabled_reason  TEXT    NOT NULL DEFAULT '',
    last_attempt_at  INTEGER,
    last_status      INTEGER
);

-- A webhook row of the outbox names its endpoint and what it must stay in order with
-- (`conversation:<id>`, `item:<id>`, `customer:<id>`; NULL for a ping): a delivery is not due while
-- an earlier one for the same endpoint and key is still queued or being sent.
ALTER TABLE outbox ADD COLUMN endpoint_id INTEGER;
ALTER TABLE outbox ADD COLUMN order_key TEXT;
CREATE INDEX outbox_webhook_order ON outbox(endpoint_id, order_key, id) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_kind_due ON outbox(kind, state, next_at);

-- The delivery log: one row per attempt (status code or NULL when there was no answer, duration,
-- the first KiB of the answer, our error). Kept 30 days and at most the latest 1,000 per endpoint.
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    endpoint_id  INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id    INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    event        TEXT    NOT NULL,
    delivery     TEXT    NOT NULL,
    at           INTEGER NOT NULL,
    status       INTEGER,
    duration_ms  INTEGER NOT NULL,
    excerpt      TEXT    NOT NULL DEFAULT '',
    error        TEXT    NOT NULL DEFAULT '',
    ok           INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, id);
CREATE INDEX webhook_attempts_outbox ON webhook_attempts(outbox_id);
CREATE INDEX webhook_attempts_at ON webhook_attempts(at);
