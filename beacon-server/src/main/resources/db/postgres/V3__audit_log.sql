-- Erasures (and other operations on stored data): when, by whom, how many rows; never an id.
CREATE TABLE audit_log (
  happened_at TIMESTAMP NOT NULL,
  actor       TEXT      NOT NULL,
  action      TEXT      NOT NULL,
  product     TEXT      NOT NULL,
  events      BIGINT    NOT NULL,
  quarantined BIGINT    NOT NULL,
  rollup_rows BIGINT    NOT NULL
);
CREATE INDEX audit_log_happened_at ON audit_log (happened_at);
