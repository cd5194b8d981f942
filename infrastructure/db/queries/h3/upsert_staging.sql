-- One cell task's rows: written again (not added) when the task is retried. A cell across
-- the antimeridian (west > east) gets its extent as two boxes, one each side.
INSERT INTO h3.zonal_stats_staging (job_id, attempt, cell, count, sum, mean, min, max, stddev, majority, fractions,
                                    coverage, extent)
SELECT %(job_id)s, %(attempt)s, c.cell, c.count, c.sum, c.mean, c.min, c.max, c.stddev, c.majority, c.fractions,
       c.coverage,
       CASE WHEN c.west <= c.east THEN ST_MakeEnvelope(c.west, c.south, c.east, c.north, 4326)
            ELSE ST_Collect(ST_MakeEnvelope(c.west, c.south, 180, c.north, 4326),
                            ST_MakeEnvelope(-180, c.south, c.east, c.north, 4326)) END
FROM unnest(%(cell)s::bigint[], %(count)s::float8[], %(sum)s::float8[], %(mean)s::float8[], %(min)s::float8[],
            %(max)s::float8[], %(stddev)s::float8[], %(majority)s::float8[], %(fractions)s::jsonb[],
            %(coverage)s::float8[], %(west)s::float8[], %(south)s::float8[], %(east)s::float8[], %(north)s::float8[])
     AS c(cell, count, sum, mean, min, max, stddev, majority, fractions, coverage, west, south, east, north)
ON CONFLICT (job_id, attempt, cell) DO UPDATE SET
    count = EXCLUDED.count, sum = EXCLUDED.sum, mean = EXCLUDED.mean, min = EXCLUDED.min, max = EXCLUDED.max,
    stddev = EXCLUDED.stddev, majority = EXCLUDED.majority, fractions = EXCLUDED.fractions,
    coverage = EXCLUDED.coverage, extent = EXCLUDED.extent;
