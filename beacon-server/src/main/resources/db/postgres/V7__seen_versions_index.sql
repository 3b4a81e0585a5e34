-- Upgrade paths (FleetTrends.upgrades) read each installation's version rows in the order of
-- their first day: this index holds them in that order (an index-only scan, no sort of every
-- installation's rows), and only them (the installation family, one version each).
CREATE INDEX rollup_seen_versions ON rollup_seen (product, member, first_day, last_day, scope)
WHERE family = 'installation' AND name = '' AND scope LIKE '=%' AND scope <> '=';
