-- Feeds and their health: one row per watched feed, whether from config.yaml or /feeds add.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT NOT NULL,
    guild_id        INTEGER NOT NULL DEFAULT 0,      -- 0: from config.yaml (all guilds)
    name            TEXT NOT NULL,
    origin          TEXT NOT NULL,                   -- config | sample | guild
    interval_s      REAL NOT NULL,
    backfill        INTEGER NOT NULL DEFAULT 0,
    channel_id      INTEGER,
    paused          INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,      -- 0: no longer in config
    title           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    body_hash       TEXT,
    first_polled_at REAL,
    last_polled_at  REAL,
    last_success_at REAL,
    last_error      TEXT,
    last_error_at   REAL,
    error_count     INTEGER NOT NULL DEFAULT 0,
    next_poll_at    REAL,
    item_count      INTEGER NOT NULL DEFAULT 0,
    created_at      REAL NOT NULL,
    added_by        INTEGER,
    UNIQUE (url, guild_id)
);

-- Entries: one row per story as feeds publish it, deduplicated by a stable key.
CREATE TABLE entries (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    url           TEXT,
    published_at  REAL,
    summary       TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL DEFAULT '',
    page_text     TEXT,
    content_hash  TEXT NOT NULL,
    status        TEXT NOT NULL,                     -- seen | pending | done | skipped
    first_seen_at REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE INDEX entries_status ON entries (status);

-- Which feeds carried an entry: the same story in two feeds is one entry, two sources.
CREATE TABLE entry_sources (
    entry_id   INTEGER NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    feed_id    INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    link       TEXT,
    seen_at    REAL NOT NULL,
    PRIMARY KEY (entry_id, feed_id)
);
CREATE INDEX entry_sources_feed ON entry_sources (feed_id);

-- Events: one real-world exit, told by one or more stories.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL,
    company       TEXT NOT NULL,
    country       TEXT NOT NULL,
    demand        TEXT,
    stage         TEXT NOT NULL,
    first_at      REAL NOT NULL,
    last_at       REAL NOT NULL,
    created_at    REAL NOT NULL
);
CREATE INDEX events_key ON events (key, last_at);
CREATE INDEX events_last ON events (last_at);

-- Stories: the analysis of one entry (relevant or not, so /exits why can explain both).
CREATE TABLE stories (
    id             INTEGER PRIMARY KEY,
    entry_id       INTEGER NOT NULL UNIQUE REFERENCES entries (id) ON DELETE CASCADE,
    event_id       INTEGER REFERENCES events (id) ON DELETE SET NULL,
    relevant       INTEGER NOT NULL,
    score          REAL NOT NULL,
    company        TEXT,
    country        TEXT,
    stage          TEXT,
    demand         TEXT,
    effective_date TEXT,
    quote          TEXT,
    quote_speaker  TEXT,
    summary        TEXT NOT NULL DEFAULT '',
    signals        TEXT NOT NULL DEFAULT '[]',       -- JSON list of {name, weight, sentence}
    sentences      TEXT NOT NULL DEFAULT '[]',       -- JSON list of cleaned sentences
    outlet         TEXT NOT NULL DEFAULT '',
    analysed_at    REAL NOT NULL
);
CREATE INDEX stories_event ON stories (event_id);
CREATE INDEX stories_relevant ON stories (relevant, analysed_at);

-- The timeline of an event: the first story that reached each stage.
CREATE TABLE event_stages (
    event_id  INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    stage     TEXT NOT NULL,
    story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    at        REAL NOT NULL,
    PRIMARY KEY (event_id, stage)
);

-- Full-text search over stories.
CREATE VIRTUAL TABLE stories_fts USING fts5 (
    title, summary, body, company, country,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Outbox: every post or edit is enqueued in the transaction that stored its story, then
-- sent, then marked with the message id, so a crash at any point neither loses nor doubles.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    destination     TEXT NOT NULL,                   -- console | guild:<id>
    kind            TEXT NOT NULL,                   -- post | source | stage
    event_id        INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    story_id        INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    status          TEXT NOT NULL DEFAULT 'pending', -- pending | sending | sent | failed | held
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error      TEXT,
    channel_id      INTEGER,
    message_id      INTEGER,
    created_at      REAL NOT NULL,
    sent_at         REAL,
    UNIQUE (destination, kind, story_id)
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Where an event was posted, per destination, so later sources edit it and stages reply.
CREATE TABLE posts (
    destination TEXT NOT NULL,
    event_id    INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    channel_id  INTEGER,
    message_id  INTEGER,
    thread_id   INTEGER,
    posted_at   REAL NOT NULL,
    flagged     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (destination, event_id)
);

-- Per-guild settings (JSON), overriding the defaults from config.yaml.
CREATE TABLE guild_settings (
    guild_id   INTEGER PRIMARY KEY,
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_at REAL NOT NULL
);

-- Delivery problems per guild (missing permission, deleted channel), shown in /settings show.
CREATE TABLE delivery_problems (
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    problem     TEXT NOT NULL,
    first_at    REAL NOT NULL,
    last_at     REAL NOT NULL,
    reported    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, channel_id)
);

-- Reader feedback ("Not relevant"), kept to improve the analyzer.
CREATE TABLE feedback (
    story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    guild_id  INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    verdict   TEXT NOT NULL,
    at        REAL NOT NULL,
    PRIMARY KEY (story_id, guild_id, user_id)
);

-- Small key/value state (e.g. the hash of the registered command tree).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
