-- The attempt's staged cells become the published set (in the swap's transaction).
INSERT INTO h3.zonal_stats (source_id, resolution, cell, count, sum, mean, min, max, stddev, majority, fractions,
                            coverage, extent, job_id, computed_at)
SELECT %(source_id)s, %(resolution)s, s.cell, s.count, s.sum, s.mean, s.min, s.max, s.stddev, s.majority, s.fractions,
       s.coverage, s.extent, %(job_id)s, now()
FROM h3.zonal_stats_staging s
WHERE s.job_id = %(job_id)s AND s.attempt = %(attempt)s;
