-- 0014: the durable outbox (issue 16: mail now, webhooks later) and what email needs around it.

-- One row per thing to deliver. It is inserted by the same transaction as the event that causes it,
-- so a committed event always has its delivery queued, and `cause` (e.g. `continuity:12:7`,
-- `test:<uuid>`, `reset:5`) is unique: one cause is never queued twice, whatever retries happen.
-- The sender thread (desk::outbox) takes due rows (`queued`, `next_at` and `not_before` passed),
-- marks them `sending`, delivers, records the remote answer, then marks them `sent`; a failure
-- puts them back to `queued` with a later `next_at` (exponential backoff) until `failed`. A row
-- left `sending` by a crash is sent again at start with the same payload (and Message-ID):
-- at-least-once, see ARCHITECTURE.md. `dropped`: nothing was left to send when it was due.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT    NOT NULL CHECK (kind IN ('mail', 'webhook')),
    cause       TEXT    NOT NULL UNIQUE,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dropped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    not_before  INTEGER NOT NULL,
    last_error  TEXT    NOT NULL DEFAULT '',
    answer      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER
);
CREATE INDEX outbox_due ON outbox(state, next_at);

-- Secrets the desk makes for itself, once, at first need (the HMAC key of signed links and reply
-- addresses). Never in settings, exports or the audit log.
CREATE TABLE desk_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Continuity mail: replies up to `mailed_seq` have gone out by mail (or are in a mail being sent),
-- so the next mail starts after max(customer_seen_seq, mailed_seq).
ALTER TABLE conversations ADD COLUMN mailed_seq INTEGER NOT NULL DEFAULT 0;
-- The customer clicked "stop these emails".
ALTER TABLE customers ADD COLUMN email_optout INTEGER NOT NULL DEFAULT 0;

-- Replies fetched over IMAP, by Message-ID: a mail fetched twice is one row (and one message).
-- `held`: it came from another address than the conversation's customer; an agent accepts
-- (posted as the customer) or rejects it.
CREATE TABLE inbound_mail (
    id              INTEGER PRIMARY KEY,
    message_id      TEXT    NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    from_addr       TEXT    NOT NULL,
    subject         TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL,
    state           TEXT    NOT NULL CHECK (state IN ('posted', 'held', 'accepted', 'rejected')),
    message_row     INTEGER,
    received_at     INTEGER NOT NULL,
    decided_by      INTEGER REFERENCES users(id)
);
CREATE INDEX inbound_mail_held ON inbound_mail(state, received_at);
