UPDATE app.tasks SET dispatched_at = now() WHERE task_id = ANY(%(task_ids)s::bigint[]);
