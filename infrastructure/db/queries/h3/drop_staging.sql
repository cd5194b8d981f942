DELETE FROM h3.zonal_stats_staging WHERE job_id = %(job_id)s;
