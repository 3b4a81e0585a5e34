-- Each installation's active days as bits, one row per span of 62 days (RollupTable.DAYS, whose
-- columns this must say): the activity and retention views read one or two rows an installation
-- here instead of one a day from rollup_members. Made from rollup_members for the rollups already
-- kept (RollupSql.DAYS_FROM_MEMBERS says the same for DuckDB).
CREATE TABLE rollup_days (
  product TEXT   NOT NULL,
  family  TEXT   NOT NULL,
  scope   TEXT   NOT NULL,
  member  TEXT   NOT NULL,
  span    DATE   NOT NULL,
  days    BIGINT,
  PRIMARY KEY (product, family, scope, member, span)
);

INSERT INTO rollup_days (product, family, scope, member, span, days)
SELECT product, family, scope, member, span, bit_or(CAST(1 AS BIGINT) << CAST(day - span AS INTEGER))
FROM (SELECT product, family, scope, member, day,
             day - CAST((((day - DATE '1970-01-01') % 62) + 62) % 62 AS INTEGER) AS span
      FROM rollup_members WHERE family = 'active') m
GROUP BY product, family, scope, member, span;
