-- A version made for a table that changed meanwhile: never served, so dropped.
DELETE FROM tiles.pyramid_tiles WHERE table_name = %(table_name)s AND version = %(version)s;
