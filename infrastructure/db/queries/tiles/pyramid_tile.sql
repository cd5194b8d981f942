SELECT tile FROM tiles.pyramid_tiles
WHERE table_name = %(table_name)s AND version = %(version)s AND z = %(z)s AND x = %(x)s AND y = %(y)s;
