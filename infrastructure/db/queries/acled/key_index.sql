-- The key, built under the staging index name the vector move turns into the primary key.
CREATE UNIQUE INDEX {index} ON {table} (event_id_cnty);
