-- The published rows mapped to the target columns (the "shaped" subquery: source_id,
-- geom, then one expression per target column); ids continue from first_id in source order.
INSERT INTO {table} (id, geom, {columns})
SELECT %(first_id)s + row_number() OVER (ORDER BY source_id), geom, {columns}
FROM ({shaped}) AS shaped;
