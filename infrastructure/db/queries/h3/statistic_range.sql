-- The range of one statistic over an aggregation's cells, for a style's colour ramp.
-- column: a statistic name checked against the allowed ones by the caller.
SELECT min(z.{column}) AS low, max(z.{column}) AS high
FROM h3.zonal_stats z
WHERE z.source_id = %(source_id)s AND z.resolution = %(resolution)s;
