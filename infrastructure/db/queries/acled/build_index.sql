-- One index of a full load's staging table. Several are built at once, each on its own
-- connection (CREATE INDEX takes a lock that does not conflict with another CREATE INDEX);
-- IF NOT EXISTS: a finalize that runs again keeps what an earlier run built.
CREATE {unique} INDEX IF NOT EXISTS {index} ON {table} USING {method} ({column});
