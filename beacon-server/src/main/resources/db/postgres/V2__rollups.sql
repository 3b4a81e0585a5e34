-- Rollups: what the fleet queries read instead of raw events, merged by every write in the
-- transaction that stores the events (see RollupTable, which must name the same columns; a test
-- compares them). Scope is '*' for all versions, or '=' and the version.
CREATE TABLE rollup_counts (
  product TEXT NOT NULL,
  day     DATE NOT NULL,
  scope   TEXT NOT NULL,
  family  TEXT NOT NULL,
  name    TEXT NOT NULL,
  sub     TEXT NOT NULL,
  n       FLOAT8,
  PRIMARY KEY (product, family, scope, day, name, sub)
);

CREATE TABLE rollup_members (
  product TEXT NOT NULL,
  family  TEXT NOT NULL,
  scope   TEXT NOT NULL,
  day     DATE NOT NULL,
  member  TEXT NOT NULL,
  PRIMARY KEY (product, family, scope, day, member)
);

CREATE TABLE rollup_seen (
  product   TEXT NOT NULL,
  family    TEXT NOT NULL,
  scope     TEXT NOT NULL,
  name      TEXT NOT NULL,
  member    TEXT NOT NULL,
  first_day DATE,
  last_day  DATE,
  PRIMARY KEY (product, family, scope, name, member)
);

CREATE TABLE rollup_latest (
  product         TEXT NOT NULL,
  scope           TEXT NOT NULL,
  installation_id TEXT NOT NULL,
  ts              TIMESTAMP,
  os              TEXT,
  arch            TEXT,
  runtime         TEXT,
  cpus            TEXT,
  memory          TEXT,
  edition         TEXT,
  plugins         JSONB,
  features        JSONB,
  properties      JSONB,
  PRIMARY KEY (product, scope, installation_id)
);

CREATE TABLE rollup_installations (
  product         TEXT NOT NULL,
  installation_id TEXT NOT NULL,
  version         TEXT,
  version_ts      TIMESTAMP,
  os              TEXT,
  os_ts           TIMESTAMP,
  PRIMARY KEY (product, installation_id)
);

-- Backfill from raw events (after this upgrade, and on ./beacon rollups rebuild): see RollupBackfill.
CREATE TABLE rollup_state (
  product TEXT PRIMARY KEY,
  horizon TIMESTAMP NOT NULL,
  next_ts TIMESTAMP
);
