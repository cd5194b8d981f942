-- The newest version read of each event — within the dataset's scope, and not deleted
-- since it was stamped — inserted, or updated where anything changed. A version older
-- than the one held never replaces it (two updates applied out of order).
-- xmax = 0 marks the rows this statement inserted.
WITH latest AS (
    SELECT DISTINCT ON (event_id_cnty) * FROM {staged} ORDER BY event_id_cnty, "timestamp" DESC, id DESC
), incoming AS (
    SELECT l.* FROM latest l
    WHERE l.event_date >= %(start_date)s
      AND (cardinality(%(countries)s::text[]) = 0 OR l.country = ANY (%(countries)s::text[]))
      AND NOT EXISTS (SELECT 1 FROM {deleted} d
                      WHERE d.event_id_cnty = l.event_id_cnty AND d.deleted_timestamp >= l."timestamp")
), upserted AS (
    INSERT INTO {target} AS t ({columns})
    SELECT {columns} FROM incoming
    ON CONFLICT (event_id_cnty) DO UPDATE SET ({columns}) = ({excluded})
    WHERE excluded."timestamp" >= t."timestamp" AND ({current}) IS DISTINCT FROM ({excluded})
    RETURNING (xmax = 0) AS inserted, t.geom, t.event_id_cnty
)
-- What changed, with the extent and the events without a possible position among it.
SELECT count(*) FILTER (WHERE inserted) AS added, count(*) FILTER (WHERE NOT inserted) AS updated,
       count(*) FILTER (WHERE geom IS NULL) AS without_point,
       (array_agg(event_id_cnty ORDER BY event_id_cnty) FILTER (WHERE geom IS NULL))[1:10] AS without_point_sample,
       ST_XMin(ST_Extent(geom)) AS west, ST_YMin(ST_Extent(geom)) AS south,
       ST_XMax(ST_Extent(geom)) AS east, ST_YMax(ST_Extent(geom)) AS north
FROM upserted;
