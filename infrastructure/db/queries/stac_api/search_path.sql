-- pgSTAC's functions resolve their own tables through the search path (for this transaction only).
SET LOCAL search_path TO pgstac, public;
