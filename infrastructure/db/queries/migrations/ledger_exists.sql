SELECT to_regclass('app.schema_migrations') IS NOT NULL AS exists;
