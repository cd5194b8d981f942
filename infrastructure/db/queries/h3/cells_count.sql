SELECT count(*) AS matched
FROM h3.zonal_stats z
WHERE z.source_id = %(source_id)s AND z.resolution = %(resolution)s AND ({where});
