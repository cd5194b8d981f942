INSERT INTO tiles.pyramid_tiles (table_name, version, z, x, y, tile)
VALUES (%(table_name)s, %(version)s, %(z)s, %(x)s, %(y)s, %(tile)s)
ON CONFLICT (table_name, version, z, x, y) DO UPDATE SET tile = EXCLUDED.tile;
