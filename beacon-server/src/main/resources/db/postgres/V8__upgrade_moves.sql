-- Upgrade paths counted as they happen (UpgradeMoves): rollup_counts' family 'move' (name: the
-- version moved from, sub: the one moved to, day: the first day of the second) holds how many
-- installations made each move, from each installation's version rows in order of first day, last
-- day, version. The INSERT below is UpgradeMoves.movesFromSeen, for the seen rows kept before
-- this version.
INSERT INTO rollup_counts (product, day, scope, family, name, sub, n)
SELECT product, first_day, '*', 'move', substr(prev, 2), substr(scope, 2), count(*) FROM (
  SELECT product, scope, first_day,
    lag(scope) OVER (PARTITION BY product, member ORDER BY first_day, last_day, scope COLLATE "C")
      AS prev
  FROM rollup_seen
  WHERE family = 'installation' AND name = '' AND scope LIKE '=%' AND scope <> '='
) moves
WHERE prev IS NOT NULL
GROUP BY product, first_day, prev, scope;
