INSERT INTO app.ownership (resource_kind, resource_name, owner, job_id)
VALUES (%(kind)s, %(name)s, %(owner)s, %(job_id)s)
ON CONFLICT (resource_kind, resource_name)
DO UPDATE SET owner = excluded.owner, job_id = excluded.job_id, claimed_at = now();
