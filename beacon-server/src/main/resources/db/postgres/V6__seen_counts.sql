-- A seen row keeps the days it had before an upsert moved them (prev_first, prev_last; null on a
-- new row), so that the upsert's RETURNING tells each move exactly; the families the queries count
-- over windows (RollupDelta.COUNTED_SEEN) are counted by first and by last day in rollup_counts
-- (families seen_first and seen_last, sub the seen family). See RollupTable.SEEN; the INSERT below
-- is RollupSql.recountSeen's, for the seen rows kept before this version.
ALTER TABLE rollup_seen ADD COLUMN prev_first DATE, ADD COLUMN prev_last DATE;

INSERT INTO rollup_counts (product, day, scope, family, name, sub, n)
SELECT product, first_day, scope, 'seen_first', name, family, count(*) FROM rollup_seen
WHERE family IN ('installation', 'feature', 'command', 'project') AND first_day IS NOT NULL
GROUP BY product, first_day, scope, name, family
UNION ALL
SELECT product, last_day, scope, 'seen_last', name, family, count(*) FROM rollup_seen
WHERE family IN ('installation', 'feature', 'command', 'project') AND last_day IS NOT NULL
GROUP BY product, last_day, scope, name, family;
