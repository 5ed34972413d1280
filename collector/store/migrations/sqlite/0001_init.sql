-- Caudal collector schema, SQLite flavour. Keep in step with ../postgres/0001_init.sql:
-- same tables, columns and meaning; times are i64 milliseconds UTC, epochs are the
-- agent's u64 epoch bit-cast to i64. See collector/src/store/mod.rs for the design.

CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL
);

CREATE TABLE variables (
    id          INTEGER PRIMARY KEY,   -- wire order of caudal_protocol::Variable
    name        TEXT NOT NULL UNIQUE,
    unit        TEXT NOT NULL
);
INSERT INTO variables (id, name, unit) VALUES
    (0, 'flow', 'l/s'), (1, 'total', 'm3'), (2, 'level', 'm'), (3, 'pulses', 'm3'),
    (4, 'temperature', 'degC'), (5, 'pressure', 'bar'), (6, 'ph', 'pH'),
    (7, 'conductivity', 'uS/cm'), (8, 'turbidity', 'NTU'), (9, 'pump_state', '1'),
    (10, 'motor_current', 'A'), (11, 'run_hours', 'h'), (12, 'starts', '1');

CREATE TABLE points (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT CHECK (kind IN ('well', 'river', 'lake', 'reservoir', 'spring', 'drain')),
    site_id     INTEGER REFERENCES sites (id),
    latitude    REAL,
    longitude   REAL,
    dga_code    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('unregistered', 'active', 'inactive')),
    created_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL
);

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    agent_id       TEXT NOT NULL UNIQUE,
    epoch          INTEGER,            -- epoch of the latest session
    software       TEXT,
    config_digest  TEXT,
    clock_skew_ms  INTEGER,
    first_seen_ms  INTEGER NOT NULL,
    last_seen_ms   INTEGER NOT NULL
);

-- Idempotency ledger: everything of (agent, epoch) up to contiguous_seq is stored,
-- plus the disjoint, non-adjacent ranges in seq_ranges (all above contiguous_seq + 1).
CREATE TABLE agent_epochs (
    agent           INTEGER NOT NULL REFERENCES agents (id),
    epoch           INTEGER NOT NULL,
    contiguous_seq  INTEGER NOT NULL DEFAULT 0,
    readings        INTEGER NOT NULL DEFAULT 0,
    first_seen_ms   INTEGER NOT NULL,
    last_write_ms   INTEGER,
    PRIMARY KEY (agent, epoch)
);

CREATE TABLE seq_ranges (
    agent       INTEGER NOT NULL,
    epoch       INTEGER NOT NULL,
    first_seq   INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    PRIMARY KEY (agent, epoch, first_seq)
) WITHOUT ROWID;

CREATE TABLE channels (
    agent        INTEGER NOT NULL REFERENCES agents (id),
    epoch        INTEGER NOT NULL,
    channel      INTEGER NOT NULL,
    point_id     INTEGER NOT NULL REFERENCES points (id),
    variable_id  INTEGER NOT NULL REFERENCES variables (id),
    unit         TEXT NOT NULL,
    counter      BOOLEAN NOT NULL,
    regulated    BOOLEAN NOT NULL,
    PRIMARY KEY (agent, epoch, channel)
);

-- Clustered by series and time: the series query is a range scan of the key.
-- (agent, epoch, seq) is unique through the ledger, not through an index.
CREATE TABLE readings (
    point_id      INTEGER NOT NULL,
    variable_id   INTEGER NOT NULL,
    time_ms       INTEGER NOT NULL,
    agent         INTEGER NOT NULL,
    epoch         INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    value         REAL,                -- NULL for NaN
    raw           INTEGER NOT NULL,
    total_pulses  INTEGER,
    quality       TEXT NOT NULL,
    PRIMARY KEY (point_id, variable_id, time_ms, agent, epoch, seq)
) WITHOUT ROWID;

CREATE TABLE latest (
    point_id     INTEGER NOT NULL,
    variable_id  INTEGER NOT NULL,
    time_ms      INTEGER NOT NULL,
    value        REAL,
    raw          INTEGER NOT NULL,
    quality      TEXT NOT NULL,
    PRIMARY KEY (point_id, variable_id)
) WITHOUT ROWID;

-- period is the bucket width in ms: 3600000 (hour) or 86400000 (day), UTC.
CREATE TABLE aggregates (
    point_id      INTEGER NOT NULL,
    variable_id   INTEGER NOT NULL,
    period        INTEGER NOT NULL,
    bucket_ms     INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    sum           REAL NOT NULL,
    min           REAL NOT NULL,
    max           REAL NOT NULL,
    last_time_ms  INTEGER NOT NULL,
    last_value    REAL NOT NULL,
    increase      REAL,                -- counters only, see store/aggregate.rs
    PRIMARY KEY (point_id, variable_id, period, bucket_ms)
) WITHOUT ROWID;

CREATE TABLE counter_buckets (
    point_id     INTEGER NOT NULL,
    variable_id  INTEGER NOT NULL,
    period       INTEGER NOT NULL,
    agent        INTEGER NOT NULL,
    epoch        INTEGER NOT NULL,
    bucket_ms    INTEGER NOT NULL,
    max_total    REAL NOT NULL,
    PRIMARY KEY (point_id, variable_id, period, agent, epoch, bucket_ms)
) WITHOUT ROWID;
CREATE INDEX counter_buckets_by_bucket ON counter_buckets (point_id, variable_id, period, bucket_ms);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'technician', 'operator', 'guest')),
    created_ms  INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,  -- hex SHA-256 of the token, see auth/mod.rs
    created_ms  INTEGER NOT NULL
);
