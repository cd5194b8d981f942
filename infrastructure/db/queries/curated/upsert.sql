-- Rows with a new key are inserted; rows whose key exists are updated where anything
-- changed (xmax = 0 marks the rows this statement inserted). A key the source repeats
-- keeps its last row. The "shaped" subquery maps the published rows to the target columns.
WITH incoming AS (
    SELECT DISTINCT ON ({keys}) * FROM ({shaped}) AS shaped ORDER BY {keys}, source_id DESC
),
upserted AS (
    INSERT INTO {table} AS t (id, geom, {columns})
    SELECT %(first_id)s + row_number() OVER (ORDER BY source_id), geom, {columns} FROM incoming
    ON CONFLICT ({keys}) DO UPDATE SET (geom, {columns}) = (excluded.geom, {excluded})
    WHERE (t.geom, {current}) IS DISTINCT FROM (excluded.geom, {excluded})
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS added, count(*) FILTER (WHERE NOT inserted) AS updated
FROM upserted;
