DELETE FROM h3.zonal_stats WHERE source_id = %(source_id)s AND resolution = %(resolution)s;
