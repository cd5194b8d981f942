-- process_vector's all_layers loads stage one set of tables (per geometry kind) for each
-- layer: the layer group becomes part of a staging table's key.
ALTER TABLE app.vector_staging ADD COLUMN layer_group integer NOT NULL DEFAULT 0 CHECK (layer_group >= 0);
ALTER TABLE app.vector_staging DROP CONSTRAINT vector_staging_pkey;
ALTER TABLE app.vector_staging ADD PRIMARY KEY (job_id, attempt, layer_group, kind);
