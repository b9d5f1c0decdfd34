-- 0003: the widget: more than one device per verified customer. (Rate limits live in memory.)

-- Extra visitor tokens: a verified customer (identity verification) signed in on another device gets a
-- token of their own here; `customers.token_hash` stays the first device's.
CREATE TABLE customer_tokens (
    token_hash  BLOB    PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX customer_tokens_customer ON customer_tokens(customer_id);


-- Open conversations per address (the cap on open chats from one address).
CREATE INDEX customers_ip ON customers(ip);
