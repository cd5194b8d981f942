UPDATE app.pipelines SET archived_at = now() WHERE name = %(name)s AND archived_at IS NULL RETURNING version;
