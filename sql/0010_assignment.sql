-- 0010: assignment and availability (issue 15, part A). A live chat has at most one assignee; while it
-- is open and has none it waits in "Unassigned", oldest `waiting_since` first (NULL: since it was
-- created). Each agent chooses Online or Away (`users.availability`); Offline is having no socket open,
-- which only the running server knows. `assign_rr` holds the round-robin position of auto-assignment
-- (the last agent a chat was handed to), so a restart continues where it stopped.
ALTER TABLE conversations ADD COLUMN assignee_id INTEGER REFERENCES users(id);
ALTER TABLE conversations ADD COLUMN waiting_since INTEGER;
CREATE INDEX conversations_assignee ON conversations(assignee_id, status) WHERE assignee_id IS NOT NULL;
ALTER TABLE users ADD COLUMN availability TEXT NOT NULL DEFAULT 'online' CHECK (availability IN ('online', 'away'));
CREATE TABLE assign_rr (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    last_user_id INTEGER
);
