-- where: the bbox filter (none, one envelope, or two across the antimeridian) or one cell.
SELECT z.cell, z.count, z.sum, z.mean, z.min, z.max, z.stddev, z.majority, z.fractions, z.coverage, z.computed_at
FROM h3.zonal_stats z
WHERE z.source_id = %(source_id)s AND z.resolution = %(resolution)s AND ({where})
ORDER BY z.cell
LIMIT %(limit)s OFFSET %(offset)s;
