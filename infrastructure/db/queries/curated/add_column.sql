-- A column the source gained since the table was created (older rows read NULL).
ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {type};
