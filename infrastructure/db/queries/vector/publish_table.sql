-- Inside one transaction: the old table (if any) goes, the staging table takes its place.
-- A reader blocked on the old table's lock sees the new table once this commits.
DROP TABLE IF EXISTS {final};
ALTER INDEX {staging_pk_index} RENAME TO {pk_index_name};
ALTER INDEX {staging_spatial_index} RENAME TO {spatial_index_name};
ALTER TABLE {staging} RENAME TO {final_name};
ALTER TABLE {renamed} SET SCHEMA geo;
ALTER TABLE {final} ADD CONSTRAINT {pk_index_name} PRIMARY KEY USING INDEX {pk_index_name};
