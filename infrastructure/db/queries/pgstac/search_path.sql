-- pgSTAC's functions and tables by their bare names (reset before the connection
-- returns to the pool: pgstac/reset_search_path).
SET search_path TO pgstac, public;
