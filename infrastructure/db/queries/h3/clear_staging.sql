-- Rows an earlier attempt of the job left (a new attempt starts from nothing).
DELETE FROM h3.zonal_stats_staging WHERE job_id = %(job_id)s AND attempt <> %(attempt)s;
