SELECT * FROM app.pipelines WHERE name = %(name)s ORDER BY version DESC LIMIT 1;
