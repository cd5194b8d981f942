SELECT owner, attempt, coalesce((parameters ->> 'replace_owned_by_other')::boolean, false) AS takeover
FROM app.jobs WHERE job_id = %(job_id)s;
