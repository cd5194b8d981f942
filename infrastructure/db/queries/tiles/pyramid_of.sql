SELECT max_zoom FROM tiles.pyramids WHERE table_name = %(table_name)s AND version = %(version)s;
