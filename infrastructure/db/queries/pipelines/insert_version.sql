INSERT INTO app.pipelines (name, version, description, definition, digest, owner, created_by, created_by_role, schedule)
VALUES (%(name)s, %(version)s, %(description)s, %(definition)s, %(digest)s, %(owner)s, %(created_by)s,
        %(created_by_role)s, %(schedule)s)
RETURNING *;
