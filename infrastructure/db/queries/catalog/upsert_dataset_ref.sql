INSERT INTO app.dataset_refs (dataset_id, data_type, ddh_dataset_id, ddh_resource_id, ddh_version_id, other_refs)
VALUES (%(dataset_id)s, %(data_type)s, %(ddh_dataset_id)s, %(ddh_resource_id)s, %(ddh_version_id)s, %(other_refs)s)
ON CONFLICT (dataset_id, data_type) DO UPDATE SET
    ddh_dataset_id = EXCLUDED.ddh_dataset_id, ddh_resource_id = EXCLUDED.ddh_resource_id,
    ddh_version_id = EXCLUDED.ddh_version_id, other_refs = EXCLUDED.other_refs, updated_at = now()
RETURNING *;
