SELECT CASE WHEN to_regclass('pgstac.migrations') IS NULL THEN NULL
            ELSE (SELECT version FROM pgstac.migrations ORDER BY datetime DESC, version DESC LIMIT 1)
       END AS version;
