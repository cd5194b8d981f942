CREATE INDEX IF NOT EXISTS {index} ON {table} USING gist (geom);
