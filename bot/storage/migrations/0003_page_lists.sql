-- The public lists' page buttons (`/exits latest|search|company|country`): the command,
-- its arguments (JSON) and the member who ran it, under the number the buttons carry, so
-- a page can be rebuilt after a restart. A search query does not fit in a custom id.
-- AUTOINCREMENT: a number is never reused, so an old message's buttons cannot reach a
-- newer list. Rows past `expires_at` are refused on read and deleted by retention.
CREATE TABLE page_lists (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    args TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX page_lists_expiry ON page_lists (expires_at);
