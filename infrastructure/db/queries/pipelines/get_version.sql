SELECT * FROM app.pipelines WHERE name = %(name)s AND version = %(version)s;
