-- The unique index ON CONFLICT needs: one row per key.
CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({keys});
