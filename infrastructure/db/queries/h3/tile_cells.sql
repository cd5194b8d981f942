-- The cells of one aggregation a map tile may draw. where: one envelope, or two when the
-- search box reaches across the antimeridian; `extent` is indexed (gist).
SELECT z.cell, z.count, z.sum, z.mean, z.min, z.max, z.stddev, z.majority, z.coverage
FROM h3.zonal_stats z
WHERE z.source_id = %(source_id)s AND z.resolution = %(resolution)s AND ({where});
