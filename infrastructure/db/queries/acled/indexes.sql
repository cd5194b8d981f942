-- The target's other indexes (the key and the GIST on geom are the vector move's): id for
-- OGC API paging and item reads, and the columns readers filter on.
CREATE UNIQUE INDEX {id_index} ON {table} (id);
CREATE INDEX {date_index} ON {table} (event_date);
CREATE INDEX {country_index} ON {table} (country);
CREATE INDEX {type_index} ON {table} (event_type);
