-- Visibility scopes: 0 is shared (every server sees it); a server id is that server's
-- alone (a story only that server's own `/feeds add` feeds carried, and the event such
-- stories form). Events are matched within one scope, so the key index covers it.
-- Rows stored before this migration were shared, and stay so.
ALTER TABLE events ADD COLUMN scope INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stories ADD COLUMN scope INTEGER NOT NULL DEFAULT 0;
DROP INDEX events_key;
CREATE INDEX events_key ON events (key, scope, last_at);
