-- The collection's extent recomputed from its items (pgSTAC's own aggregate).
WITH extent AS (SELECT pgstac.collection_extent(%(collection_id)s, true) AS value)
UPDATE pgstac.collections c
SET content = jsonb_set(c.content, '{extent}', extent.value)
FROM extent
WHERE c.id = %(collection_id)s AND extent.value IS NOT NULL;
