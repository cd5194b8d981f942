-- H3 aggregations have owners too: a re-run for the same source and resolution replaces
-- the cells, so only the aggregation's owner (or an admin's takeover) may do it.
ALTER TABLE app.ownership DROP CONSTRAINT ownership_resource_kind_check;
ALTER TABLE app.ownership ADD CONSTRAINT ownership_resource_kind_check
    CHECK (resource_kind IN ('table', 'raster', 'stac_collection', 'stac_item', 'h3_aggregation'));

INSERT INTO app.ownership (resource_kind, resource_name, owner)
SELECT 'h3_aggregation', collection_id, 'legacy' FROM h3.aggregations
ON CONFLICT DO NOTHING;
