-- 0022: two of the three indexes that carried `last_message_at` go. Each message moves its
-- conversation's entry in every index on that column (deleted from its old place, written at the
-- end), ~2 of the ~29 pages a chat commit writes per index (scripts/wal_pages.py, BENCHMARKS.md).
-- `conversations_status_age` (status, last_message_at) stays: both sections of the Messenger's list
-- read it in order, "From customers" skipping the few team conversations in its range (EXPLAIN QUERY
-- PLAN over 30,000 conversations: 0.05 ms for 50 rows either way). `kind_status` served only that.
-- A customer's own conversations are few: they are read by `customer_id` and sorted.
DROP INDEX conversations_kind_status;
DROP INDEX conversations_customer;
CREATE INDEX conversations_customer ON conversations(customer_id);
