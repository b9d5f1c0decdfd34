-- 0007: the visitor's time zone (IANA name from the browser), so agents see the customer's local time.
ALTER TABLE customers ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
