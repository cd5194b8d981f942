-- Versions of one name are numbered one after another: savers of the same name queue here.
SELECT pg_advisory_xact_lock(hashtextextended('geoetl:pipeline:' || %(name)s, 0));
