-- Events, partitioned by month of the event's time: retention drops whole partitions.
-- Partitions are created by the server before it writes into a month (PostgresStore).
CREATE TABLE events (
  product         TEXT      NOT NULL,
  message_id      TEXT      NOT NULL,
  type            TEXT      NOT NULL,
  event           TEXT,
  installation_id TEXT,
  cluster_id      TEXT,
  ts              TIMESTAMP NOT NULL,
  received_at     TIMESTAMP NOT NULL,
  version         TEXT,
  os              TEXT,
  arch            TEXT,
  runtime         TEXT,
  library         TEXT,
  properties      JSONB,
  context         JSONB
) PARTITION BY RANGE (ts);

CREATE INDEX events_product_ts ON events (product, ts);

-- The dedup window, shared by every server on this database.
CREATE TABLE message_ids (
  product     TEXT      NOT NULL,
  message_id  TEXT      NOT NULL,
  received_at TIMESTAMP NOT NULL,
  PRIMARY KEY (product, message_id)
);
CREATE INDEX message_ids_received_at ON message_ids (received_at);

CREATE TABLE quarantine (
  id          BIGSERIAL PRIMARY KEY,
  product     TEXT      NOT NULL,
  received_at TIMESTAMP NOT NULL,
  reason      TEXT      NOT NULL,
  raw         TEXT      NOT NULL
);
CREATE INDEX quarantine_product_id ON quarantine (product, id);
