-- The PostgreSQL queue backend is the app.tasks table itself.
SELECT to_regclass('app.tasks') IS NOT NULL AS exists;
