INSERT INTO app.pipeline_schedules (name, last_checked_at) VALUES (%(name)s, %(checked_at)s)
ON CONFLICT (name) DO UPDATE SET last_checked_at = excluded.last_checked_at;
